"""Tiny end-to-end run of training/data/build_corpus.py: audio format and phone timings must be usable."""

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import soundfile as sf

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA_DIR))

from phones import parse_flite_psdur, to_segments  # noqa: E402
from texts import fortune_sentences, heldout_transcripts, normalize  # noqa: E402

# Phone timings must cover the audio to within this much.
END_TOLERANCE_S = 0.05


class PhoneSegmentTest(unittest.TestCase):
    def test_offset_clip_and_silence_padding(self):
        ends = [(0.3, "pau"), (0.5, "a"), (0.9, "b"), (1.4, "pau")]
        # Audio trimmed by 0.2 s at the start and cut at 1.0 s.
        segs = to_segments(ends, 1.0, prefix="ru:", offset_s=0.2)
        self.assertEqual(segs, [[0.0, 0.1, "pau"], [0.1, 0.3, "ru:a"], [0.3, 0.7, "ru:b"], [0.7, 1.0, "pau"]])

    def test_trailing_audio_becomes_silence(self):
        segs = to_segments(parse_flite_psdur("pau:0.1 hh:0.2 ax:0.3"), 0.35)
        self.assertEqual(segs[-1], [0.3, 0.35, "pau"])


class TextTest(unittest.TestCase):
    def test_heldout_prompts_never_used_as_tts_text(self):
        banned = {normalize(t) for t in heldout_transcripts().values()}
        sentences = fortune_sentences(1)
        self.assertGreater(len(sentences), 1000)
        self.assertFalse(banned & {normalize(s) for s in sentences})
        for s in sentences[:500]:
            self.assertTrue(4 <= len(s.split()) <= 25, s)


@unittest.skipUnless(shutil.which("festival"), "festival is not installed (apt-get install festival festvox-kallpc16k)")
class TinyBuildTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus-test-")
        cmd = [sys.executable, str(DATA_DIR / "build_corpus.py"), "--out", cls.tmp,
               "--tts-minutes", "0.2", "--no-real", "--no-other"]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        with open(Path(cls.tmp) / "manifest.jsonl", encoding="utf-8") as f:
            cls.entries = [json.loads(line) for line in f]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_manifest_has_festival_phones_and_held_out_sentences(self):
        fest = [e for e in self.entries if e["source"] == "tts-festival" and e["language"] == "en"]
        self.assertTrue(fest, "no festival English utterances")
        self.assertTrue(all(e["phones"] for e in fest))
        self.assertTrue(any(e["split"] == "valid" for e in fest))
        self.assertTrue(any(e["source"] == "tts-espeak" for e in self.entries))

    def test_wavs_are_16k_mono_pcm16_and_durations_match(self):
        for e in self.entries:
            info = sf.info(str(Path(self.tmp) / e["file"]))
            self.assertEqual((info.samplerate, info.channels, info.subtype), (16000, 1, "PCM_16"), e["file"])
            self.assertAlmostEqual(info.duration, e["duration_s"], delta=0.001)

    def test_phone_timings_sorted_non_overlapping_and_cover_audio(self):
        n_checked = 0
        for e in self.entries:
            if e["phones"] is None:
                continue
            n_checked += 1
            prev_end = 0.0
            for start, end, phone in e["phones"]:
                self.assertGreaterEqual(start, prev_end - 1e-6, e["file"])
                self.assertGreater(end, start, e["file"])
                self.assertTrue(phone, e["file"])
                prev_end = end
            self.assertLess(abs(prev_end - e["duration_s"]), END_TOLERANCE_S, e["file"])
            self.assertIn("pau", {p for _, _, p in e["phones"]})
        self.assertGreater(n_checked, 0)


if __name__ == "__main__":
    unittest.main()
