"""Short-Time Objective Intelligibility (STOI), Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 2011.

Follows the published algorithm and the authors' MATLAB reference (stoi.m), vectorised with numpy:
  1. resample both signals to 10 kHz;
  2. drop frames (256 samples, Hann, 50 % overlap) whose clean-signal energy is more than 40 dB
     below the clean signal's loudest frame, in both signals, and overlap-add the rest back;
  3. 512-point STFT (256-sample Hann frames, 50 % overlap), 15 one-third-octave bands from 150 Hz;
  4. 30-frame (384 ms) segments of band envelopes; the degraded envelope is scaled to the clean
     one's energy and clipped at a signal-to-distortion ratio of beta = -15 dB;
  5. the correlation of clean and processed envelopes, averaged over bands and segments.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .audio import resample

# STOI's internal sample rate.
STOI_RATE_HZ = 10000
# Analysis frame length in samples at 10 kHz (25.6 ms).
FRAME_SAMPLES = 256
# Frame hop (50 % overlap).
HOP_SAMPLES = FRAME_SAMPLES // 2
# FFT size (zero-padded frames).
FFT_SIZE = 512
# Number of one-third-octave bands.
BAND_COUNT = 15
# Centre frequency of the lowest band.
MIN_BAND_HZ = 150.0
# Frames per intermediate-intelligibility segment (30 x 12.8 ms = 384 ms).
SEGMENT_FRAMES = 30
# Lower signal-to-distortion bound of the clipping step.
BETA_DB = -15.0
# Frames this far below the clean signal's loudest frame are removed.
DYNAMIC_RANGE_DB = 40.0
# Guards divisions and logs, as in the reference.
EPS = np.finfo(np.float64).eps


def hann_window(length):
    """MATLAB's hanning(length): the periodic-free Hann window without its zero end points."""
    return np.hanning(length + 2)[1:-1]


def third_octave_matrix(rate_hz=STOI_RATE_HZ, fft_size=FFT_SIZE, band_count=BAND_COUNT, min_hz=MIN_BAND_HZ):
    """(bands, fft_size//2+1) 0/1 matrix grouping FFT bins into one-third-octave bands, and the centre frequencies."""
    freqs_hz = np.linspace(0, rate_hz, fft_size + 1)[: fft_size // 2 + 1]
    k = np.arange(band_count, dtype=np.float64)
    centres_hz = min_hz * 2.0 ** (k / 3.0)
    low_hz = min_hz * 2.0 ** ((2 * k - 1) / 6.0)
    high_hz = min_hz * 2.0 ** ((2 * k + 1) / 6.0)
    matrix = np.zeros((band_count, len(freqs_hz)))
    for band in range(band_count):
        # Band edges snap to the nearest FFT bins; the upper edge bin is excluded, as in thirdoct.m.
        low_bin = int(np.argmin((freqs_hz - low_hz[band]) ** 2))
        high_bin = int(np.argmin((freqs_hz - high_hz[band]) ** 2))
        matrix[band, low_bin:high_bin] = 1.0
    return matrix, centres_hz


def _frames(signal, frame_samples, hop_samples):
    """(frames, frame_samples) view of frame starts 0, hop, ... < len - frame_samples (the reference's range)."""
    count = max(0, int(np.ceil((len(signal) - frame_samples) / hop_samples)))
    if count == 0:
        return np.zeros((0, frame_samples))
    return sliding_window_view(signal, frame_samples)[: count * hop_samples : hop_samples]


def _overlap_add(frames, hop_samples):
    """Overlap-add windowed frames back into a signal."""
    count, frame_samples = frames.shape
    if count == 0:
        return np.zeros(0)
    out = np.zeros((count - 1) * hop_samples + frame_samples)
    for part in range(frame_samples // hop_samples):
        # Chunk `part` of frame i lands at (i + part) * hop: contiguous over i, so one slice add.
        chunk = frames[:, part * hop_samples : (part + 1) * hop_samples]
        out[part * hop_samples : (part + count) * hop_samples] += chunk.reshape(-1)
    return out


def remove_silent_frames(clean, degraded, dynamic_range_db=DYNAMIC_RANGE_DB, frame_samples=FRAME_SAMPLES, hop_samples=HOP_SAMPLES):
    """Drop frames where the clean signal is dynamic_range_db below its loudest frame; returns both signals rebuilt."""
    window = hann_window(frame_samples)
    clean_frames = _frames(clean, frame_samples, hop_samples) * window
    degraded_frames = _frames(degraded, frame_samples, hop_samples) * window
    energies_db = 20.0 * np.log10(np.linalg.norm(clean_frames, axis=1) + EPS)
    keep = energies_db > energies_db.max(initial=-np.inf) - dynamic_range_db
    return _overlap_add(clean_frames[keep], hop_samples), _overlap_add(degraded_frames[keep], hop_samples)


def band_envelopes(signal, band_matrix):
    """(bands, frames) one-third-octave magnitude envelopes of a 10 kHz signal."""
    frames = _frames(signal, FRAME_SAMPLES, HOP_SAMPLES) * hann_window(FRAME_SAMPLES)
    power = np.abs(np.fft.rfft(frames, n=FFT_SIZE, axis=1)) ** 2  # (frames, bins)
    return np.sqrt(band_matrix @ power.T)


def stoi_from_envelopes(clean_env, degraded_env):
    """STOI from (bands, frames) envelopes; NaN when there are fewer than SEGMENT_FRAMES frames."""
    if clean_env.shape[1] < SEGMENT_FRAMES:
        return float("nan")
    x = sliding_window_view(clean_env, SEGMENT_FRAMES, axis=1)  # (bands, segments, N)
    y = sliding_window_view(degraded_env, SEGMENT_FRAMES, axis=1)
    # Normalise the degraded segment to the clean one's energy, then clip at the SDR bound.
    gain = np.linalg.norm(x, axis=2, keepdims=True) / (np.linalg.norm(y, axis=2, keepdims=True) + EPS)
    clip_factor = 1.0 + 10.0 ** (-BETA_DB / 20.0)
    y = np.minimum(y * gain, x * clip_factor)
    # Correlation coefficient per band and segment.
    x = x - x.mean(axis=2, keepdims=True)
    y = y - y.mean(axis=2, keepdims=True)
    x = x / (np.linalg.norm(x, axis=2, keepdims=True) + EPS)
    y = y / (np.linalg.norm(y, axis=2, keepdims=True) + EPS)
    return float(np.mean(np.sum(x * y, axis=2)))


def stoi(clean, degraded, rate_hz):
    """STOI of a degraded signal against the clean one (same rate, same alignment); in [-1, 1], higher is better.

    Signals of different lengths are cut to the shorter one. Returns NaN when less than 384 ms of
    non-silent clean speech remains (the reference returns an error/warning there).
    """
    length = min(len(clean), len(degraded))
    clean = resample(np.asarray(clean, dtype=np.float64)[:length], rate_hz, STOI_RATE_HZ)
    degraded = resample(np.asarray(degraded, dtype=np.float64)[:length], rate_hz, STOI_RATE_HZ)
    clean, degraded = remove_silent_frames(clean, degraded)
    band_matrix, _ = third_octave_matrix()
    return stoi_from_envelopes(band_envelopes(clean, band_matrix), band_envelopes(degraded, band_matrix))
