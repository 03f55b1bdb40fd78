"""The Whisper judge: faster-whisper (CTranslate2, CPU) transcribing 16 kHz signals for WER.

Deterministic decoding: greedy (beam 1), temperature 0 with no fallback, no prompt, no conditioning
on previous text, no timestamps, no VAD, language fixed to English. WER text goes through
Whisper's own English normaliser (`whisper-normalizer`, a copy of openai-whisper's
EnglishTextNormalizer: numbers to digits, British to American spelling, contractions, punctuation).

The judge must never be a model the codec trains against or takes features from: the codec's ASR
front end is Whisper tiny.en (issue 13), so the default judge is Whisper base, a different model
with its own weights (see whisper_models.py for why small is not available).
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .whisper_models import model_dir, model_sha256

# The judge's model (see the module docstring).
DEFAULT_JUDGE = "base"
# CTranslate2 compute type: float32 keeps the judge's output independent of int8 kernels' rounding.
COMPUTE_TYPE = "float32"
# Threads: the machines have two cores.
CPU_THREADS = 2


def _normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


_NORMALIZE = None


def whisper_normalize(text):
    """Whisper's English normalisation of a transcript ("Press 1, please." -> "press 1 please")."""
    global _NORMALIZE
    if _NORMALIZE is None:
        _NORMALIZE = _normalizer()
    return _NORMALIZE(text)


def whisper_wer(references, hypotheses):
    """Corpus WER in percent (word edits / reference words) after Whisper's English normalisation."""
    from .text import corpus_wer

    return corpus_wer(references, hypotheses, normalize=whisper_normalize)


# A transcript longer than this many times its reference (plus 2 words) is a runaway: greedy
# Whisper repeating itself on audio it cannot read, which pushes corpus WER past 100 %.
RUNAWAY_RATIO = 2.0


def is_runaway(hypothesis, reference):
    """Whether a transcript ran away (see RUNAWAY_RATIO)."""
    return len(whisper_normalize(hypothesis).split()) > RUNAWAY_RATIO * len(whisper_normalize(reference).split()) + 2


def wer_without_runaways(references, hypotheses):
    """Whisper corpus WER over the pairs whose transcript did not run away (None if all did)."""
    kept = [(r, h) for r, h in zip(references, hypotheses, strict=True) if not is_runaway(h, r)]
    return whisper_wer(*zip(*kept)) if kept else None


def pcm16_key(samples, model_name):
    """Cache key: the model's name with the sha1 of the signal as 16-bit PCM (what the files hold)."""
    pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
    return model_name + ":" + hashlib.sha1(pcm.tobytes()).hexdigest()


class WhisperJudge:
    """One loaded Whisper model with a transcript cache (same audio and model: same words)."""

    def __init__(self, model_name=DEFAULT_JUDGE, cache_path=None):
        self.model_name = model_name
        self.model_sha256 = model_sha256(model_name)
        self._model = None
        self._cache_path = Path(cache_path) if cache_path else None
        self._cache = {}
        if self._cache_path and self._cache_path.exists():
            self._cache = json.loads(self._cache_path.read_text(encoding="utf-8"))

    def _load(self):
        from faster_whisper import WhisperModel

        return WhisperModel(str(model_dir(self.model_name)), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=CPU_THREADS)

    def transcribe(self, samples):
        """Text Whisper hears in a 16 kHz float signal."""
        key = pcm16_key(samples, self.model_name)
        if key not in self._cache:
            if self._model is None:
                self._model = self._load()
            audio = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0) / 32767.0
            segments, _ = self._model.transcribe(
                audio.astype(np.float32),
                language="en",
                task="transcribe",
                beam_size=1,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                initial_prompt=None,
                without_timestamps=True,
                vad_filter=False,
            )
            self._cache[key] = " ".join(s.text.strip() for s in segments).strip()
        return self._cache[key]

    def save(self):
        """Write the cache back (no-op without a cache path)."""
        if self._cache_path:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            # Atomic: evaluations running side by side share one cache; a reader never sees half a file.
            tmp = self._cache_path.with_name(f"{self._cache_path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._cache, indent=0, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self._cache_path)
