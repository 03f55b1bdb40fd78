"""Pitch in the bitstream: one level per 80 ms frame (in .fxc version 4 below 5 Hz one per two-frame
span, `pitch_stride`), and the decoder's 10 ms F0 track rebuilt from them.

Twins in src/core/pitch-code.ts. The level of a span of frames (a "segment" below: the codec
codes one per 12.5 Hz frame, `frame_levels`) is 0 when it is unvoiced, else 1 + the quantised
median log2 F0 of its voiced 10 ms frames on a grid of LEVELS - 1 steps from F0_MIN to
F0_MAX (0.64 semitone a step: below what a listener hears in running speech, and far inside the
20 % of a gross pitch error). The decoder interpolates log F0 linearly between the centres of
adjacent voiced segments and holds it at voicing edges, and gets each 10 ms frame's phase (in
cycles) at its start, so harmonics stay continuous across decoder windows.
"""
import math

import numpy as np

LEVELS = 64
F0_MIN, F0_MAX = 50.0, 500.0
STEP = math.log2(F0_MAX / F0_MIN) / (LEVELS - 2)  # octaves per level
SUBFRAMES = 8  # 10 ms pitch frames in an 80 ms codec frame
MIN_VOICED_SHARE = 0.3  # a segment is voiced when at least this share of its 10 ms frames are
# Below this target rate (centi-Hz) a .fxc version 4 file codes one level per two frames (pitch_stride).
STRIDE_2_BELOW_CENTI_HZ = 500


def segment_levels(f0_sub: np.ndarray, lengths) -> np.ndarray:
    """f0_sub (8T,) Hz (0 unvoiced) and segment lengths in 12.5 Hz frames (K,) -> levels (K,) int."""
    out = np.zeros(len(lengths), np.int64)
    at = 0
    for k, n in enumerate(lengths):
        n = int(n)
        sub = f0_sub[at * SUBFRAMES: (at + n) * SUBFRAMES]
        at += n
        voiced = np.sort(sub[sub > 0])
        if len(voiced) == 0 or len(voiced) < MIN_VOICED_SHARE * n * SUBFRAMES:
            continue
        m = len(voiced)
        med = voiced[m // 2] if m % 2 else 0.5 * (voiced[m // 2 - 1] + voiced[m // 2])
        q = round((math.log2(med) - math.log2(F0_MIN)) / STEP)
        out[k] = 1 + min(LEVELS - 2, max(0, q))
    return out


def frame_levels(f0_sub: np.ndarray) -> np.ndarray:
    """The tracker's F0 per 10 ms frame (8T,) -> one level per 12.5 Hz frame (T,), what the codec codes.

    Per frame, not per merged segment: a segment's single level (160 ms at 6.25 Hz, up to 640 ms)
    missed the tracked contour by a median 80-106 cents on held-out speech, which puts every
    harmonic above the 8th between the original's, and the spectral loss then trained the
    harmonics away; per 80 ms frame the median is 37 cents (at about 43 bit/s)."""
    return segment_levels(f0_sub, np.ones(len(f0_sub) // SUBFRAMES, np.int64))


def decoder_track(levels) -> np.ndarray:
    """Frame levels (T,) -> the decoder's F0 per 10 ms frame (8T,)."""
    return frame_track(levels, np.ones(len(levels), np.int64))


def pitch_stride(centi_hz: int) -> int:
    """80 ms frames per coded pitch level in a .fxc version 4 file whose target rate is `centi_hz`:
    2 below 5 Hz, where the segments are few and a level per frame is a large share of the file,
    else 1 (version 3 always 1). Twin of pitchStride in src/core/pitch-code.ts."""
    return 2 if centi_hz < STRIDE_2_BELOW_CENTI_HZ else 1


def span_level(a: int, b: int) -> int:
    """The level of a two-frame span from its frames' levels: unvoiced when both are, the voiced
    one's when one is (its voiced 10 ms frames are the span's), else the rounded-up mean (levels
    are linear in log F0)."""
    if a == 0:
        return int(b)
    if b == 0:
        return int(a)
    return (int(a) + int(b) + 1) >> 1


def span_lengths(frames: int, stride: int) -> np.ndarray:
    """Frames of each span of `frames` frames at `stride`: [stride, ..., stride, the rest]."""
    out = np.full(-(-frames // stride), stride, np.int64)
    if frames % stride:
        out[-1] = frames % stride
    return out


def span_levels(levels, stride: int) -> np.ndarray:
    """Frame levels (T,) -> the levels the bitstream carries at `stride` (ceil(T / stride),): with
    stride 2 span j covers frames 2j and 2j + 1 (the last only frame T - 1 when T is odd)."""
    levels = np.asarray(levels, np.int64)
    if stride == 1:
        return levels.copy()
    if stride != 2:
        raise ValueError(f'pitch stride {stride}: the bitstream knows 1 and 2')
    pairs = [span_level(*levels[f:f + 2]) if f + 1 < len(levels) else int(levels[f]) for f in range(0, len(levels), 2)]
    return np.array(pairs, np.int64)


def stride_track(levels, stride: int, frames: int) -> np.ndarray:
    """Coded levels at `stride` (ceil(frames / stride),) -> the decoder's F0 per 10 ms frame
    (8 * frames,); with stride 1 it is decoder_track. Twin of strideTrack."""
    return frame_track(levels, span_lengths(frames, stride))


def level_log2_f0(level: int) -> float:
    return math.log2(F0_MIN) + (level - 1) * STEP


def frame_track(levels, lengths) -> np.ndarray:
    """Segment levels (K,) and lengths (K,) -> F0 in Hz per 10 ms frame (8 * sum(lengths),), 0 unvoiced.

    Inside voiced segment k, frame j (centre j + 0.5 in 10 ms units) before the segment's centre
    c_k interpolates log2 F0 from the previous segment's centre when that one is voiced, and after
    it towards the next one's when that is voiced; otherwise it holds the segment's value."""
    lengths = [int(n) for n in lengths]
    K = len(lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)])[:K] * SUBFRAMES
    centres = starts + np.array(lengths) * SUBFRAMES / 2
    vals = [level_log2_f0(int(q)) if q > 0 else 0.0 for q in levels]
    out = np.zeros(int(sum(lengths)) * SUBFRAMES)
    for k in range(K):
        if levels[k] <= 0:
            continue
        for j in range(int(starts[k]), int(starts[k]) + lengths[k] * SUBFRAMES):
            t = j + 0.5
            v = vals[k]
            if t < centres[k] and k > 0 and levels[k - 1] > 0:
                w = (t - centres[k - 1]) / (centres[k] - centres[k - 1])
                v = vals[k - 1] + w * (vals[k] - vals[k - 1])
            elif t >= centres[k] and k + 1 < K and levels[k + 1] > 0:
                w = (t - centres[k]) / (centres[k + 1] - centres[k])
                v = vals[k] + w * (vals[k + 1] - vals[k])
            out[j] = 2.0 ** v
    return out


def phase_starts(f0_frames: np.ndarray, frames_per_second: float = 100.0) -> np.ndarray:
    """F0 per 10 ms frame (N,) -> the fundamental's phase in cycles at each frame's start, in [0, 1):
    the frame holds its F0 for its 160 samples, so it advances by F0 / 100 cycles."""
    adv = np.asarray(f0_frames, np.float64) / frames_per_second
    acc = np.concatenate([[0.0], np.cumsum(adv)[:-1]])[: len(adv)]
    return acc - np.floor(acc)
