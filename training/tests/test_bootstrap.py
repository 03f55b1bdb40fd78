"""Bootstrap intervals over files (training/eval/bootstrap.py) and how the report uses them."""

import unittest

import numpy as np

from training.eval.bootstrap import file_word_errors, paired_difference, ratio_interval
from training.eval.report_markdown import paired_ablation, render_report, whisper_wer_interval


class RatioIntervalTest(unittest.TestCase):
    def test_files_that_agree_give_no_spread(self):
        # every file 1 error in 4 words: every resample is 25 %
        self.assertEqual(ratio_interval([1] * 20, [4] * 20), (0.25, 0.25))

    def test_interval_holds_the_estimate_and_narrows_with_files(self):
        rng = np.random.default_rng(1)
        wide = None
        for files in (15, 240):
            errors = rng.integers(0, 5, files)
            words = rng.integers(4, 9, files)
            low, high = ratio_interval(errors, words)
            self.assertLess(low, errors.sum() / words.sum())
            self.assertGreater(high, errors.sum() / words.sum())
            if wide is not None:
                self.assertLess(high - low, 0.5 * wide)  # 16x the files: about a quarter of the width
            wide = high - low

    def test_corpus_ratio_not_mean_of_ratios(self):
        # a short file with every word wrong and a long clean one. A resample of both (half of them)
        # is 10 / 40 = 0.25 as a corpus WER; a mean of per-file ratios would make it 0.5.
        self.assertEqual(ratio_interval([10, 0], [10, 30], draws=4000, level=0.1), (0.25, 0.25))
        self.assertEqual(ratio_interval([10, 0], [10, 30], draws=4000), (0.0, 1.0))  # and both extremes in the tails
        self.assertEqual(ratio_interval([2.0, 4.0], draws=10, seed=3), ratio_interval([2.0, 4.0], draws=10, seed=3))  # seeded

    def test_no_files_is_an_error(self):
        with self.assertRaises(ValueError):
            ratio_interval([], [])


class PairedDifferenceTest(unittest.TestCase):
    def test_shared_hard_files_cancel(self):
        # a: b plus one error on every file; the files differ a lot, the difference does not
        rng = np.random.default_rng(2)
        b = rng.integers(0, 10, 40).astype(float)
        words = np.full(40, 10.0)
        point, low, high = paired_difference(b + 1, b, words, words)
        self.assertAlmostEqual(point, 0.1)
        self.assertAlmostEqual(low, 0.1)
        self.assertAlmostEqual(high, 0.1)
        unpaired_low, unpaired_high = ratio_interval(b, words)
        self.assertGreater(unpaired_high - unpaired_low, 0.05)

    def test_identical_conditions_and_mismatched_files(self):
        self.assertEqual(paired_difference([0.8, 0.7, 0.9], [0.8, 0.7, 0.9]), (0.0, 0.0, 0.0))
        with self.assertRaises(ValueError):
            paired_difference([1, 2], [1, 2, 3])


class ReportIntervalTest(unittest.TestCase):
    texts = {"a": "press one to continue", "b": "please try again later", "c": "goodbye"}

    def rows(self, hypotheses, stoi):
        return [{"stem": s, "whisper": h, "stoi": v} for s, h, v in zip("abc", hypotheses, stoi)]

    def test_per_file_counts_use_whisper_normaliser(self):
        errors, words = file_word_errors(["Press 1."], ["press one"], lambda t: t.lower().replace(".", "").replace("1", "one"))
        self.assertEqual((errors.tolist(), words.tolist()), ([0.0], [2.0]))
        low, high = whisper_wer_interval({"rows": self.rows(["press one to continue", "please try again later", "goodbye"], [1, 1, 1])}, self.texts)
        self.assertEqual((low, high), (0.0, 0.0))
        self.assertIsNone(whisper_wer_interval({"rows": [{"stem": "a", "whisper": None}]}, self.texts))

    def test_ablation_pairs_by_file(self):
        dynamic = {"name": "FlexiCodec dynamic 6.25 Hz", "rows": self.rows(["press one to continue", "please try again", "goodbye"], [0.8, 0.7, 0.6])}
        # the fixed rows in another order: pairing is by file, not position
        fixed_rows = self.rows(["press to continue", "please try again", "good bye"], [0.7, 0.7, 0.5])[::-1]
        paired = paired_ablation(dynamic, {"name": "FlexiCodec fixed 6.25 Hz", "rows": fixed_rows}, self.texts)
        # dynamic: 1 error in 9 words; fixed: 1 + 1 + 2 = 4 errors
        self.assertAlmostEqual(paired["whisper_wer"][0], 100.0 * (1 - 4) / 9)
        self.assertAlmostEqual(paired["stoi"][0], (0.1 + 0.0 + 0.1) / 3)
        self.assertLessEqual(paired["stoi"][1], paired["stoi"][0])

    def test_rendered_report_has_the_intervals(self):
        def cond(name, hyps, stoi):
            return {"name": name, "family": name.rsplit(" ", 2)[0], "label": name, "bps": 600.0, "stoi": 0.7, "whisper_wer": 10.0,
                    "wer": None, "log_mel": 0.7, "mcd": 2.0, "delay_ms": 0.0, "rows": self.rows(hyps, stoi)}
        summary = {
            "date": "d", "commit": "c", "model_id": "m", "files": 3, "minutes": 0.1, "original_whisper_wer": 0.0,
            "original_whisper_hypotheses": ["press one to continue", "please try again later", "goodbye"],
            "texts": self.texts, "judge": None,
            "results": [cond("FlexiCodec dynamic 6.25 Hz", ["press one to continue", "please try again", "goodbye"], [0.8, 0.7, 0.6]),
                        cond("FlexiCodec fixed 6.25 Hz", ["press to continue", "please try again", "good bye"], [0.7, 0.7, 0.5])],
        }
        report = render_report(summary)
        self.assertIn("| original (16 kHz PCM, uncoded) | 256000 | — | 0.0 | 0.0–0.0 |", report)
        self.assertIn("Dynamic − fixed on the same files", report)
        self.assertIn("Whisper WER -33.3 points (", report)


if __name__ == "__main__":
    unittest.main()
