"""Estimate the mean 12.5 Hz Whisper feature at each of the 375 positions of a 30 s window.

Whisper's encoder output carries a large position-dependent part (it tells the decoder where in
the window a frame is): the same clip placed 10 s later in the window has raw 12.5 Hz features
of cosine 0.46 to the first placement, 0.96 once each position's mean is removed (measured in
docs/SEMANTIC.md). Subtracting this table makes the merge compare what is said, not where in the
window it is. Estimated on LJ Speech clips 150-363 (the window study and the tests use clips
0-149), joined with 0.3 s of silence, in 30 s windows every 4 s, so each position sees 150 or so
different stretches of speech.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.position_mean   # writes position_mean.npy
"""
import argparse
import os

import numpy as np
import torch

from training.whisper.asr_features import FRAME_SAMPLES, MAX_WINDOW_SAMPLES, AsrFeatures
from training.whisper.window_study import load_clips, make_stream, run

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, 'position_mean.npy')


def estimate(model, stream, hop_frames):
    """Mean raw feature per window position. stream (S,) -> (375, 384) float32, and the window count."""
    W = MAX_WINDOW_SAMPLES // FRAME_SAMPLES
    T = len(stream) // FRAME_SAMPLES
    total, n = np.zeros((W, 384), np.float64), 0
    for s in range(0, T - W + 1, hop_frames):
        total += run(model, stream[s * FRAME_SAMPLES : (s + W) * FRAME_SAMPLES])
        n += 1
    return (total / n).astype(np.float32), n


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--stream-s', type=float, default=600.0)
    p.add_argument('--hop-frames', type=int, default=50)
    p.add_argument('--out', default=TABLE)
    a = p.parse_args()
    torch.set_num_threads(2)
    model = AsrFeatures(position_mean=False).eval()
    table, n = estimate(model, make_stream(load_clips(364)[150:], a.stream_s), a.hop_frames)
    np.save(a.out, table.astype(np.float16))  # 288 KB; float16 keeps 3 digits of a mean of norm ~17
    print(f'{n} windows; mean |table row| {np.linalg.norm(table, axis=1).mean():.2f} -> {a.out}')


if __name__ == '__main__':
    main()
