"""Mel filterbank and mel spectrogram in numpy (Slaney-style mel scale, as librosa's default)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Mel bands of the log-mel distance and the cepstra.
MEL_BANDS = 80
# FFT size and window length of the mel analysis (64 ms at 16 kHz).
MEL_FFT_SIZE = 1024
# Hop of the mel analysis (16 ms at 16 kHz).
MEL_HOP_SAMPLES = 256


def hz_to_mel(freq_hz):
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    freq_hz = np.asarray(freq_hz, dtype=np.float64)
    linear = freq_hz / (200.0 / 3.0)
    log_part = 15.0 + np.log(np.maximum(freq_hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(freq_hz >= 1000.0, log_part, linear)


def mel_to_hz(mel):
    """Inverse of hz_to_mel."""
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * (200.0 / 3.0)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


def mel_filterbank(rate_hz, fft_size=MEL_FFT_SIZE, band_count=MEL_BANDS, min_hz=0.0, max_hz=None):
    """(bands, fft_size//2+1) triangular filters with unit area (Slaney normalisation)."""
    max_hz = rate_hz / 2.0 if max_hz is None else max_hz
    bin_hz = np.linspace(0.0, rate_hz / 2.0, fft_size // 2 + 1)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(min_hz), hz_to_mel(max_hz), band_count + 2))
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bin_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bin_hz[None, :]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights * (2.0 / (upper - lower))


def magnitude_spectrogram(samples, fft_size=MEL_FFT_SIZE, hop_samples=MEL_HOP_SAMPLES):
    """(frames, fft_size//2+1) STFT magnitude with a Hann window; the signal is zero-padded by half a window each side."""
    padded = np.pad(np.asarray(samples, dtype=np.float64), fft_size // 2)
    if len(padded) < fft_size:
        padded = np.pad(padded, (0, fft_size - len(padded)))
    frames = sliding_window_view(padded, fft_size)[::hop_samples] * np.hanning(fft_size + 1)[:-1]
    return np.abs(np.fft.rfft(frames, axis=1))


def mel_spectrogram(samples, rate_hz, band_count=MEL_BANDS):
    """(frames, bands) mel-weighted magnitude spectrogram."""
    filters = mel_filterbank(rate_hz, band_count=band_count)
    return magnitude_spectrogram(samples) @ filters.T
