"""Writes test/fixtures/range-coder.json: symbol sequences, their frequency tables and the bytes
the Python range coder gives, and v2 payloads of segments under the shipped tables (copied into
the fixture), so
test/range-coder.test.ts can check that the TypeScript coder gives the same bytes.

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
    lf, df = tb.from_section(section)
    rng = np.random.default_rng(seed)
    cases = []
    for centi_hz, K in [(1250, 40), (625, 30), (300, 12), (830, 1)]:
        lengths = np.ones(K, np.int64) if centi_hz == 1250 else rng.integers(1, 9, K)
        codes = rng.integers(0, 4096, (K, 7))
        cases.append({'targetRateCentiHz': centi_hz, 'frames': int(lengths.sum()), 'lengths': lengths.tolist(),
                      'codes': codes.reshape(-1).tolist(),
                      'bytes': tb.encode_segments(lf, df, centi_hz, lengths, codes).hex()})
    return cases


def main(models='public/models/models.json'):
    with open(models) as f:
        section = json.load(f)['entropy']
    out = {'about': 'written by python -m training.entropy.fixture; checked by test/range-coder.test.ts '
                    'and training/tests/test_entropy.py',
           'coder': coder_cases(), 'entropyId': section['id'], 'payloads': payload_cases(section),
           # The tables themselves, so the tests and docs/FORMAT.md's example outlive the next model's tables.
           'entropy': section}
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(out["coder"])} coder cases, {len(out["payloads"])} payloads (tables {section["id"]})')


if __name__ == '__main__':
    main()
