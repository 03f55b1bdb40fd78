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
