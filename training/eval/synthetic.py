"""Deterministic speech-like test signals (vowel-like formant syllables, fricative bursts, pauses).

Used by the unit tests so they run without any corpus; real speech is scored by the report.
"""

import numpy as np
from scipy.signal import lfilter

# Vowel formant frequencies (F1, F2, F3) in Hz, roughly /a/, /i/, /u/, /e/, /o/.
VOWEL_FORMANTS_HZ = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410)]


def _resonator(signal, freq_hz, bandwidth_hz, rate_hz):
    """Second-order all-pole resonance at freq_hz."""
    radius = np.exp(-np.pi * bandwidth_hz / rate_hz)
    theta = 2 * np.pi * freq_hz / rate_hz
    return lfilter([1 - radius], [1, -2 * radius * np.cos(theta), radius**2], signal)


def speech_like(duration_s=3.0, rate_hz=16000, seed=0):
    """A float64 signal in [-1, 1] with syllable-rate envelopes, voiced and unvoiced parts and silences."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(duration_s * rate_hz))
    pos = int(0.2 * rate_hz)  # leading silence
    while pos < len(out) - int(0.3 * rate_hz):
        if rng.random() < 0.3:  # fricative: band-passed noise burst
            length = int(rng.uniform(0.06, 0.14) * rate_hz)
            burst = _resonator(rng.standard_normal(length), rng.uniform(2500, 5000), 1500, rate_hz)
            seg = 0.3 * burst / (np.abs(burst).max() + 1e-9)
        else:  # voiced syllable: glottal pulse train through three formants
            length = int(rng.uniform(0.12, 0.3) * rate_hz)
            f0 = np.linspace(rng.uniform(100, 200), rng.uniform(100, 200), length)
            phase = np.cumsum(f0 / rate_hz)
            pulses = np.diff(np.floor(phase), prepend=0.0)
            seg = pulses
            for formant in VOWEL_FORMANTS_HZ[rng.integers(len(VOWEL_FORMANTS_HZ))]:
                seg = _resonator(seg, formant, 80, rate_hz)
            seg = 0.6 * seg / (np.abs(seg).max() + 1e-9)
        end = min(len(out), pos + length)
        seg = seg[: end - pos] * np.hanning(end - pos)
        out[pos:end] += seg * rng.uniform(0.3, 1.0)
        pos = end + int(rng.choice([0.0, 0.0, 0.03, 0.15]) * rate_hz)
    return out


def add_noise_at_snr(signal, snr_db, seed=1):
    """signal + white Gaussian noise scaled to the given SNR (over the whole signal)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(signal))
    noise *= np.sqrt(np.mean(signal**2) / np.mean(noise**2) / 10.0 ** (snr_db / 10.0))
    return signal + noise
