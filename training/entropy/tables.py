"""The probability model of the .fxc version 2 payload and its frequency tables (the twin of
src/core/entropy.ts; docs/FORMAT.md).

Per segment the coder codes the length, then the 28 FSQ digits (group g, digit j: channel 4g + j,
digit j of a code weighted by 8^j). Contexts, chosen by training/entropy/measure.py:
  length  - the file's target rate (header), in RATE_BUCKETS: at 12.5 Hz every length is 1;
  digit c - the same channel's digit in the previous segment (8 = none: the file's first
            segment) and this segment's digit c - 1 (0 for c = 0).
Each table row holds the frequencies of the 8 symbols, each >= 1, summing to 2^TOTAL_BITS.
"""
import base64
import hashlib

import numpy as np

from training.entropy.rangecoder import RangeDecoder, RangeEncoder, cumulative

# Frequencies of each row sum to 2^TOTAL_BITS (12: 14 and 16 measured no better, docs/FORMAT.md).
TOTAL_BITS = 12
# Lower edges of the target-rate buckets, centi-Hz; the last bucket is 12.45-12.5 Hz (all lengths 1).
RATE_BUCKETS_CENTI_HZ = [0, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1245]
# Context value of "no previous segment" for a digit.
NO_PREVIOUS = 8
# Added to every count before the counts become frequencies (contexts seen rarely stay near uniform).
PSEUDO_COUNT = 0.5


def rate_bucket(centi_hz):
    """The length context of a file whose header states `centi_hz` (1..1250)."""
    b = 0
    while b + 1 < len(RATE_BUCKETS_CENTI_HZ) and centi_hz >= RATE_BUCKETS_CENTI_HZ[b + 1]:
        b += 1
    return b


def quantise(counts, total_bits=TOTAL_BITS):
    """counts (n,) > 0 -> integer frequencies, each >= 1, summing to 2^total_bits: one each, the
    rest shared in proportion (floor), the remainder to the largest fractional parts (lowest
    symbol first on ties), so the result is the same on every machine."""
    counts = np.asarray(counts, np.float64)
    n, total = len(counts), 1 << total_bits
    share = counts / counts.sum() * (total - n)
    f = 1 + np.floor(share).astype(np.int64)
    rest = total - int(f.sum())
    order = np.argsort(-(share - np.floor(share)), kind='stable')
    f[order[:rest]] += 1
    return f


def contexts(lengths, digits):
    """lengths (K,) 1..8, digits (K, C) 0..7 -> digit contexts (K, C, 2): (previous segment's
    digit or NO_PREVIOUS, this segment's previous channel's digit or 0)."""
    K, C = digits.shape
    prev = np.vstack([np.full((1, C), NO_PREVIOUS), digits[:-1]])
    chan = np.hstack([np.zeros((K, 1), np.int64), digits[:, :-1]])
    return np.stack([prev, chan], -1)


def fit(streams, channels=28, levels=8, max_len=8):
    """streams [{rate, lengths (K,), digits (K, C)}] -> length freqs (buckets, max_len) and digit
    freqs (C, NO_PREVIOUS + 1, levels, levels)."""
    lc = np.full((len(RATE_BUCKETS_CENTI_HZ), max_len), PSEUDO_COUNT)
    dc = np.full((channels, NO_PREVIOUS + 1, levels, levels), PSEUDO_COUNT)
    ch = np.arange(channels)
    for s in streams:
        np.add.at(lc, (rate_bucket(round(s['rate'] * 100)), s['lengths'] - 1), 1)
        ctx = contexts(s['lengths'], s['digits'])
        np.add.at(dc, (ch[None, :], ctx[..., 0], ctx[..., 1], s['digits']), 1)
    lf = np.stack([quantise(r) for r in lc])
    df = np.stack([quantise(r) for r in dc.reshape(-1, levels)]).reshape(dc.shape)
    return lf, df


