"""The spread layout's cross-language fixture, test/fixtures/spread-layout.json: merge-stream frames
and the segment lengths training/segments.py gives them at several rates, without a length penalty
and with the shipped one. test/spread-layout.test.ts
checks the runtime's twin (src/core/spread-layout.ts) gives the same lengths to the frame, and
training/tests/test_segments.py that segments.py still does.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.spread_fixture [--ckpt training/checkpoints/v3-fp16.pt]

Cases: the v3 model's merge stream on crops of the corpus's 'valid' split (real near-ties), random
frames, and frames repeated exactly (exact ties, where the tie rule decides).
"""
import argparse
import json

import numpy as np
import torch

from training.segments import spread_flags_at_rate

RATES = (12.5, 9.0, 6.25, 4.5, 3.0)
MAX_LEN = 8
# The shipped V3Config.spread_length_penalty, for each case's `penalized` lengths.
LENGTH_PENALTY = 0.05


def lengths_of(flags):
    starts = np.flatnonzero(flags)
    return np.diff(np.append(starts, len(flags))).tolist()


def case(name, x):
    x = np.asarray(x, np.float32)
    return {'name': name, 'frames': int(x.shape[0]), 'dim': int(x.shape[1]),
            'features': [float(v) for v in x.reshape(-1)],
            'lengths': {f'{r:g}': lengths_of(spread_flags_at_rate(x, r, MAX_LEN)) for r in RATES},
            'penalized': {'lengthPenalty': LENGTH_PENALTY,
                          'lengths': {f'{r:g}': lengths_of(spread_flags_at_rate(x, r, MAX_LEN, LENGTH_PENALTY)) for r in RATES}}}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', default='training/checkpoints/v3-fp16.pt')
    p.add_argument('--cache', default='training/data/cache/featdec/valid.npz')
    p.add_argument('--out', default='test/fixtures/spread-layout.json')
    a = p.parse_args()
    from training.v3.data import FeatureCache
    from training.v3.train import load

    m = load(a.ckpt)
    _, _, _, lpc = FeatureCache(a.cache).batch(np.random.default_rng(7), 3, 32)
    with torch.no_grad():
        merge = m.encode_streams(lpc)[0].numpy()
    rng = np.random.default_rng(0)
    repeated = np.repeat(rng.normal(size=(5, 4)), [3, 1, 6, 2, 9], axis=0)
    cases = [case(f'valid crop {i}', merge[i]) for i in range(len(merge))]
    cases += [case('random', rng.normal(size=(37, 6))), case('repeated frames', repeated), case('one frame', rng.normal(size=(1, 3)))]
    with open(a.out, 'w') as f:
        json.dump({'maxSegmentFrames': MAX_LEN, 'frameRateHz': 12.5, 'cases': cases}, f)
        f.write('\n')
    print(f'wrote {a.out}: {len(cases)} cases')


if __name__ == '__main__':
    main()
