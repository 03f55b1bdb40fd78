"""The codec's pitch tracker: F0 and voicing every 10 ms, by normalised cross-correlation.

The contract the TypeScript twin (src/core/pitch-track.ts) reproduces, float64 throughout:
  1. 16 kHz -> 8 kHz: y[n] = (x[2n-1] + 3 x[2n] + 3 x[2n+1] + x[2n+2]) / 8, x zero outside [0, S).
     Pitch needs only the band below 1 kHz; the [1 3 3 1] filter keeps fricative energy above
     4 kHz from folding onto it.
  2. Frame i (10 ms, samples 160 i .. 160 i + 160 at 16 kHz) has its window a = y[c - 128, c + 128)
     with c = 80 i + 40, y zero outside. For each lag L in [16, 160] (500 .. 50 Hz) the window
     b_L = y[c - 128 + L, c + 128 + L) gives r(L) = <a, b_L> / sqrt(<a, a> <b_L, b_L> + 1e-12).
  3. L* is the first local maximum (r(L-1) < r(L) >= r(L+1), interior lags only) whose r is at
     least 0.9 of the best r: the shortest period that explains the signal, so a strong peak at
     twice the period (the octave below) does not win.
  4. Voiced when r(L*) >= VOICED_NCCF and the window's mean square >= ENERGY_FLOOR; then a
     parabola through r(L*-1), r(L*), r(L*+1) refines the lag and F0 = 8000 / lag. Unvoiced: 0.
"""
import numpy as np

HOP = 160  # 16 kHz samples per pitch frame (10 ms)
HALF_WINDOW = 128  # 8 kHz samples each side of a frame centre (32 ms window)
MIN_LAG, MAX_LAG = 16, 160  # 8 kHz lags: 500 Hz .. 50 Hz
PEAK_SHARE = 0.9
VOICED_NCCF = 0.5
ENERGY_FLOOR = 1e-6  # mean square of the 8 kHz window (about -60 dBFS)


def decimate(x: np.ndarray) -> np.ndarray:
    """16 kHz (S,) -> 8 kHz (S // 2,), float64, by the [1 3 3 1] / 8 filter."""
    x = np.asarray(x, np.float64)
    n = len(x) // 2
    p = np.concatenate([[0.0], x, [0.0, 0.0]])  # p[k + 1] = x[k]
    i = 2 * np.arange(n)
    return (p[i] + 3 * p[i + 1] + 3 * p[i + 2] + p[i + 3]) / 8


def nccf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x (S,) at 16 kHz -> r (frames, lags) for lags MIN_LAG-1 .. MAX_LAG+1, and the windows'
    mean squares (frames,); frames = S // 160. The lags one beyond each end are for the parabola."""
    y = decimate(x)
    frames = len(x) // HOP
    w = 2 * HALF_WINDOW
    lags = np.arange(MIN_LAG - 1, MAX_LAG + 2)
    pad_l, pad_r = HALF_WINDOW, HALF_WINDOW + MAX_LAG + 2
    yp = np.concatenate([np.zeros(pad_l), y, np.zeros(pad_r + 80 * frames)])
    starts = 80 * np.arange(frames) + 40 - HALF_WINDOW + pad_l  # index of a[0] in yp
    idx = starts[:, None] + np.arange(w)[None, :]
    a = yp[idx]  # (frames, w)
    seg = yp[starts[:, None] + np.arange(w + MAX_LAG + 2)[None, :]]  # a's span and every lag's
    # <a, b_L> for all lags at once by FFT (the same sums as the direct loop, to ~1e-12)
    n_fft = 1 << int(np.ceil(np.log2(seg.shape[1])))
    cross = np.fft.irfft(np.conj(np.fft.rfft(a, n_fft)) * np.fft.rfft(seg, n_fft), n_fft)[:, lags]
    sq = np.concatenate([np.zeros((frames, 1)), np.cumsum(seg * seg, 1)], 1)
    eb = sq[:, lags + w] - sq[:, lags]  # <b_L, b_L>
    ea = (a * a).sum(1)
    r = cross / np.sqrt(ea[:, None] * eb + 1e-12)
    return r, ea / w


def track(x: np.ndarray) -> np.ndarray:
    """x (S,) float at 16 kHz -> F0 in Hz per 10 ms frame (S // 160,), 0 where unvoiced."""
    r, power = nccf(x)
    frames = r.shape[0]
    f0 = np.zeros(frames)
    inner = r[:, 1:-1]  # lags MIN_LAG .. MAX_LAG
    best = inner.max(1)
    is_peak = (r[:, 1:-1] > r[:, :-2]) & (r[:, 1:-1] >= r[:, 2:]) & (inner >= PEAK_SHARE * best[:, None])
    has = is_peak.any(1)
    first = np.argmax(is_peak, 1)  # index into inner
    for i in np.nonzero(has)[0]:
        j = first[i] + 1  # index into r
        c = r[i, j]
        if c < VOICED_NCCF or power[i] < ENERGY_FLOOR:
            continue
        lo, hi = r[i, j - 1], r[i, j + 1]
        den = lo - 2 * c + hi
        shift = 0.5 * (lo - hi) / den if den < 0 else 0.0
        f0[i] = 8000.0 / (MIN_LAG + first[i] + shift)
    return f0
