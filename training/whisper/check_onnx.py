"""Feature error of the exported ONNX files against the PyTorch fp32 model, and encoder speed.

On LJ Speech clips 0-39 in the runtime's window scheme (each clip padded to 30 s), and once on a
clip as its own window (no padding: the graph's dynamic S). Per file: max / mean abs difference,
cosine, the merge signal's change, and the share of the PyTorch boundaries at 6.25 Hz kept.
Speed: seconds of CPU (2 threads) per second of audio for one 30 s window and one 10 s window.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.check_onnx --dir training/runs/whisper
"""
import argparse
import json
import os
import time

import numpy as np
import onnxruntime as ort
import torch

from training.whisper import windows
from training.whisper.asr_features import MAX_WINDOW_SAMPLES, AsrFeatures
from training.whisper.window_study import compare, load_clips, run

FILES = ['whisper-asr.onnx', 'whisper-asr-fp16.onnx', 'whisper-asr-int8.onnx']


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = 2, 1
    return ort.InferenceSession(path, o, providers=['CPUExecutionProvider'])


def ort_runner(sess):
    """audio (S,) -> (S / 1280, 384) through an onnxruntime session."""
    return lambda x: sess.run(['asr'], {'audio': x[None].astype(np.float32)})[0][0]


def per_second(fn, seconds, repeats=3):
    """Best wall time of fn over repeats, per second of audio."""
    best = 1e9
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best / seconds


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dir', default='training/runs/whisper')
    p.add_argument('--clips', type=int, default=40)
    p.add_argument('--out', default='')
    a = p.parse_args()
    torch.set_num_threads(2)
    model = AsrFeatures().eval()
    clips = load_clips(a.clips)
    ref = np.concatenate([windows.features(lambda x: run(model, x), c) for c in clips])
    result = {'clips': len(clips), 'seconds': round(sum(map(len, clips)) / 16000, 1), 'files': {}}
    x30 = np.concatenate(clips)[:MAX_WINDOW_SAMPLES]
    x10 = x30[:160000]
    result['torch_s_per_s'] = {'30s_window': per_second(lambda: run(model, x30), 30),
                               '10s_window': per_second(lambda: run(model, x10), 10)}
    for name in FILES:
        path = os.path.join(a.dir, name)
        sess = session(path)
        f = ort_runner(sess)
        got = np.concatenate([windows.features(f, c) for c in clips])
        row = compare(ref, got)
        row['max_abs'], row['mean_abs'] = float(np.abs(got - ref).max()), float(np.abs(got - ref).mean())
        alone_ref, alone = run(model, clips[0]), f(clips[0])
        row['unpadded_clip_max_abs'] = float(np.abs(alone - alone_ref).max())
        row['bytes'] = os.path.getsize(path)
        row['s_per_s'] = {'30s_window': per_second(lambda: f(x30), 30), '10s_window': per_second(lambda: f(x10), 10)}
        result['files'][name] = row
        print(name, json.dumps(row), flush=True)
    print(json.dumps(result['torch_s_per_s']))
    if a.out:
        with open(a.out, 'w') as fh:
            json.dump(result, fh, indent=1)


if __name__ == '__main__':
    main()
