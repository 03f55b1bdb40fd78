"""Writes test/fixtures/range-coder.json: symbol sequences, their frequency tables and the bytes
the Python range coder gives, v2 payloads of segments under the shipped tables (copied into the
fixture), and v3 payloads (with a pitch level per frame) under those tables plus a synthetic pitch table
(no model codes pitch yet), so test/range-coder.test.ts can check that the TypeScript coder gives
the same bytes.

  .venv/bin/python -m training.entropy.fixture
"""
import json
import random

import numpy as np

from training.entropy import tables as tb
from training.entropy.rangecoder import encode_symbols

OUT = 'test/fixtures/range-coder.json'


def random_table(rng, n, total_bits, skew):
    """n frequencies >= 1 summing to 2^total_bits; skew > 1 makes one symbol dominate."""
    w = [rng.random() ** skew for _ in range(n)]
    return [int(f) for f in tb.quantise(np.array(w) + 1e-9, total_bits)]


def coder_cases(seed=7):
    rng = random.Random(seed)
    cases = []
    for i, (total_bits, n, skew, count) in enumerate([
            (12, 8, 1, 400), (12, 8, 8, 2000), (15, 8, 20, 3000), (16, 2, 30, 5000), (1, 2, 1, 64),
            (4, 3, 1, 100), (12, 8, 1, 0), (12, 8, 1, 1), (14, 5, 3, 1000), (16, 9, 1, 700)]):
        tables = [random_table(rng, n, total_bits, skew) for _ in range(3)]
        symbols = []
        for _ in range(count):
            t = rng.randrange(3)
            # Mostly the likeliest symbols, some rare ones: long 0xFF runs and carries show up.
            s = rng.choices(range(n), weights=tables[t])[0] if rng.random() < 0.9 else rng.randrange(n)
            symbols.append([t, s])
        cases.append({'name': f'case {i}: 2^{total_bits}, {n} symbols, {count} long', 'totalBits': total_bits,
                      'tables': tables, 'symbols': symbols,
                      'bytes': encode_symbols([tuple(x) for x in symbols], tables, total_bits).hex()})
    return cases


def payload_cases(section, seed=11):
    """Random segments (lengths 1..8, 7 codes) at a few target rates, coded with the shipped tables."""
    lf, df, _ = tb.from_section(section)
    rng = np.random.default_rng(seed)
    cases = []
    for centi_hz, K in [(1250, 40), (625, 30), (300, 12), (830, 1)]:
        lengths = np.ones(K, np.int64) if centi_hz == 1250 else rng.integers(1, 9, K)
        codes = rng.integers(0, 4096, (K, 7))
        cases.append({'targetRateCentiHz': centi_hz, 'frames': int(lengths.sum()), 'lengths': lengths.tolist(),
                      'codes': codes.reshape(-1).tolist(),
                      'bytes': tb.encode_segments(lf, df, centi_hz, lengths, codes).hex()})
    return cases


def synthetic_pitch_table():
    """A pitch table shaped like speech's: a voiced frame's level mostly stays within a few steps of
    the previous frame's, voicing starts and stops now and then; every frequency >= 1."""
    n = tb.PITCH_LEVELS
    q = np.arange(n)
    rows = []
    for prev in range(tb.NO_PREVIOUS_LEVEL + 1):
        if 1 <= prev < n:
            w = np.exp(-np.abs(q - prev) / 2.0)
            w[0] = 0.3  # voicing stops
        else:  # unvoiced or the file's first frame: any level, unvoiced likeliest
            w = np.exp(-np.abs(q - 30) / 12.0)
            w[0] = 4.0
        rows.append(tb.quantise(w + tb.PSEUDO_COUNT / 100))
    return np.stack(rows)


def pitch_payload_cases(section, seed=13):
    """Random segments with a pitch level per frame (a random walk with unvoiced runs, and the
    extremes 0, 1 and 63) coded as version 3 with `section`'s tables and its pitch table."""
    lf, df, pf = tb.from_section(section)
    rng = np.random.default_rng(seed)
    cases = []
    for centi_hz, K in [(1250, 40), (625, 30), (300, 12), (830, 1), (500, 64)]:
        lengths = np.ones(K, np.int64) if centi_hz == 1250 else rng.integers(1, 9, K)
        codes = rng.integers(0, 4096, (K, 7))
        T = int(lengths.sum())
        walk = np.clip(30 + np.cumsum(rng.integers(-3, 4, T)), 1, tb.PITCH_LEVELS - 1)
        pitch = np.where(rng.random(T) < 0.25, 0, walk)
        if T >= 3:
            pitch[:3] = [0, 1, tb.PITCH_LEVELS - 1]
        cases.append({'targetRateCentiHz': centi_hz, 'frames': int(lengths.sum()), 'lengths': lengths.tolist(),
                      'codes': codes.reshape(-1).tolist(), 'pitch': pitch.tolist(),
                      'bytes': tb.encode_segments(lf, df, centi_hz, lengths, codes, pf=pf, pitch=pitch).hex()})
    return cases


def main(models='public/models/models.json'):
    with open(models) as f:
        section = json.load(f)['entropy']
    lf, df, _ = tb.from_section(section)
    pitch_section = tb.section(lf, df, {'synthetic': 'training.entropy.fixture synthetic_pitch_table, '
                                                     'the length and digit tables of ' + section['id']},
                               synthetic_pitch_table())
    out = {'about': 'written by python -m training.entropy.fixture; checked by test/range-coder.test.ts '
                    'and training/tests/test_entropy.py',
           'coder': coder_cases(), 'entropyId': section['id'], 'payloads': payload_cases(section),
           # The tables themselves, so the tests and docs/FORMAT.md's example outlive the next model's tables.
           'entropy': section,
           # The same tables with a synthetic pitch table, for version 3.
           'pitchEntropy': pitch_section, 'pitchPayloads': pitch_payload_cases(pitch_section)}
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(out["coder"])} coder cases, {len(out["payloads"])} payloads (tables {section["id"]}), '
          f'{len(out["pitchPayloads"])} with pitch (tables {pitch_section["id"]})')


if __name__ == '__main__':
    main()
