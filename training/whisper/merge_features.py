"""Whisper tiny.en's 12.5 Hz features of a whole file, as the runtime's ASR stream computes them: what
the paper's ASR-guided merge compares (training.v3.evaluate --merge-on whisper)."""
import os

import numpy as np

from training.whisper import features, windows

# The exported Whisper encoder as the runtime ships it (fp16 weights): the shipped one, else the
# export's scratch copy (PyTorch if neither). training/v3/asr_cache.py's corpus features came from it.
ASR_ONNX_CANDIDATES = ('public/models/asr.onnx', 'training/runs/whisper/whisper-asr-fp16.onnx')

_runner = None


def use_onnx(path: str) -> None:
    """Compute the features with this exported encoder from now on (e.g. the int8 variant of
    export_encoder.py, to measure what it costs a model trained on the fp16 file's features)."""
    global _runner
    if not os.path.exists(path):
        raise SystemExit(f'{path}: no such ONNX file')
    _runner = features.window_runner(path, raw=False, use_torch=False)


def asr_features(x: np.ndarray) -> np.ndarray:
    """12.5 Hz Whisper tiny.en features of x (S,), S a multiple of 1280, by the runtime's window
    scheme (training/whisper/windows.py) through the exported ONNX encoder -> (S / 1280, 384)."""
    global _runner
    if _runner is None:
        onnx = next((p for p in ASR_ONNX_CANDIDATES if os.path.exists(p)), None)
        _runner = features.window_runner(onnx, raw=False, use_torch=onnx is None)
    return windows.features(_runner, x.astype(np.float32))
