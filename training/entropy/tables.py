"""The probability model of the .fxc version 2, 3 and 4 payloads and its frequency tables (the twin
of src/core/entropy.ts and src/core/entropy-payload.ts; docs/FORMAT.md).

Per segment the coder codes the length L, in version 3 the pitch levels of its L frames (one per
80 ms frame, in order; version 4 the same, or below 5 Hz the levels of the two-frame spans that
end in the segment, training/pitch/code.py pitch_stride), then the 28 FSQ digits (group g,
digit j: channel 4g + j, digit j of a code weighted by 8^j). Contexts, chosen by
training/entropy/measure.py:
  length  - the file's target rate (header), in RATE_BUCKETS: at 12.5 Hz every length is 1;
  pitch   - the previous coded level, frame's or span's (NO_PREVIOUS_LEVEL = 64 for the file's
            first); only for models that code pitch (training/pitch/code.py frame_levels:
            0 unvoiced, 1..63 log F0);
  digit c - the same channel's digit in the previous segment (8 = none: the file's first
            segment) and this segment's digit c - 1 (0 for c = 0).
Each table row holds the frequencies of its symbols, each >= 1, summing to 2^TOTAL_BITS.
"""
import base64
import hashlib

import numpy as np

from training.entropy.rangecoder import RangeDecoder, RangeEncoder, cumulative
from training.pitch.code import LEVELS as PITCH_LEVELS, span_levels

# Frequencies of each row sum to 2^TOTAL_BITS (12: 14 and 16 measured no better, docs/FORMAT.md).
TOTAL_BITS = 12
# Lower edges of the target-rate buckets, centi-Hz; the last bucket is 12.45-12.5 Hz (all lengths 1).
RATE_BUCKETS_CENTI_HZ = [0, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1245]
# Context value of "no previous segment" for a digit.
NO_PREVIOUS = 8
# Context row of "no previous frame" for a pitch level: the file's first frame.
NO_PREVIOUS_LEVEL = PITCH_LEVELS
# The pitch table's context in models.json: each frame's level by the previous frame's.
PITCH_CONTEXT = 'previous-frame-level'
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
    for s in streams:
        np.add.at(lc, (rate_bucket(round(s['rate'] * 100)), s['lengths'] - 1), 1)
        ch = np.arange(s['digits'].shape[1])  # a rate with reduced code groups codes the first channels
        ctx = contexts(s['lengths'], s['digits'])
        np.add.at(dc, (ch[None, :], ctx[..., 0], ctx[..., 1], s['digits']), 1)
    lf = np.stack([quantise(r) for r in lc])
    df = np.stack([quantise(r) for r in dc.reshape(-1, levels)]).reshape(dc.shape)
    return lf, df


def pitch_contexts(pitch):
    """frame pitch levels (T,) -> the previous frame's level (T,), NO_PREVIOUS_LEVEL for the first."""
    return np.concatenate([[NO_PREVIOUS_LEVEL], np.asarray(pitch, np.int64)[:-1]]).astype(np.int64)


def fit_pitch(streams):
    """streams [{pitch (T,) 0..63 per frame, ...}] -> pitch freqs (NO_PREVIOUS_LEVEL + 1, PITCH_LEVELS),
    counted over consecutive frames of each stream."""
    pc = np.full((NO_PREVIOUS_LEVEL + 1, PITCH_LEVELS), PSEUDO_COUNT)
    for s in streams:
        np.add.at(pc, (pitch_contexts(s['pitch']), s['pitch']), 1)
    return np.stack([quantise(r) for r in pc])


def segment_bits(lf, df, centi_hz, lengths, digits):
    """Ideal code length in bits of each segment (K,) under the tables."""
    total = 1 << TOTAL_BITS
    bits = -np.log2(lf[rate_bucket(centi_hz), lengths - 1] / total)
    ctx = contexts(lengths, digits)
    f = df[np.arange(digits.shape[1])[None, :], ctx[..., 0], ctx[..., 1], digits]
    return bits + (-np.log2(f / total)).sum(1)


def ends_span(f, frames, stride):
    """Whether frame f of `frames` ends a pitch span at `stride`: the payload codes the span's
    level in the segment holding this frame."""
    return (f + 1) % stride == 0 or f == frames - 1


