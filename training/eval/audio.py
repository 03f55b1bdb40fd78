"""Wav I/O with the standard library (no libsndfile needed) and polyphase resampling."""

from math import gcd
import wave

import numpy as np
from scipy.signal import resample_poly

# Every score is computed on 16 kHz mono audio.
SCORE_RATE_HZ = 16000


def read_wav(path):
    """Read a PCM16/PCM32/PCM8 wav as float64 mono in [-1, 1]; returns (samples, rateHz)."""
    with wave.open(str(path), "rb") as w:
        rate_hz, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    else:
        raise ValueError(f"{path}: unsupported sample width {width} bytes")
    return data.reshape(-1, channels).mean(axis=1), rate_hz


def write_wav(path, samples, rate_hz=SCORE_RATE_HZ):
    """Write float samples as mono PCM16 (clipped to [-1, 1])."""
    pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate_hz))
        w.writeframes(pcm.tobytes())


def resample(samples, from_hz, to_hz):
    """Polyphase resampling between integer rates (identity when equal)."""
    if from_hz == to_hz:
        return np.asarray(samples, dtype=np.float64)
    g = gcd(int(from_hz), int(to_hz))
    return resample_poly(np.asarray(samples, dtype=np.float64), int(to_hz) // g, int(from_hz) // g)


def read_wav_at(path, rate_hz=SCORE_RATE_HZ):
    """Read a wav and resample it to rate_hz."""
    samples, file_rate_hz = read_wav(path)
    return resample(samples, file_rate_hz, rate_hz)
