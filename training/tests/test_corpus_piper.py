"""The Piper stage (training/data/piper_en.py): the joe voice says a sentence as usable 16 kHz speech, its
rows are in the corpus format, and its texts never include a held-out or reserved-set text."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA_DIR))

import piper_en  # noqa: E402
import texts  # noqa: E402
from build_corpus import Context, stage_of  # noqa: E402
from manifest import Manifest  # noqa: E402
from merge_stage import merge  # noqa: E402

SENTENCE = "The quick brown fox jumps over the lazy dog."
WHY_NOT = piper_en.unavailable_reason()


@unittest.skipIf(WHY_NOT, f"Piper voice or runtime missing: {WHY_NOT}")
class PiperSynthesisTest(unittest.TestCase):
    def test_sentence_is_16k_speech_of_plausible_length(self):
        samples = piper_en.synthesize(SENTENCE, length_scale=1.0)
        self.assertEqual(samples.dtype, np.float32)
        self.assertEqual(samples.ndim, 1)
        seconds = len(samples) / 16000
        # nine words: 1.5-6 s at any sane rate (about 2.5 s at the voice's own rate)
        self.assertGreater(seconds, 1.5)
        self.assertLess(seconds, 6.0)
        self.assertAlmostEqual(float(np.max(np.abs(samples))), piper_en.PEAK, places=3)
        rms_db = 20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
        self.assertGreater(rms_db, -35.0)
        # speech, not noise: most energy below 4 kHz, and loud and quiet 20 ms frames alternate
        spectrum = np.abs(np.fft.rfft(samples)) ** 2
        freqs = np.fft.rfftfreq(len(samples), 1 / 16000)
        self.assertGreater(spectrum[freqs < 4000].sum() / spectrum.sum(), 0.8)
        frames = samples[: len(samples) // 320 * 320].reshape(-1, 320)
        frame_db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-10)
        self.assertGreater(np.percentile(frame_db, 90) - np.percentile(frame_db, 10), 20.0)

    def test_length_scale_slows_speech(self):
        fast = piper_en.synthesize(SENTENCE, length_scale=0.8, noise_w=0.0)
        slow = piper_en.synthesize(SENTENCE, length_scale=1.3, noise_w=0.0)
        self.assertGreater(len(slow) / len(fast), 1.3)

    def test_stage_writes_corpus_rows_and_merges(self):
        with tempfile.TemporaryDirectory() as d:
            staging, corpus = Path(d) / "staging", Path(d) / "corpus"
            staging.mkdir()
            manifest = Manifest(staging / "manifest.jsonl", seed=0)
            ctx = Context(staging, manifest, 0)
            [(speaker, budget_s, items)] = piper_en.piper_streams(ctx, 0.05, [SENTENCE, "Nobody knows the trouble."])
            seconds = sum(work() for work, _ in items)
            manifest.close()
            rows = [json.loads(ln) for ln in (staging / "manifest.jsonl").read_text().splitlines()]
            side = [json.loads(ln) for ln in (staging / piper_en.TEXTS_FILE).read_text().splitlines()]
            self.assertEqual((speaker, budget_s), ("piper-joe", 3.0))
            self.assertEqual(len(rows), 2)
            self.assertAlmostEqual(seconds, sum(r["duration_s"] for r in rows), places=3)
            for r in rows:
                self.assertEqual(set(r), {"file", "speaker", "language", "source", "duration_s", "split", "phones"})
                self.assertEqual((r["speaker"], r["language"], r["source"], r["phones"]), ("piper-joe", "en", "tts-piper", None))
                self.assertIn(r["split"], ("train", "valid"))
                self.assertEqual(stage_of(r), "piper-en")
                info = sf.info(str(staging / r["file"]))
                self.assertEqual((info.samplerate, info.channels, info.subtype), (16000, 1, "PCM_16"))
            self.assertEqual({s["text"] for s in side}, {SENTENCE, "Nobody knows the trouble."})
            # merge into a corpus that has one row of another speaker; a second merge is refused
            (corpus / "wav" / "x").mkdir(parents=True)
            old = {"file": "wav/x/a.wav", "speaker": "x", "language": "en", "source": "real",
                   "duration_s": 1.0, "split": "train", "phones": None}
            (corpus / "manifest.jsonl").write_text(json.dumps(old) + "\n")
            self.assertEqual(merge(staging, corpus), 2)
            merged = [json.loads(ln) for ln in (corpus / "manifest.jsonl").read_text().splitlines()]
            self.assertEqual(merged, [old] + rows)
            self.assertTrue(all((corpus / r["file"]).exists() for r in rows))
            with self.assertRaises(SystemExit):
                merge(staging, corpus)
            self.assertEqual(len((corpus / "manifest.jsonl").read_text().splitlines()), 3)


class PiperTextTest(unittest.TestCase):
    def test_stage_texts_never_include_a_reserved_text(self):
        reserved = texts.reserved_texts()
        pool = piper_en.stage_sentences(1234, reserved=reserved)
        self.assertGreater(len(pool), 1500)  # ~40 min needs ~600
        for s in pool:
            self.assertFalse(texts.is_reserved(s, reserved), s)
            self.assertTrue(4 <= len(s.split()) <= 25, s)
        keys = {texts.normalize(s) for s in pool}
        self.assertFalse(keys & reserved)
        self.assertEqual(len(keys), len(pool))  # each sentence said once
        if texts.HELDOUT_TRANSCRIPTS.exists():
            self.assertGreater(len(reserved), 400)  # the Asterisk prompts are among them

    def test_reserved_texts_are_dropped_and_the_front_is_not_used(self):
        reserved = texts.reserved_texts()
        self.assertIn("go forward ten meters", reserved)  # pocketsphinx-testdata, even when not installed
        self.assertIn("he was not an ill disposed young man", reserved)
        self.assertIn("front left", reserved)  # alsa-utils
        front = [f"Front sentence number {i} is here." for i in range(10)]
        tail = ["He was not an ill disposed young man.",  # equal to a reserved text
                "Go forward ten meters and stop.",  # contains one
                "Rear left.",  # a reserved text (two words: equality only)
                "A perfectly ordinary sentence of fortune."]
        sentences = front + ["filler sentence is fine here"] * (piper_en.PIPER_POOL - len(tail)) + tail
        pool = piper_en.stage_sentences(0, sentences=sentences, reserved=reserved)
        self.assertEqual(pool[0], "A perfectly ordinary sentence of fortune.")
        self.assertFalse(set(pool) & set(tail[:3]))
        self.assertFalse(set(pool) & set(front))
        if texts.HELDOUT_TRANSCRIPTS.exists():
            prompt = max(texts.heldout_transcripts().values(), key=len)
            self.assertEqual(piper_en.stage_sentences(0, sentences=[prompt], reserved=reserved), [])


if __name__ == "__main__":
    unittest.main()
