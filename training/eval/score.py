"""Score one decoded signal against its reference (delay removed first) and average over files."""

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from .audio import SCORE_RATE_HZ
from .metrics import align, log_mel_distance, mel_cepstral_distortion
from .pitch import HIGH_BAND_HZ, periodicity_ratio, pitch_errors_of_tracks, track_f0
from .standard_metrics import dnsmos, pesq_wb, pystoi_scores
from .stoi import stoi


def score_pair(reference, degraded, rate_hz=SCORE_RATE_HZ, standard=False, naturalness=False, reference_f0=None):
    """{stoi, log_mel, mcd, delay_ms} of a decoded signal, after estimating and removing its delay.

    standard: also pystoi's STOI and ESTOI, wideband PESQ, pitch errors and the periodicity ratio,
    full band and 1.5-4 kHz (standard_metrics.py, pitch.py); naturalness: also DNSMOS (slow: about a second a file). reference_f0: the original's
    F0 track (pitch.track_f0), when the caller scores many decodes of one original.
    """
    aligned, delay = align(reference, degraded, rate_hz)
    scores = {
        "stoi": stoi(reference, aligned, rate_hz),
        "log_mel": log_mel_distance(reference, aligned, rate_hz),
        "mcd": mel_cepstral_distortion(reference, aligned, rate_hz),
        "delay_ms": 1000.0 * delay / rate_hz,
    }
    if standard:
        scores.update(pystoi_scores(reference, aligned, rate_hz))
        scores["pesq"] = pesq_wb(reference, aligned, rate_hz)
        f0_ref = track_f0(reference, rate_hz) if reference_f0 is None else reference_f0
        scores.update(pitch_errors_of_tracks(f0_ref, track_f0(aligned, rate_hz)))
        scores["periodicity"] = periodicity_ratio(reference, aligned, rate_hz, f0_ref)
        scores["periodicity_high"] = periodicity_ratio(reference, aligned, rate_hz, f0_ref, HIGH_BAND_HZ)
    if naturalness:
        scores.update(dnsmos(degraded, rate_hz))
    return scores


def mean_of(rows, key):
    """Mean of rows[i][key] over the rows where it is a finite number (NaN when none is)."""
    values = [r[key] for r in rows if r.get(key) is not None and math.isfinite(r[key])]
    return float(np.mean(values)) if values else float("nan")


class CachedRecognizer:
    """Pocketsphinx with a hypothesis cache keyed by the sha1 of the 16-bit audio: same audio, same words.

    The originals and the reference codecs decode to the same samples on every run, so only new
    audio (a new model's output) costs recognition time.
    """

    def __init__(self, cache_path=None):
        self._recognizer = None
        self._cache_path = Path(cache_path) if cache_path else None
        self._cache = {}
        if self._cache_path and self._cache_path.exists():
            self._cache = json.loads(self._cache_path.read_text(encoding="utf-8"))

    def transcribe(self, samples):
        """Recognised words of a 16 kHz float signal."""
        pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
        key = hashlib.sha1(pcm.tobytes()).hexdigest()
        if key not in self._cache:
            if self._recognizer is None:
                from .asr import Recognizer

                self._recognizer = Recognizer()
            self._cache[key] = self._recognizer.transcribe(pcm / 32767.0)
        return self._cache[key]

    def save(self):
        """Write the cache back (no-op without a cache path)."""
        if self._cache_path:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._cache_path.write_text(json.dumps(self._cache, indent=0, sort_keys=True), encoding="utf-8")