def encode_segments(lf, df, centi_hz, lengths, codes, digits_per_code=4, levels=8, pf=None, pitch=None,
                    pitch_stride=1):
    """The payload of segments: lengths (K,) 1..8, codes (K, G) -> bytes; with `pitch`, the levels of
    the frames (sum(lengths),) 0..63, coded with the pitch table `pf` (version 3, or 4 with
    `pitch_stride` 2: the level of each two-frame span, code.span_levels, in the segment holding
    its last frame), version 2 without."""
    if pitch is not None and pf is None:
        raise ValueError('pitch levels need the pitch table pf')
    frames = int(np.sum(lengths))
    if pitch is not None and len(pitch) != frames:
        raise ValueError(f'{len(pitch)} pitch levels for {frames} frames: one per frame')
    spans = span_levels(pitch, pitch_stride) if pitch is not None else None
    enc = RangeEncoder()
    lrow = lf[rate_bucket(centi_hz)]
    lcum = cumulative(lrow)
    prev = [NO_PREVIOUS] * (codes.shape[1] * digits_per_code)
    prev_level, at = NO_PREVIOUS_LEVEL, 0
    for k in range(len(lengths)):
        n = int(lengths[k])
        enc.encode(lcum[n - 1], int(lrow[n - 1]), TOTAL_BITS)
        if spans is not None:  # the spans ending in this segment, each by the span before
            for f in range(at, at + n):
                if ends_span(f, frames, pitch_stride):
                    q = int(spans[f // pitch_stride])
                    row = pf[prev_level]
                    enc.encode(int(row[:q].sum()), int(row[q]), TOTAL_BITS)
                    prev_level = q
        at += n
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


def decode_segments(lf, df, centi_hz, data, frames, groups=7, digits_per_code=4, levels=8, pf=None,
                    pitch_stride=1):
    """bytes -> (lengths (K,), codes (K, G), span pitch levels (ceil(frames / pitch_stride),) or None)
    covering `frames` frames (for the tests); the payload codes pitch (versions 3 and 4) exactly
    when the pitch table `pf` is given."""
    dec = RangeDecoder(data)
    lcum = cumulative(lf[rate_bucket(centi_hz)])
    prev = [NO_PREVIOUS] * (groups * digits_per_code)
    lengths, codes, pitch, covered = [], [], [], 0
    while covered < frames:
        n = dec.decode(lcum, TOTAL_BITS) + 1
        lengths.append(n)
        if pf is not None:  # the levels of the spans ending in the segment's n frames, each by the span before
            for f in range(covered, covered + n):
                if ends_span(f, frames, pitch_stride):
                    pitch.append(dec.decode(cumulative(pf[pitch[-1] if pitch else NO_PREVIOUS_LEVEL]), TOTAL_BITS))
        covered += n
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
    return np.array(lengths), np.array(codes), (np.array(pitch, np.int64) if pf is not None else None)


def pack(freqs):
    """Integer frequencies -> base64 of their u16 little-endian values, row-major."""
    return base64.b64encode(np.asarray(freqs, '<u2').tobytes()).decode('ascii')


def unpack(text, shape):
    return np.frombuffer(base64.b64decode(text), '<u2').astype(np.int64).reshape(shape)


def tables_id(lf, df, pf=None):
    """8 hex digits naming these tables in every v2/v3 header: sha256 of the length, digit and
    (where there is one) pitch frequencies as u16 LE (test/range-coder.test.ts recomputes it)."""
    blob = b''.join(np.asarray(f, '<u2').tobytes() for f in (lf, df, pf) if f is not None)
    return hashlib.sha256(blob).hexdigest()[:8]


def section(lf, df, measured, pf=None):
    """The "entropy" section of models.json (docs/MODELS.md); with a pitch table for a model that codes pitch."""
    sec = {
        'formatVersion': 1,
        'id': tables_id(lf, df, pf),
        'totalBits': TOTAL_BITS,
        'lengths': {'context': 'target-rate', 'rateBucketsCentiHz': RATE_BUCKETS_CENTI_HZ,
                    'shape': list(lf.shape), 'freqs': pack(lf)},
        'digits': {'context': 'previous-segment-and-channel', 'shape': list(df.shape), 'freqs': pack(df)},
    }
    if pf is not None:
        sec['pitch'] = {'context': PITCH_CONTEXT, 'shape': list(pf.shape), 'freqs': pack(pf)}
    sec['measured'] = measured
    return sec


def from_section(sec):
    """models.json "entropy" section -> (length freqs, digit freqs, pitch freqs or None)."""
    p = sec.get('pitch')
    if p and p.get('context') != PITCH_CONTEXT:
        raise ValueError(f"entropy.pitch context {p.get('context')!r}: this coder knows {PITCH_CONTEXT!r} "
                         '(a level per 80 ms frame); measure the tables again (training.v3.export does)')
    return (unpack(sec['lengths']['freqs'], sec['lengths']['shape']),
            unpack(sec['digits']['freqs'], sec['digits']['shape']),
            unpack(p['freqs'], p['shape']) if p else None)
