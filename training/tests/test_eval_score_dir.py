"""Folder scoring for learning curves (training/eval/score_dir.py)."""

from pathlib import Path
import tempfile
import unittest

import numpy as np

from training.eval.audio import write_wav
from training.eval.metrics import shift_to_reference
from training.eval.score_dir import score_dir
from training.eval.stoi import stoi
from training.eval.synthetic import add_noise_at_snr, speech_like

RATE_HZ = 16000


class LoudnessRecognizer:
    """Stand-in for pocketsphinx: 'press one now' for loud audio, nothing for quiet audio."""

    def transcribe(self, samples):
        return "press one now" if np.sqrt(np.mean(np.square(samples))) > 0.005 else ""


class ScoreDirTest(unittest.TestCase):
    def test_scores_matching_files_with_delay_removed(self):
        with tempfile.TemporaryDirectory() as d:
            ref_dir, dec_dir = Path(d, "ref"), Path(d, "dec")
            ref_dir.mkdir()
            dec_dir.mkdir()
            a, b = 0.5 * speech_like(2.0, RATE_HZ, seed=1), 0.5 * speech_like(2.0, RATE_HZ, seed=2)
            noisy_b = add_noise_at_snr(b, 0.0)
            write_wav(ref_dir / "a.wav", a)
            write_wav(ref_dir / "b.wav", b)
            write_wav(ref_dir / "unmatched.wav", a)
            write_wav(dec_dir / "a.wav", shift_to_reference(a, -800, len(a) + 800))  # a, 50 ms late
            write_wav(dec_dir / "b.wav", 0.01 * noisy_b)  # quiet: the stand-in recognizer hears nothing
            result = score_dir(ref_dir, dec_dir, wer=True, transcripts={"a": "Press 1 now.", "b": "Press 1 now."}, recognizer=LoudnessRecognizer())
        self.assertEqual(result["files"], 2)
        stoi_b = stoi(b, noisy_b, RATE_HZ)
        self.assertAlmostEqual(result["stoi"], (1.0 + stoi_b) / 2, delta=0.01)  # PCM16 rounding only
        self.assertEqual([r["stem"] for r in result["per_file"]], ["a", "b"])
        self.assertAlmostEqual(result["per_file"][0]["delay_ms"], 50.0)
        self.assertEqual(result["wer"], 50.0)  # b: 3 deletions out of 6 words
        self.assertEqual(result["reference_wer"], 0.0)


if __name__ == "__main__":
    unittest.main()
