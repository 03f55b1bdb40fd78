"""Pocketsphinx (Debian python3-pocketsphinx + pocketsphinx-en-us) as a word recognizer for WER.

A weak recognizer (a 2016 CMU Sphinx US-English model with its general language model): read
every codec's WER against the WER of the uncoded originals on the same files.
"""

import os

import numpy as np

from .text import corpus_wer

# Where Debian's pocketsphinx-en-us installs the acoustic model, language model and dictionary.
MODEL_DIR = "/usr/share/pocketsphinx/model/en-us"


def pocketsphinx_available():
    """True when the Python bindings and the US-English model are installed."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return os.path.isdir(os.path.join(MODEL_DIR, "en-us"))


class Recognizer:
    """One loaded pocketsphinx decoder (loading takes about a second); transcribe() is reusable."""

    def __init__(self, model_dir=MODEL_DIR):
        from pocketsphinx import Decoder

        config = Decoder.default_config()
        config.set_string("-hmm", os.path.join(model_dir, "en-us"))
        config.set_string("-lm", os.path.join(model_dir, "en-us.lm.bin"))
        config.set_string("-dict", os.path.join(model_dir, "cmudict-en-us.dict"))
        config.set_string("-logfn", os.devnull)
        self._decoder = Decoder(config)

    def transcribe(self, samples):
        """Words recognised in a 16 kHz float signal (one utterance)."""
        pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
        self._decoder.start_utt()
        self._decoder.process_raw(pcm.tobytes(), False, True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


def wer_of_signals(recognizer, signals, references):
    """(corpus WER in percent, hypotheses) for 16 kHz signals against their reference transcripts."""
    hypotheses = [recognizer.transcribe(s) for s in signals]
    return corpus_wer(references, hypotheses), hypotheses

