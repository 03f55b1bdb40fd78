"""Where the dynamic layout loses: the word-cepstra error (c0-c5 L1) of each segment length, dynamic
against the fixed layout, on the corpus's 'valid' split (no held-out file).

Each crop is segmented at the target rate by the runtime's tau search (training/segments.py, the
twin of src/core/tau.ts) or by the fixed layout, coded and decoded by the v3 model; per segment
length: how many segments and frames, the mean error of their frames and their mean c0 (energy:
silence is far below 0). Session 20 (model 9c121df7): at 6.25 Hz the merge puts 29 % of the frames
in single-frame segments and 20 % in 8-frame silence, and its 4-6-frame speech segments err 0.46-0.59
against the fixed 2-frame layout's 0.33 mean; at 3 Hz 43 % of the frames sit in 8-frame segments
(speech among them, error 0.50) where the fixed layout never goes past 5.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.studies.segment_length_error [--ckpt training/checkpoints/v3-fp16.pt]
"""
import argparse

import numpy as np
import torch

from training.segments import fixed_flags, layout_flags
from training.v3.data import FeatureCache
from training.v3.model import WORD_CEPSTRA
from training.v3.train import f0_track, load


def length_rows(m, batches, rate, fixed, layout='threshold'):
    """{length: [error sum, frames, c0 sum, segments]} over the batches at one rate and layout."""
    stats = {}
    for f0, lpc in batches:
        with torch.no_grad():
            merge, fine = m.encode_streams(lpc)
            if fixed:
                flags = np.stack([fixed_flags(fine.shape[1] // 8, rate)] * len(lpc))
            else:
                flags = np.stack([layout_flags(merge[b].numpy(), rate, m.c.max_segment_frames, layout, m.c.spread_length_penalty) for b in range(len(lpc))])
            zq, _, seg_len, seg_id, pos = m.code(fine, torch.from_numpy(flags), [rate] * len(lpc))
            pred = m.decode_segments(zq, seg_len, seg_id, pos, f0_track(f0))
        err = (pred[..., :WORD_CEPSTRA] - lpc[..., :WORD_CEPSTRA]).abs().mean(-1).reshape(len(lpc), -1, 8).mean(-1)
        c0 = lpc[..., 0].reshape(len(lpc), -1, 8).mean(-1)
        for b in range(flags.shape[0]):
            starts = list(np.flatnonzero(flags[b])) + [flags.shape[1]]
            for s, e in zip(starts[:-1], starts[1:]):
                row = stats.setdefault(e - s, [0.0, 0, 0.0, 0])
                row[0] += float(err[b, s:e].sum())
                row[1] += e - s
                row[2] += float(c0[b, s:e].sum())
                row[3] += 1
    return stats


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', default='training/checkpoints/v3-fp16.pt')
    p.add_argument('--cache', default='training/data/cache/featdec/valid.npz')
    p.add_argument('--batches', type=int, default=6)
    p.add_argument('--layout', default='', help="the dynamic layout (training/segments.py LAYOUTS; default: the model's)")
    a = p.parse_args()
    torch.set_num_threads(1)
    m = load(a.ckpt)
    valid = FeatureCache(a.cache)
    batches = [valid.batch(np.random.default_rng(s), 16, 32)[2:] for s in range(a.batches)]
    print('| rate Hz | layout | length | segments | share of frames | c0-c5 L1 | mean c0 |\n|---:|---|---:|---:|---:|---:|---:|')
    for rate in (6.25, 3.0):
        for fixed in (False, True):
            stats = length_rows(m, batches, rate, fixed, a.layout or m.c.layout)
            frames = sum(v[1] for v in stats.values())
            for n in sorted(stats):
                e, f, c, k = stats[n]
                print(f'| {rate:g} | {"fixed" if fixed else "dynamic"} | {n} | {k} | {f / frames:.2f} | {e / f:.4f} | {c / f:.2f} |')
            print(f'| {rate:g} | {"fixed" if fixed else "dynamic"} | all | | 1.00 | '
                  f'{sum(v[0] for v in stats.values()) / frames:.4f} | |', flush=True)


if __name__ == '__main__':
    main()
