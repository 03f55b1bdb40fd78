"""Pocketsphinx WER on the held-out fixture (skipped where pocketsphinx-en-us is not installed)."""

from pathlib import Path
import unittest

import numpy as np

from training.eval.asr import pocketsphinx_available
from training.eval.audio import read_wav_at
from training.eval.score import CachedRecognizer
from training.eval.text import corpus_wer

FIXTURE = Path(__file__).resolve().parents[2] / "test/fixtures/speech-en-6s.wav"
TRANSCRIPT = "Welcome to Comedian Mail. First, I will guide you through a short setup process."


@unittest.skipUnless(pocketsphinx_available() and FIXTURE.exists(), "pocketsphinx or the fixture is missing")
class AsrTest(unittest.TestCase):
    def test_recognizes_real_speech_and_not_noise(self):
        recognizer = CachedRecognizer()
        speech = read_wav_at(FIXTURE)
        wer = corpus_wer([TRANSCRIPT], [recognizer.transcribe(speech)])
        self.assertLess(wer, 50.0)
        # Noise of the same length yields (almost) no words of the transcript.
        noise = np.random.default_rng(0).standard_normal(len(speech)) * 0.05
        self.assertGreater(corpus_wer([TRANSCRIPT], [recognizer.transcribe(noise)]), wer + 40.0)


if __name__ == "__main__":
    unittest.main()
