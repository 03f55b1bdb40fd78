"""The shared real English speech (../shared/data/) enters the corpus: right speakers, 16 kHz clips, no noise-only clips."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

import soundfile as sf

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA_DIR))

import shared_speech  # noqa: E402
from build_corpus import Context, stage_of  # noqa: E402
from manifest import Manifest  # noqa: E402


@unittest.skipUnless(shared_speech.LJSPEECH.exists() and shared_speech.SPEECH_COMMANDS.exists(), "../shared/data is missing")
class SharedSpeechTest(unittest.TestCase):
    def test_first_batches_of_both_sets(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            manifest = Manifest(out / "manifest.jsonl", seed=0)
            ctx = Context(out, manifest, 0)
            lj_seconds = next(shared_speech.ljspeech_items(ctx))[0]()
            commands = list(shared_speech.speech_commands_items(ctx))
            sc_seconds = commands[0][0]()
            manifest.close()
            entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
            audio, rate = sf.read(out / entries[0]["file"])
        self.assertGreater(lj_seconds, 40 * 3.0)  # LJ clips are several seconds each
        self.assertGreater(sc_seconds, 5.0)
        self.assertEqual(rate, 16000)
        self.assertEqual(audio.ndim, 1)
        speakers = {e["speaker"] for e in entries}
        self.assertIn("ljspeech", speakers)
        self.assertTrue(any(s.startswith("sc-") for s in speakers))
        self.assertTrue(all(len(s) == 11 and int(s[3:], 16) >= 0 for s in speakers if s.startswith("sc-")))  # sc-<8 hex digits>
        self.assertTrue(all(e["language"] == "en" and e["source"] == "real" for e in entries))
        self.assertTrue(all(stage_of(e) == "real-en" for e in entries))
        # 4,482 speech clips in batches of 40; the 408 noise clips of _silence_ are not among them
        self.assertEqual(len(commands), -(-4482 // shared_speech.BATCH))


if __name__ == "__main__":
    unittest.main()
