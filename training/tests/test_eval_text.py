"""Transcript normalisation and WER (training/eval/text.py)."""

import unittest

from training.eval.text import corpus_wer, normalize_text, number_to_words, word_errors


class TextTest(unittest.TestCase):
    def test_numbers_are_spoken_out(self):
        self.assertEqual(number_to_words(0), "zero")
        self.assertEqual(number_to_words(17), "seventeen")
        self.assertEqual(number_to_words(40), "forty")
        self.assertEqual(number_to_words(162), "one hundred sixty two")
        self.assertEqual(number_to_words(2024), "two thousand twenty four")

    def test_asterisk_transcripts_normalise_to_spoken_words(self):
        self.assertEqual(
            normalize_text("Please press 1 to mute, 2 to lock; press * or # (note: beep)."),
            "please press one to mute two to lock press star or pound",
        )
        self.assertEqual(normalize_text("Call-Forward on No Answer."), "call forward on no answer")
        self.assertEqual(normalize_text("If you know your party's extension"), "if you know your party's extension")
        self.assertEqual(normalize_text("[ascending tones]"), "")

    def test_word_errors_count_substitutions_insertions_deletions(self):
        self.assertEqual(word_errors("a b c d".split(), "a b c d".split()), 0)
        self.assertEqual(word_errors("a b c d".split(), "a x c d".split()), 1)
        self.assertEqual(word_errors("a b c d".split(), "a b c d e f".split()), 2)
        self.assertEqual(word_errors("a b c d".split(), [].copy()), 4)

    def test_corpus_wer_pools_words_over_files(self):
        refs = ["Press 1 now.", "Goodbye"]
        self.assertAlmostEqual(corpus_wer(refs, ["press one now", "goodbye"]), 0.0)
        # 1 error over 4 reference words.
        self.assertAlmostEqual(corpus_wer(refs, ["press won now", "goodbye"]), 25.0)


if __name__ == "__main__":
    unittest.main()
