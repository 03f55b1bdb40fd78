"""Pitch and voicing errors of a decoded signal against its original, from WORLD's Harvest tracker (pyworld).

Both signals (the decoded one already delay-aligned) are tracked at a 10 ms frame period, 60-400 Hz
(the range of the project's periodicity measurements). Frames where Harvest reports F0 = 0 are
unvoiced. Per file:
  f0_rmse_cents  RMS of 1200·log2(F0_dec / F0_ref) over frames voiced in both (NaN if none are)
  gpe            gross pitch error: of the frames voiced in both, the share more than 20 % off
  vde            voicing decision error: of all frames, the share voiced in one signal but not the other
"""

import numpy as np

# Harvest's search range (Hz) and frame period (ms).
F0_FLOOR_HZ = 60.0
F0_CEIL_HZ = 400.0
FRAME_PERIOD_MS = 10.0
# A voiced frame more than this far off (ratio) counts as a gross pitch error.
GROSS_ERROR_RATIO = 0.2


def track_f0(samples, rate_hz):
    """F0 (Hz, 0 where unvoiced) every FRAME_PERIOD_MS of a float signal."""
    import pyworld

    x = np.ascontiguousarray(samples, dtype=np.float64)
    f0, _ = pyworld.harvest(x, rate_hz, f0_floor=F0_FLOOR_HZ, f0_ceil=F0_CEIL_HZ, frame_period=FRAME_PERIOD_MS)
    return f0


def pitch_errors_of_tracks(f0_ref, f0_dec):
    """{f0_rmse_cents, gpe, vde} of two F0 tracks (Hz, 0 = unvoiced), cut to the shorter one."""
    n = min(len(f0_ref), len(f0_dec))
    ref, dec = np.asarray(f0_ref[:n]), np.asarray(f0_dec[:n])
    voiced_ref, voiced_dec = ref > 0, dec > 0
    both = voiced_ref & voiced_dec
    vde = float(np.mean(voiced_ref != voiced_dec)) if n else float("nan")
    if not both.any():
        return {"f0_rmse_cents": float("nan"), "gpe": float("nan"), "vde": vde}
    cents = 1200.0 * np.log2(dec[both] / ref[both])
    gross = np.abs(dec[both] / ref[both] - 1.0) > GROSS_ERROR_RATIO
    return {"f0_rmse_cents": float(np.sqrt(np.mean(cents**2))), "gpe": float(np.mean(gross)), "vde": vde}


def pitch_errors(reference, aligned, rate_hz):
    """{f0_rmse_cents, gpe, vde} of a decoded signal (delay removed) against its original."""
    return pitch_errors_of_tracks(track_f0(reference, rate_hz), track_f0(aligned, rate_hz))


# Periodicity: a 40 ms window around each 10 ms frame, autocorrelation peak over 60-400 Hz lags.
PERIODICITY_WINDOW_S = 0.04


def periodicity(samples, rate_hz, frames):
    """Normalised autocorrelation peak r(L) / r(0), L over F0_FLOOR_HZ..F0_CEIL_HZ periods, of a
    Hann-windowed 40 ms window centred on each 10 ms frame in `frames` (indices) -> (len(frames),).

    1 for a perfectly periodic signal (less the window's taper), near 0 for noise: how much of a
    voiced frame is harmonics, which a spectral distance does not tell apart from shaped noise."""
    x = np.asarray(samples, np.float64)
    w = int(PERIODICITY_WINDOW_S * rate_hz)
    hop = int(FRAME_PERIOD_MS * rate_hz / 1000)
    lo, hi = int(rate_hz / F0_CEIL_HZ), int(rate_hz / F0_FLOOR_HZ)
    pad = np.concatenate([np.zeros(w), x, np.zeros(w)])
    starts = np.asarray(frames, int) * hop - w // 2 + w
    seg = pad[starts[:, None] + np.arange(w)[None, :]] * np.hanning(w)
    n_fft = 1 << int(np.ceil(np.log2(2 * w)))
    spec = np.fft.rfft(seg, n_fft)
    r = np.fft.irfft(np.abs(spec) ** 2, n_fft)
    return np.where(r[:, 0] > 1e-12, r[:, lo:hi + 1].max(1) / np.maximum(r[:, 0], 1e-12), 0.0)


def periodicity_ratio(reference, aligned, rate_hz, f0_ref, band_hz=None):
    """Mean periodicity of the decoded signal over the original's voiced frames (F0 > 0 in f0_ref),
    as a share of the original's own there (NaN if none are voiced). band_hz (lo, hi): of both
    signals band-passed to it first (`band_pass`)."""
    n = min(len(reference), len(aligned)) // int(FRAME_PERIOD_MS * rate_hz / 1000)
    voiced = np.nonzero(np.asarray(f0_ref[:n]) > 0)[0]
    if not len(voiced):
        return float("nan")
    if band_hz is not None:
        reference, aligned = band_pass(reference, rate_hz, *band_hz), band_pass(aligned, rate_hz, *band_hz)
    ref = periodicity(reference, rate_hz, voiced).mean()
    return float(periodicity(aligned, rate_hz, voiced).mean() / ref) if ref > 0 else float("nan")


# The band of `periodicity_high`: above the first few harmonics, which carry most of a voiced frame's
# energy and so decide the full-band periodicity, and where issue 14 saw the decoded harmonics end
# (the decoder's envelope silenced those the coded pitch misplaced) while codec2 keeps them to 4 kHz.
HIGH_BAND_HZ = (1500.0, 4000.0)


def band_pass(samples, rate_hz, lo_hz, hi_hz):
    """The signal with every FFT bin outside [lo_hz, hi_hz] zeroed (whole-file FFT: exact, no filter delay)."""
    x = np.asarray(samples, np.float64)
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / rate_hz)
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    return np.fft.irfft(spec, len(x))
