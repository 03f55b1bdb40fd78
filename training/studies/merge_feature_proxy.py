"""Which merge stream gives v3 the best segments? A feature-domain proxy on the corpus's 'valid' split.

For each candidate merge stream, each crop is segmented at the target rate by the runtime's tau
search (training/segments.py, the twin of src/core/tau.ts), coded and decoded by the v3 model, and
scored by the L1 of the word cepstra c0-c5 (model.py WORD_CEPSTRA); the fixed layout is the paper's
ablation. Training data only (no held-out file), so it may steer a design; held-out WER decides.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.studies.merge_feature_proxy [--ckpt training/checkpoints/v3-fp16.pt]
"""
import argparse

import numpy as np
import torch

from training.segments import fixed_flags, flags_at_rate
from training.v3.data import FeatureCache
from training.v3.model import WORD_CEPSTRA
from training.v3.train import f0_track, load


def frame_means(x, upsample=8):
    """(B, 8T, D) -> (B, T, D): each 80 ms frame's mean."""
    return x.reshape(x.shape[0], -1, upsample, x.shape[-1]).mean(2)


def streams(m, lpc, fine):
    """Candidate merge streams (B, T, D) of a batch."""
    x = m.normalise(lpc)[..., :18]
    half = x.reshape(x.shape[0], -1, 8, 18)
    return {
        'cepstra mean (shipped)': frame_means(x),
        'c0-c5 mean': frame_means(x[..., :WORD_CEPSTRA]),
        'fine-stream mean': frame_means(fine),
        'cepstra mean + slope': torch.cat([frame_means(x), half[:, :, 4:].mean(2) - half[:, :, :4].mean(2)], -1),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', default='training/checkpoints/v3-fp16.pt')
    p.add_argument('--cache', default='training/data/cache/featdec/valid.npz')
    p.add_argument('--batches', type=int, default=6)
    p.add_argument('--max-lens', type=int, nargs='+', default=[8],
                   help='longest segment, in 80 ms frames, of the similarity merges (the shipped 8); a row each')
    a = p.parse_args()
    torch.set_num_threads(1)
    m = load(a.ckpt)
    valid = FeatureCache(a.cache)
    batches = [valid.batch(np.random.default_rng(s), 16, 32)[2:] for s in range(a.batches)]
    print('| rate Hz | merge stream | c0-c5 L1 | achieved Hz |\n|---:|---|---:|---:|')
    for rate in (6.25, 3.0):
        rows = {}
        for f0, lpc in batches:
            with torch.no_grad():
                _, fine = m.encode_streams(lpc)
                layouts = {k + (f', max {n}' if a.max_lens != [8] else ''):
                           np.stack([flags_at_rate(s[b].numpy(), rate, n) for b in range(len(s))])
                           for k, s in streams(m, lpc, fine).items() for n in a.max_lens}
                layouts['fixed layout'] = np.stack([fixed_flags(fine.shape[1] // 8, rate)] * len(lpc))
                for k, flags in layouts.items():
                    zq, _, seg_len, seg_id, pos = m.code(fine, torch.from_numpy(flags))
                    pred = m.decode_segments(zq, seg_len, seg_id, pos, f0_track(f0))
                    err = float((pred[..., :WORD_CEPSTRA] - lpc[..., :WORD_CEPSTRA]).abs().mean())
                    rows.setdefault(k, []).append((err, flags.sum() / flags.size))
        for k, v in rows.items():
            print(f'| {rate:g} | {k} | {np.mean([e for e, _ in v]):.4f} | {12.5 * np.mean([r for _, r in v]):.2f} |', flush=True)


if __name__ == '__main__':
    main()
