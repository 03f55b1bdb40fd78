"""The Whisper judge and the standard metrics on real held-out speech: each must tell good audio from bad.

Uses the held-out Asterisk prompts only to measure (never to train); the judge is Whisper base.
"""

import unittest

import numpy as np

from training.eval.audio import SCORE_RATE_HZ, read_wav_at
from training.eval.heldout import heldout_manifest_path, load_manifest, select_items
from training.eval.pitch import pitch_errors
from training.eval.score import score_pair
from training.eval.standard_metrics import dnsmos, pesq_wb, pystoi_scores
from training.eval.stoi import stoi
from training.eval.synthetic import add_noise_at_snr
from training.eval.whisper_judge import WhisperJudge, whisper_normalize, whisper_wer

# Held-out prompts the tests use (chosen by their names; any clear prompt would do).
STEMS = ("please-try-call-later", "conf-getpin", "confbridge-rest-list-vol-out")


def heldout_items():
    items = {i.stem: i for i in select_items(load_manifest(heldout_manifest_path()), 0)}
    return [items[s] for s in STEMS if s in items]


def same_envelope_noise(x, fft=128, hop=32, seed=0):
    """x resynthesised from 8 ms STFT magnitudes with random phase: an 8 ms window cannot resolve
    harmonics, so this keeps the spectral envelope and its changes but no pitch."""
    rng = np.random.default_rng(seed)
    window = np.hanning(fft + 1)[:-1]
    padded = np.pad(x, fft)
    out = np.zeros(len(padded) + fft)
    norm = np.zeros_like(out)
    for start in range(0, len(padded) - fft, hop):
        mag = np.abs(np.fft.rfft(padded[start : start + fft] * window))
        phase = rng.uniform(-np.pi, np.pi, mag.shape)
        out[start : start + fft] += np.fft.irfft(mag * np.exp(1j * phase), fft) * window
        norm[start : start + fft] += window**2
    return (out / np.maximum(norm, 1e-8))[fft : fft + len(x)]


class HeldOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.items = heldout_items()
        if len(cls.items) < 2:
            raise unittest.SkipTest("held-out set missing (apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-en)")
        cls.signals = [read_wav_at(i.wav, SCORE_RATE_HZ) for i in cls.items]


class WhisperJudgeTest(HeldOut):
    def test_original_nearly_word_perfect_degraded_much_worse(self):
        judge = WhisperJudge()
        texts = [i.text for i in self.items]
        clean = whisper_wer(texts, [judge.transcribe(x) for x in self.signals])
        noisy = whisper_wer(texts, [judge.transcribe(add_noise_at_snr(x, -5.0, seed=1)) for x in self.signals])
        self.assertLessEqual(clean, 15.0)
        self.assertGreaterEqual(noisy, clean + 40.0)

    def test_deterministic_and_cached(self):
        judge = WhisperJudge()
        first = judge.transcribe(self.signals[0])
        judge._cache.clear()
        self.assertEqual(judge.transcribe(self.signals[0]), first)


class NormalizerTest(unittest.TestCase):
    def test_numbers_spelling_punctuation(self):
        self.assertEqual(whisper_normalize("Press 1, please."), whisper_normalize("press one please"))
        self.assertEqual(whisper_wer(["The colour is grey."], ["the color is gray"]), 0.0)
        self.assertAlmostEqual(whisper_wer(["the cat sat down"], ["the cat down"]), 25.0)


class StandardMetricsTest(HeldOut):
    def test_our_stoi_agrees_with_pystoi(self):
        for x in self.signals:
            for snr in (-5.0, 5.0, 20.0):
                y = add_noise_at_snr(x, snr, seed=int(snr) + 10)
                self.assertAlmostEqual(stoi(x, y, SCORE_RATE_HZ), pystoi_scores(x, y, SCORE_RATE_HZ)["stoi_pystoi"], delta=0.02)

    def test_pesq_top_for_itself_lower_for_noise(self):
        x = self.signals[0]
        self.assertGreater(pesq_wb(x, x, SCORE_RATE_HZ), 4.5)
        noisy = add_noise_at_snr(x, 10.0, seed=3)
        self.assertLess(pesq_wb(x, noisy, SCORE_RATE_HZ), 2.5)

    def test_pitch_zero_on_original_large_on_same_envelope_noise(self):
        x = self.signals[0]
        same = pitch_errors(x, x, SCORE_RATE_HZ)
        self.assertEqual((same["f0_rmse_cents"], same["gpe"], same["vde"]), (0.0, 0.0, 0.0))
        noise = pitch_errors(x, same_envelope_noise(x), SCORE_RATE_HZ)
        self.assertGreater(noise["vde"], 0.3)
        self.assertGreater(noise["f0_rmse_cents"], 300.0)

    def test_dnsmos_prefers_clean_speech(self):
        x = self.signals[0]
        clean, noisy = dnsmos(x, SCORE_RATE_HZ), dnsmos(add_noise_at_snr(x, 0.0, seed=4), SCORE_RATE_HZ)
        self.assertGreater(clean["dnsmos_ovrl"], noisy["dnsmos_ovrl"] + 0.5)
        self.assertGreater(clean["dnsmos_bak"], noisy["dnsmos_bak"] + 1.0)

    def test_score_pair_standard_keys(self):
        x = self.signals[1]
        scores = score_pair(x, np.concatenate([np.zeros(160), x]), standard=True)
        self.assertAlmostEqual(scores["delay_ms"], 10.0, delta=0.1)
        self.assertGreater(scores["pesq"], 4.0)
        self.assertGreater(scores["estoi"], 0.95)
        self.assertLess(scores["gpe"], 0.02)



class WhisperModelsTest(unittest.TestCase):
    def test_whole_models_parse_and_partial_ones_are_refused(self):
        import tempfile
        from pathlib import Path

        from training.eval.whisper_models import ModelUnavailable, ct2_variables, model_dir

        model_bin = model_dir("tiny.en") / "model.bin"
        spec, variables, end = ct2_variables(model_bin)
        self.assertEqual(spec, "WhisperSpec")
        self.assertIn("encoder/conv1/weight", [v[0] for v in variables])
        self.assertLessEqual(end, model_bin.stat().st_size)
        with tempfile.TemporaryDirectory() as tmp:
            partial = Path(tmp) / "model.bin"
            with open(model_bin, "rb") as src:
                partial.write_bytes(src.read(4 << 20))
            with self.assertRaises(ModelUnavailable):
                ct2_variables(partial)
        _, base_variables, _ = ct2_variables(model_dir("base") / "model.bin")
        self.assertGreater(len(base_variables), len(variables))  # base has more layers than tiny


if __name__ == "__main__":
    unittest.main()
