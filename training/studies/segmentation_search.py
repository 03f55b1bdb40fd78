"""Does a segmentation that minimises the in-segment spread beat the threshold merge and the fixed
layout? A feature-domain proxy on the corpus's 'valid' split (no held-out file).

Session 20 found the threshold merge spends a third of its segments on single frames at transitions,
which forces long speech segments elsewhere, and the fixed layout wins. Here each crop is cut into
exactly K = round(T * rate / 12.5) segments of at most max_len frames by dynamic programming, so the
boundaries go where the frames change most and no budget is spent where they do not:
  - 'cosine spread': a segment of l unit-normalised merge frames costs l (1 - |mean|^2), l times one
    minus their mean pairwise cosine (self-pairs included): the cosine merge made global.
  - 'fine spread': the squared spread of the 10 ms normalised cepstra around the segment's mean,
    from each 80 ms frame's sum and sum of squares, so in-frame motion counts too.
Each layout is coded and decoded by the v3 model and scored by the c0-c5 L1 (model.py WORD_CEPSTRA).

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.studies.segmentation_search [--ckpt training/checkpoints/v3-fp16.pt]
"""
import argparse

import numpy as np
import torch

from training.segments import fixed_flags, flags_at_rate, spread_flags, spread_flags_at_rate, spread_segments_at_rate
from training.v3.data import FeatureCache
from training.v3.model import CEPSTRA, WORD_CEPSTRA
from training.v3.train import f0_track, load


# An 80 ms frame is speech where its mean c0 (LPCNet's log energy) is above this: the corpus's silences
# and pauses sit near -12, its speech mostly above 0 (segment_length_error.py's mean c0 column).
SPEECH_C0 = -4.0


def fine_flags(x_fine, rate, max_len, upsample=8):
    """The spread layout's DP (training/segments.py `spread_flags`) on another cost: the squared
    spread of a segment's 10 ms normalised cepstra around their mean. x_fine (8T, D)."""
    f = x_fine.reshape(-1, upsample, x_fine.shape[-1])
    T = len(f)
    P1 = np.concatenate([np.zeros((1, f.shape[-1])), np.cumsum(f.sum(1), 0)])  # prefix sums per frame
    P2 = np.concatenate([[0.0], np.cumsum((f * f).sum((1, 2)))])
    costs = np.full((T, max_len), np.inf)
    for e in range(T):
        for l in range(1, min(max_len, e + 1) + 1):
            d = P1[e + 1] - P1[e + 1 - l]
            costs[e, l - 1] = P2[e + 1] - P2[e + 1 - l] - float(d @ d) / (l * upsample)
    return spread_flags(costs, spread_segments_at_rate(T, rate, max_len))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', default='training/checkpoints/v3-fp16.pt')
    p.add_argument('--cache', default='training/data/cache/featdec/valid.npz')
    p.add_argument('--batches', type=int, default=6)
    p.add_argument('--rates', type=float, nargs='+', default=[6.25, 3.0])
    p.add_argument('--max-len', type=int, default=8)
    p.add_argument('--penalties', type=float, nargs='+', default=[],
                   help='rows of the cosine spread DP with a length penalty: cost + p * l^2 a segment')
    a = p.parse_args()
    torch.set_num_threads(1)
    m = load(a.ckpt)
    valid = FeatureCache(a.cache)
    batches = [valid.batch(np.random.default_rng(s), 16, 32)[2:] for s in range(a.batches)]
    print('| rate Hz | layout | c0-c5 L1 | on speech | achieved Hz |\n|---:|---|---:|---:|---:|')
    for rate in a.rates:
        rows = {}
        for f0, lpc in batches:
            with torch.no_grad():
                merge, fine = m.encode_streams(lpc)
                xf = m.normalise(lpc)[..., :CEPSTRA].numpy()
                B, T = merge.shape[:2]
                layouts = {
                    'threshold merge (shipped)': np.stack([flags_at_rate(merge[b].numpy(), rate, a.max_len) for b in range(B)]),
                    'fixed layout': np.stack([fixed_flags(T, rate)] * B),
                    'cosine spread DP': np.stack([spread_flags_at_rate(merge[b].numpy(), rate, a.max_len) for b in range(B)]),
                    'fine spread DP': np.stack([fine_flags(xf[b].astype(float), rate, a.max_len) for b in range(B)]),
                }
                for pen in a.penalties:
                    layouts[f'cosine spread DP + {pen:g} l^2'] = np.stack(
                        [spread_flags_at_rate(merge[b].numpy(), rate, a.max_len, pen) for b in range(B)])
                # Speech frames only: the corpus's silences decode almost exactly in any layout.
                speech = (lpc[..., 0].reshape(B, T, 8).mean(-1) > SPEECH_C0).repeat_interleave(8, 1)
                for k, flags in layouts.items():
                    zq, _, seg_len, seg_id, pos = m.code(fine, torch.from_numpy(flags), [rate] * B)
                    pred = m.decode_segments(zq, seg_len, seg_id, pos, f0_track(f0))
                    e = (pred[..., :WORD_CEPSTRA] - lpc[..., :WORD_CEPSTRA]).abs().mean(-1)
                    rows.setdefault(k, []).append((float(e.mean()), flags.sum() / flags.size, float(e[speech].mean())))
        for k, v in rows.items():
            print(f'| {rate:g} | {k} | {np.mean([e for e, _, _ in v]):.4f} | {np.mean([s for _, _, s in v]):.4f} | '
                  f'{12.5 * np.mean([r for _, r, _ in v]):.2f} |', flush=True)


if __name__ == '__main__':
    main()
