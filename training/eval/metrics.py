"""Delay removal, log-mel distance, mel-cepstral distortion and whole-file bitrate.

Definitions (also written into docs/QUALITY.md):
- delay: lag maximising the cross-correlation of band magnitude envelopes (2 ms hop) within
  +-300 ms, refined to the sample by waveform cross-correlation when the waveforms are coherent;
  0 when even the best envelope correlation is below 0.2 (no evidence of any alignment).
- log-mel distance: mean over frames and 80 mel bands of |ln(M_ref + 1e-5) - ln(M_deg + 1e-5)|,
  M = Slaney mel-weighted STFT magnitude (16 kHz, 1024-point Hann window, 256-sample hop).
- MCD: cepstra c_1..c_13 of the 80-band ln mel magnitude (DCT-II scaled by 1/(2B), so that
  ln M(w) ~ c_0 + 2 sum c_n cos(n w), SPTK's convention); per frame (10 / ln 10) sqrt(2 sum (dc_n)^2),
  averaged over the frames within 40 dB of the reference's loudest frame. c_0 (level) is excluded.
"""

import os

import numpy as np
from scipy.fft import dct

from .mel import mel_spectrogram

# Largest delay searched, either direction.
MAX_DELAY_S = 0.3
# Hop of the envelopes used for the coarse delay search (2 ms at 16 kHz).
ENVELOPE_HOP_SAMPLES = 32
# Window of the envelope analysis (16 ms at 16 kHz).
ENVELOPE_FFT_SIZE = 256
# Bands of the envelope cross-correlation.
ENVELOPE_BANDS = 8
# Envelope correlation (normalised, 0..1) below which no delay is trusted and 0 is returned: searching
# +-300 ms on unrelated envelopes would only pick the luckiest lag. Codecs score 0.7-0.98, noise ~0.03.
ENVELOPE_CORRELATION_MIN = 0.2
# Waveform correlation needed to trust the sample-exact refinement over the envelope lag.
WAVEFORM_COHERENCE_MIN = 0.3
# Floor added to mel magnitudes before the log.
LOG_FLOOR = 1e-5
# Cepstral coefficients compared by MCD (c_1 .. c_13).
MCD_COEFFICIENTS = 13
# Frames more than this far below the reference's loudest frame are left out of MCD.
MCD_DYNAMIC_RANGE_DB = 40.0


def _cross_correlation(a, b):
    """Full cross-correlation c[k] = sum_n a[n] b[n + k], returned with lags -(len(a)-1) .. len(b)-1."""
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    spectrum = np.conj(np.fft.rfft(a, size)) * np.fft.rfft(b, size)
    circular = np.fft.irfft(spectrum, size)
    return np.concatenate([circular[size - (len(a) - 1) :], circular[: len(b)]]), -(len(a) - 1)


def _band_envelopes(samples):
    """(bands, frames) mean-removed band magnitudes on a 2 ms grid."""
    padded = np.pad(np.asarray(samples, dtype=np.float64), (0, ENVELOPE_FFT_SIZE))
    count = (len(padded) - ENVELOPE_FFT_SIZE) // ENVELOPE_HOP_SAMPLES + 1
    idx = np.arange(count)[:, None] * ENVELOPE_HOP_SAMPLES + np.arange(ENVELOPE_FFT_SIZE)[None, :]
    power = np.abs(np.fft.rfft(padded[idx] * np.hanning(ENVELOPE_FFT_SIZE), axis=1)) ** 2
    # Log-spaced band edges over the FFT bins (bin 1 .. Nyquist).
    edges = np.unique(np.geomspace(1, power.shape[1], ENVELOPE_BANDS + 1).astype(int))
    bands = np.stack([power[:, lo:hi].sum(axis=1) for lo, hi in zip(edges[:-1], edges[1:])])
    # Magnitudes, not logs: log envelopes let the noise floor of pauses (which codecs change) steer the lag.
    env = np.sqrt(bands)
    return env - env.mean(axis=1, keepdims=True)