def segment_bits(lf, df, centi_hz, lengths, digits):
    """Ideal code length in bits of each segment (K,) under the tables."""
    total = 1 << TOTAL_BITS
    bits = -np.log2(lf[rate_bucket(centi_hz), lengths - 1] / total)
    ctx = contexts(lengths, digits)
    f = df[np.arange(digits.shape[1])[None, :], ctx[..., 0], ctx[..., 1], digits]
    return bits + (-np.log2(f / total)).sum(1)


def encode_segments(lf, df, centi_hz, lengths, codes, digits_per_code=4, levels=8):
    """The v2 payload of segments: lengths (K,) 1..8, codes (K, G) -> bytes."""
    enc = RangeEncoder()
    lrow = lf[rate_bucket(centi_hz)]
    lcum = cumulative(lrow)
    prev = [NO_PREVIOUS] * (codes.shape[1] * digits_per_code)
    for k in range(len(lengths)):
        s = int(lengths[k]) - 1
        enc.encode(lcum[s], int(lrow[s]), TOTAL_BITS)
        left = 0
        for g in range(codes.shape[1]):
            code = int(codes[k, g])
            for j in range(digits_per_code):
                c = g * digits_per_code + j
                d = code // levels ** j % levels
                row = df[c, prev[c], left]
                enc.encode(int(row[:d].sum()), int(row[d]), TOTAL_BITS)
                prev[c], left = d, d
    return enc.finish()


def decode_segments(lf, df, centi_hz, data, frames, groups=7, digits_per_code=4, levels=8):
    """bytes -> (lengths (K,), codes (K, G)) covering `frames` frames (for the tests)."""
    dec = RangeDecoder(data)
    lcum = cumulative(lf[rate_bucket(centi_hz)])
    prev = [NO_PREVIOUS] * (groups * digits_per_code)
    lengths, codes, covered = [], [], 0
    while covered < frames:
        n = dec.decode(lcum, TOTAL_BITS) + 1
        covered += n
        lengths.append(n)
        left, row_codes = 0, []
        for g in range(groups):
            code = 0
            for j in range(digits_per_code):
                c = g * digits_per_code + j
                d = dec.decode(cumulative(df[c, prev[c], left]), TOTAL_BITS)
                code += d * levels ** j
                prev[c], left = d, d
            row_codes.append(code)
        codes.append(row_codes)
    return np.array(lengths), np.array(codes)


def pack(freqs):
    """Integer frequencies -> base64 of their u16 little-endian values, row-major."""
    return base64.b64encode(np.asarray(freqs, '<u2').tobytes()).decode('ascii')


def unpack(text, shape):
    return np.frombuffer(base64.b64decode(text), '<u2').astype(np.int64).reshape(shape)


def tables_id(lf, df):
    """8 hex digits naming these tables in every v2 header: sha256 of the length then digit
    frequencies as u16 LE (test/entropy.test.ts recomputes it)."""
    blob = np.asarray(lf, '<u2').tobytes() + np.asarray(df, '<u2').tobytes()
    return hashlib.sha256(blob).hexdigest()[:8]


def section(lf, df, measured):
    """The "entropy" section of models.json (docs/MODELS.md)."""
    return {
        'formatVersion': 1,
        'id': tables_id(lf, df),
        'totalBits': TOTAL_BITS,
        'lengths': {'context': 'target-rate', 'rateBucketsCentiHz': RATE_BUCKETS_CENTI_HZ,
                    'shape': list(lf.shape), 'freqs': pack(lf)},
        'digits': {'context': 'previous-segment-and-channel', 'shape': list(df.shape), 'freqs': pack(df)},
        'measured': measured,
    }


def from_section(sec):
    """models.json "entropy" section -> (length freqs, digit freqs)."""
    return (unpack(sec['lengths']['freqs'], sec['lengths']['shape']),
            unpack(sec['digits']['freqs'], sec['digits']['shape']))
