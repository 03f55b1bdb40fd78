"""Fixtures for the TypeScript runtime's ASR stream (src/core/asr-windows.ts, test/asr-*.test.ts).

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.runtime_fixtures

writes test/fixtures/whisper/:
  plans.json   windows.plan(T) for many T and a few (window, margin) pairs: the TS twin must agree
  golden.json, golden.bin
               PyTorch AsrFeatures (fp32 weights, no ONNX) by windows.features on the speech fixture
               cut to whole frames (6 s: one padded window, all 384 channels) and on it repeated 6 times
               (36 s: two windows with a seam; first 16 channels of every frame, to keep it small)
"""
import json
import os

import numpy as np
import soundfile as sf
import torch

from training.whisper import windows
from training.whisper.asr_features import FRAME_SAMPLES, AsrFeatures

OUT = 'test/fixtures/whisper'
SPEECH = 'test/fixtures/speech-en-6s.wav'
LONG_REPEATS = 6  # 6 x 75 frames = 450 frames (36 s): two 30 s windows
LONG_CHANNELS = 16


def plan_cases():
    """(window, margin) -> {T: plan} for the frame counts the twin is checked on."""
    ts = sorted(set(list(range(1, 12)) + list(range(370, 382)) + list(range(400, 1300, 31))
                    + [1500, 2000, 3333, 7500, 45000, 45001]))
    cases = [(375, 31, ts), (375, 0, ts[::5]), (375, 62, ts[::5]), (375, 187, ts[::5]),
             (20, 3, list(range(1, 90)))]
    return [{'window': w, 'margin': m, 'plans': {str(t): windows.plan(t, w, m) for t in tt}}
            for w, m, tt in cases]


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'plans.json'), 'w') as f:
        json.dump({'defaults': {'window': windows.WINDOW_FRAMES, 'margin': windows.MARGIN_FRAMES},
                   'cases': plan_cases()}, f, separators=(',', ':'))
    x, sr = sf.read(SPEECH, dtype='float32')
    assert sr == 16000 and x.ndim == 1
    x = x[: len(x) // FRAME_SAMPLES * FRAME_SAMPLES]
    model = AsrFeatures().eval()

    def run(a):
        with torch.no_grad():
            return model(torch.from_numpy(a)[None])[0].numpy()

    short = windows.features(run, x)
    long_ = windows.features(run, np.tile(x, LONG_REPEATS))[:, :LONG_CHANNELS]
    tensors, blobs, offset = {}, [], 0
    for name, arr in [('asr_short', short), ('asr_long_head', long_)]:
        b = np.ascontiguousarray(arr, np.float32).tobytes()
        tensors[name] = {'dtype': 'float32', 'shape': list(arr.shape), 'offset': offset}
        blobs.append(b)
        offset += len(b)
    with open(os.path.join(OUT, 'golden.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    meta = {'source': SPEECH, 'longRepeats': LONG_REPEATS, 'longChannels': LONG_CHANNELS,
            'window': windows.WINDOW_FRAMES, 'margin': windows.MARGIN_FRAMES,
            'reference': 'PyTorch AsrFeatures (fp32 weights), training/whisper/windows.features',
            'tensors': tensors}
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(f'{OUT}: plans.json, golden.bin ({offset} bytes)')


if __name__ == '__main__':
    main()
