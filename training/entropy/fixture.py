"""Writes test/fixtures/range-coder.json: symbol sequences, their frequency tables and the bytes
the Python range coder gives, v2 payloads of segments under the shipped tables (copied into the
fixture), v3 payloads (with a pitch level per frame) under those tables plus a synthetic pitch table
(no model codes pitch yet), v4 payloads (a level per two-frame span below 5 Hz) under the same
tables and v4 headers, so test/range-coder.test.ts can check that the TypeScript coder gives the
same bytes.

  .venv/bin/python -m training.entropy.fixture [--models public/models/models.json]
"""
import argparse
import json
import random

import numpy as np

from training.entropy import container
from training.entropy import tables as tb
from training.entropy.rangecoder import encode_symbols
from training.pitch import code as pitch_code

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


def pitch_walk(rng, T):
    """Frame levels like speech's: a random walk with unvoiced frames, starting with 0, 1 and 63."""
    walk = np.clip(30 + np.cumsum(rng.integers(-3, 4, T)), 1, tb.PITCH_LEVELS - 1)
    pitch = np.where(rng.random(T) < 0.25, 0, walk)
    if T >= 3:
        pitch[:3] = [0, 1, tb.PITCH_LEVELS - 1]
    return pitch


def pitch_payload_cases(section, seed=13):
    """Random segments with a pitch level per frame (a random walk with unvoiced runs, and the
    extremes 0, 1 and 63) coded as version 3 with `section`'s tables and its pitch table."""
    lf, df, pf = tb.from_section(section)
    rng = np.random.default_rng(seed)
    cases = []
    for centi_hz, K in [(1250, 40), (625, 30), (300, 12), (830, 1), (500, 64)]:
        lengths = np.ones(K, np.int64) if centi_hz == 1250 else rng.integers(1, 9, K)
        codes = rng.integers(0, 4096, (K, 7))
        pitch = pitch_walk(rng, int(lengths.sum()))
        cases.append({'targetRateCentiHz': centi_hz, 'frames': int(lengths.sum()), 'lengths': lengths.tolist(),
                      'codes': codes.reshape(-1).tolist(), 'pitch': pitch.tolist(),
                      'bytes': tb.encode_segments(lf, df, centi_hz, lengths, codes, pf=pf, pitch=pitch).hex()})
    return cases


def lengths_of_parity(rng, K, odd):
    """K random segment lengths 1..8 whose sum is odd or even as asked (the last one nudged)."""
    lengths = rng.integers(1, 9, K)
    if int(lengths.sum()) % 2 != odd:
        lengths[-1] += 1 if lengths[-1] < 8 else -1
    return lengths


def v4_pitch_payload_cases(section, seed=17):
    """Version 4 payloads: random segments with frame levels coded at code.pitch_stride of the rate,
    a level per two-frame span below 5 Hz (T odd and even, T = 1, odd segment lengths so spans
    cross segment boundaries, one-frame segments that end no span), a level per frame from 5 Hz
    (the same bytes as version 3)."""
    lf, df, pf = tb.from_section(section)
    rng = np.random.default_rng(seed)
    cases = []
    for centi_hz, lengths in [(300, lengths_of_parity(rng, 12, 0)), (300, lengths_of_parity(rng, 9, 1)),
                              (450, lengths_of_parity(rng, 20, 1)), (450, lengths_of_parity(rng, 15, 0)),
                              (300, np.array([1])), (450, np.array([2])), (450, np.array([3, 1, 5, 3, 7])),
                              (300, np.array([1, 1, 1, 2, 1])),
                              (499, lengths_of_parity(rng, 10, 1)), (500, lengths_of_parity(rng, 10, 1)),
                              (1250, np.ones(25, np.int64))]:
        T, stride = int(lengths.sum()), pitch_code.pitch_stride(centi_hz)
        codes = rng.integers(0, 4096, (len(lengths), 7))
        pitch = pitch_walk(rng, T)
        cases.append({'targetRateCentiHz': centi_hz, 'frames': T, 'lengths': lengths.tolist(),
                      'codes': codes.reshape(-1).tolist(), 'pitch': pitch.tolist(),
                      'spanLevels': pitch_code.span_levels(pitch, stride).tolist(), 'pitchStride': stride,
                      'bytes': tb.encode_segments(lf, df, centi_hz, lengths, codes, pf=pf, pitch=pitch,
                                                  pitch_stride=stride).hex()})
    return cases


def v4_header_cases():
    """Version 4 headers across sampleCount's LEB128 lengths (1..4 bytes, each edge) and the rate range."""
    cases = []
    for sample_count, centi_hz, model_id in [(1, 300, '4bb024e4'), (127, 1250, '4bb024e4'), (128, 1, '00c0ffee'),
                                             (2000, 625, '4bb024e4'), (16383, 450, 'ffffffff'),
                                             (16384, 499, '00000000'), (43200, 300, '95756a0b'),
                                             (2097151, 500, '95756a0b'), (2097152, 830, '95756a0b'),
                                             (container.MAX_SAMPLES, 1250, '20e1d1d7')]:
        cases.append({'sampleCount': sample_count, 'centiHz': centi_hz, 'modelId': model_id,
                      'bytes': container.v4_header(model_id, sample_count, centi_hz).hex()})
    return cases


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--models', default=OUT,
                   help="the models.json (or fixture) whose entropy tables the fixture is written with; default the "
                        "fixture's own, so its cases and docs/FORMAT.md's examples stay as they are; "
                        "public/models/models.json to follow the shipped model's tables")
    a = p.parse_args(argv)
    with open(a.models) as f:
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
           'pitchEntropy': pitch_section, 'pitchPayloads': pitch_payload_cases(pitch_section),
           # Version 4: the same tables, a level per two frames below 5 Hz, and the compact header.
           'v4PitchPayloads': v4_pitch_payload_cases(pitch_section), 'v4Headers': v4_header_cases()}
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(out["coder"])} coder cases, {len(out["payloads"])} payloads (tables {section["id"]}), '
          f'{len(out["pitchPayloads"])} with pitch (tables {pitch_section["id"]}), '
          f'{len(out["v4PitchPayloads"])} version 4 payloads, {len(out["v4Headers"])} version 4 headers')


if __name__ == '__main__':
    main()