def estimate_delay(reference, degraded, rate_hz, max_delay_s=MAX_DELAY_S):
    """Samples by which `degraded` lags `reference` (negative: it leads), searched within +-max_delay_s."""
    max_lag = int(round(max_delay_s * rate_hz))
    ref_env, deg_env = _band_envelopes(reference), _band_envelopes(degraded)
    max_env_lag = max_lag // ENVELOPE_HOP_SAMPLES
    total = None
    for band in range(ref_env.shape[0]):
        corr, first_lag = _cross_correlation(ref_env[band], deg_env[band])
        total = corr if total is None else total + corr
    lags = np.arange(len(total)) + first_lag
    window = np.abs(lags) <= max_env_lag
    peak = int(np.argmax(total[window]))
    if total[window][peak] < ENVELOPE_CORRELATION_MIN * np.sqrt(np.sum(ref_env**2) * np.sum(deg_env**2)):
        return 0
    coarse = int(lags[window][peak]) * ENVELOPE_HOP_SAMPLES
    # Refine on the waveform within two envelope hops of the coarse lag, if the waveforms agree.
    ref = np.asarray(reference, dtype=np.float64)
    deg = np.asarray(degraded, dtype=np.float64)
    corr, first_lag = _cross_correlation(ref, deg)
    lags = np.arange(len(corr)) + first_lag
    near = (np.abs(lags - coarse) <= 2 * ENVELOPE_HOP_SAMPLES) & (np.abs(lags) <= max_lag)
    if not near.any():
        return coarse
    best = int(np.argmax(np.abs(corr[near])))
    coherence = abs(corr[near][best]) / (np.linalg.norm(ref) * np.linalg.norm(deg) + 1e-12)
    return int(lags[near][best]) if coherence >= WAVEFORM_COHERENCE_MIN else coarse


def shift_to_reference(degraded, delay_samples, length):
    """degraded[n + delay] for n in [0, length): removes the delay, zero-filled, cut or padded to length."""
    out = np.zeros(length)
    deg = np.asarray(degraded, dtype=np.float64)
    src_start = max(0, delay_samples)
    dst_start = max(0, -delay_samples)
    count = max(0, min(length - dst_start, len(deg) - src_start))
    out[dst_start : dst_start + count] = deg[src_start : src_start + count]
    return out


def align(reference, degraded, rate_hz, max_delay_s=MAX_DELAY_S):
    """(degraded aligned to reference and cut/padded to its length, estimated delay in samples)."""
    delay = estimate_delay(reference, degraded, rate_hz, max_delay_s)
    return shift_to_reference(degraded, delay, len(reference)), delay


def _log_mels(reference, degraded, rate_hz):
    length = min(len(reference), len(degraded))
    ref = mel_spectrogram(np.asarray(reference)[:length], rate_hz)
    deg = mel_spectrogram(np.asarray(degraded)[:length], rate_hz)
    return ref, np.log(ref + LOG_FLOOR), np.log(deg + LOG_FLOOR)


def log_mel_distance(reference, degraded, rate_hz):
    """Mean |ln mel difference| over all frames and 80 bands (0 for identical signals)."""
    _, ref_log, deg_log = _log_mels(reference, degraded, rate_hz)
    return float(np.mean(np.abs(ref_log - deg_log)))


def mel_cepstra(log_mel):
    """(frames, B) cepstra of ln mel magnitudes, scaled so ln M(w) ~ c_0 + 2 sum_n c_n cos(n w)."""
    return dct(log_mel, type=2, axis=1) / (2.0 * log_mel.shape[1])


def mel_cepstral_distortion(reference, degraded, rate_hz, coefficients=MCD_COEFFICIENTS):
    """MCD in dB over c_1..c_13, averaged over the reference's non-silent frames."""
    ref_mel, ref_log, deg_log = _log_mels(reference, degraded, rate_hz)
    energy_db = 10.0 * np.log10(np.sum(ref_mel**2, axis=1) + 1e-20)
    speech = energy_db > energy_db.max() - MCD_DYNAMIC_RANGE_DB
    diff = mel_cepstra(ref_log[speech])[:, 1 : coefficients + 1] - mel_cepstra(deg_log[speech])[:, 1 : coefficients + 1]
    per_frame_db = (10.0 / np.log(10.0)) * np.sqrt(2.0 * np.sum(diff**2, axis=1))
    return float(np.mean(per_frame_db))


def bits_per_second(path, duration_s):
    """Bitrate counting every byte of the encoded file: size * 8 / duration of the audio it holds."""
    return os.path.getsize(path) * 8.0 / duration_s

