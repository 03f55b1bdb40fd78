"""codec2 and Opus through their command-line tools (training/eval/baselines.py); skipped where the tools are missing."""

from pathlib import Path
import shutil
import tempfile
import unittest

from training.eval.audio import read_wav, write_wav
from training.eval.baselines import Codec2, Opus, baseline_conditions
from training.eval.metrics import bits_per_second
from training.eval.score import score_pair
from training.eval.synthetic import speech_like

RATE_HZ = 16000
TOOLS = ("sox", "c2enc", "c2dec", "opusenc", "opusdec")


@unittest.skipUnless(all(shutil.which(t) for t in TOOLS), "codec2 / opus-tools / sox not installed")
class BaselinesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.signal = 0.5 * speech_like(2.0, RATE_HZ, seed=9)
        cls.wav = cls.dir / "in" / "utt.wav"
        cls.wav.parent.mkdir()
        write_wav(cls.wav, cls.signal, RATE_HZ)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, condition, min_bps, max_bps, min_stoi):
        out = condition.process([self.wav], self.dir / condition.name.replace(" ", "_"))
        encoded, decoded_path = out["utt"]
        bps = bits_per_second(encoded, len(self.signal) / RATE_HZ)
        self.assertTrue(min_bps <= bps <= max_bps, bps)
        decoded, rate_hz = read_wav(decoded_path)
        self.assertEqual(rate_hz, RATE_HZ)
        self.assertLess(abs(len(decoded) - len(self.signal)), 0.05 * RATE_HZ)
        scores = score_pair(self.signal, decoded)
        self.assertGreater(scores["stoi"], min_stoi)
        return scores

    def test_codec2_1300_bitrate_and_delay(self):
        # 52 bits a 40 ms frame, stored as 7 bytes (1400 bit/s), plus the 7-byte .c2 header.
        scores = self.check(Codec2("1300"), 1400, 1450, 0.6)
        # codec2's algorithmic delay is a few tens of ms and must be found.
        self.assertGreater(scores["delay_ms"], 5.0)

    def test_opus_6_kbps_counts_the_ogg_container(self):
        scores = self.check(Opus(6, 40), 6000, 16000, 0.8)
        self.assertLess(abs(scores["delay_ms"]), 5.0)

    def test_report_conditions(self):
        self.assertEqual([c.name for c in baseline_conditions()], ["codec2 700C", "codec2 1300", "codec2 3200", "Opus 6 kbps", "Opus 9 kbps"])


if __name__ == "__main__":
    unittest.main()
