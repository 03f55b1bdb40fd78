"""12.5 Hz Whisper features of corpus utterances, one .npy (T x 384) per utterance, for training on
precomputed features (the earlier family's training.train --asr-features DIR, retired; commit
1215a19), and for studies of the features themselves (docs/SEMANTIC.md).

DIR/<utterance path less .wav>.npy, float16 by default (float32 with --float32: for studies that take
cosines in the array's own dtype). T = len(audio) // 1280, as the codec's frames. Each
utterance goes through the runtime's window scheme (windows.py: one 30 s window, padded, for
anything up to 30 s). Runs the exported ONNX file through onnxruntime (4x faster than PyTorch on
CPU here), or PyTorch with --torch.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.features --split valid --float32 --out training/runs/whisper/feat-valid
  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.features --out training/data/cache/whisper   # the whole corpus
"""
import argparse
import os

import numpy as np
import soundfile as sf
import torch

from training.dataset import read_manifest
from training.whisper import windows
from training.whisper.asr_features import FRAME_SAMPLES, POSITION_MEAN, AsrFeatures


def window_runner(onnx_path, raw, use_torch, threads=2):
    """A function audio (W * 1280,) float32 -> (W, 384) float32 for one window: position-centred
    (what the model outputs) or raw (the table added back)."""
    if use_torch:
        model = AsrFeatures(position_mean=not raw).eval()

        def run(x):
            with torch.no_grad():
                return model(torch.from_numpy(x)[None])[0].numpy()

        return run
    import onnxruntime as ort

    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
    sess = ort.InferenceSession(onnx_path, o, providers=['CPUExecutionProvider'])
    table = np.load(POSITION_MEAN).astype(np.float32) if raw else None

    def run(x):
        f = sess.run(['asr'], {'audio': x[None]})[0][0]
        return f + table[: len(f)] if raw else f

    return run


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--split', default='', help="'train' / 'valid'; empty = every utterance")
    p.add_argument('--limit', type=int, default=0)
    p.add_argument('--out', required=True)
    p.add_argument('--onnx', default='training/runs/whisper/whisper-asr.onnx')
    p.add_argument('--torch', action='store_true', help='PyTorch instead of the ONNX file')
    p.add_argument('--raw', action='store_true', help='without the position-mean subtraction')
    p.add_argument('--utterance-centred', action='store_true', help='less each utterance\'s mean feature')
    p.add_argument('--float32', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(2)
    rows = read_manifest(a.corpus, a.split or None, with_phones=(a.split == 'valid'))
    rows = rows[: a.limit] if a.limit else rows
    run = window_runner(a.onnx, a.raw, a.torch)
    done = 0
    for r in rows:
        out = os.path.join(a.out, os.path.splitext(r['file'])[0] + '.npy')
        if os.path.exists(out):  # resumable: a long corpus run can stop and start again
            continue
        x, sr = sf.read(os.path.join(a.corpus, r['file']), dtype='float32')
        if sr != 16000 or x.ndim != 1:
            raise SystemExit(f'{r["file"]}: want 16 kHz mono')
        x = x[: len(x) // FRAME_SAMPLES * FRAME_SAMPLES]
        if len(x) == 0:
            continue
        f = windows.features(run, x)
        if a.utterance_centred:  # needs the whole file first, as boundaries.py's 'log-mel' row
            f = f - f.mean(0)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        np.save(out + '.tmp.npy', f.astype(np.float32 if a.float32 else np.float16))
        os.replace(out + '.tmp.npy', out)
        done += 1
    print(f'{done} utterances written to {a.out} ({len(rows)} selected)')


if __name__ == '__main__':
    main()
