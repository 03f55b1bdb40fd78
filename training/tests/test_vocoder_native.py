"""The native vocoder (training/vocoder/native.py): LPCNet analysis and FARGAN resynthesis of real speech
reach STOI 0.95 against the original with no shift left to remove, the documented delay is the one
the raw synthesis has, and bad input gives a clear error."""

import unittest
from pathlib import Path

import numpy as np
import soundfile as sf

from training.eval.stoi import stoi
from training.pitch import track
from training.vocoder import native

ROOT = Path(__file__).resolve().parents[2]
# Held-out voice, 6.07 s (test/fixtures/README.md).
FIXTURE = ROOT / "test/fixtures/speech-en-6s.wav"
# One LJ Speech reader clip, 7.7 s (the first 3 s are used).
# ../shared/data beside the checkout (CI lays a copy there).
LJ_CLIP = Path(__file__).resolve().parents[3] / "shared/data/ljspeech-364/wavs/LJ001-0003.flac"
RATE = native.SAMPLE_RATE_HZ
# The issue's target for FARGAN resynthesis (measured here: 0.976 on the fixture's 4 s, 0.972 on LJ001-0003's 3 s).
STOI_MIN = 0.95


def read(path, seconds):
    audio, rate = sf.read(str(path), dtype="float32")
    assert rate == RATE, f"{path} is {rate} Hz"
    return audio[: int(seconds * RATE)]


def shifted(y, lag, length):
    """y[n + lag] for n < length, zero-filled."""
    out = np.zeros(length, np.float32)
    src = y[max(0, lag) :]
    dst = out[max(0, -lag) :]
    count = min(len(src), len(dst))
    dst[:count] = src[:count]
    return out


class ResynthesisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clips = {"fixture": read(FIXTURE, 4.0), "lj": read(LJ_CLIP, 3.0)}
        cls.features = {name: native.analyse(audio) for name, audio in cls.clips.items()}

    def test_features_one_row_per_started_frame(self):
        for name, audio in self.clips.items():
            f = self.features[name]
            self.assertEqual(f.shape, (-(-len(audio) // native.FRAME_SAMPLES), native.FEATURE_COUNT), name)
            self.assertEqual(f.dtype, np.float32)
            self.assertTrue(np.all(np.isfinite(f)))
        # The same audio gives the same features (fresh state each call).
        np.testing.assert_array_equal(native.analyse(self.clips["lj"]), self.features["lj"])

    def test_pitch_agrees_with_the_project_tracker(self):
        # On frames both call voiced (the correlation feature is the pitch correlation less 0.5), the
        # period code's F0 is within 5 % of training/pitch/track.py's (measured: 92 % and 90 % of frames).
        for name, audio in self.clips.items():
            f = self.features[name]
            tracked = np.asarray(track.track(audio))
            n = min(len(tracked), len(f))
            period = np.floor(0.5 + 256.0 / 2.0 ** (f[:n, native.PITCH_FEATURE] + 1.5))
            both = (f[:n, native.CORRELATION_FEATURE] > 0.0) & (tracked[:n] > 0)
            self.assertGreater(both.mean(), 0.25, name)
            agree = np.abs(np.log(RATE / period[both] / tracked[:n][both])) < np.log(1.05)
            self.assertGreater(agree.mean(), 0.85, name)

    def test_resynthesis_reaches_stoi_095_aligned(self):
        for name, audio in self.clips.items():
            out = native.resynthesize(audio)
            self.assertEqual(out.shape, audio.shape)
            self.assertEqual(out.dtype, np.float32)
            self.assertLessEqual(np.abs(out).max(), 1.0)
            score = stoi(audio, out, RATE)
            self.assertGreaterEqual(score, STOI_MIN, name)
            # Aligned: no shift of the output scores better by more than noise (measured peak 0-4 samples).
            others = {lag: stoi(audio, shifted(out, lag, len(audio)), RATE) for lag in (-80, -40, 40, 80)}
            self.assertGreaterEqual(score, max(others.values()) - 0.002, (name, score, others))

    def test_raw_synthesis_lags_by_the_documented_delay(self):
        audio, f = self.clips["fixture"], self.features["fixture"]
        raw = native.run_fargan(f[0], f)  # every frame after the warm-up: lags by DELAY_SAMPLES
        self.assertEqual(raw.shape, (len(f) * native.FRAME_SAMPLES,))
        scores = {lag: stoi(audio, shifted(raw, lag, len(audio)), RATE) for lag in (160, 200, 240, 280, 320)}
        self.assertEqual(max(scores, key=scores.get), native.DELAY_SAMPLES, scores)
        self.assertGreaterEqual(scores[native.DELAY_SAMPLES], STOI_MIN)
        # The aligned schedule is the raw synthesis of its rows: the same samples, DELAY earlier.
        aligned = native.synthesize(f)
        self.assertEqual(aligned.shape, (len(f) * native.FRAME_SAMPLES,))
        self.assertGreater(stoi(audio, aligned[: len(audio)], RATE), scores[native.DELAY_SAMPLES] - 0.005)


class InputErrorTest(unittest.TestCase):
    def test_wrong_sample_rate(self):
        with self.assertRaisesRegex(ValueError, "16000 Hz"):
            native.analyse(np.zeros(800, np.float32), rate_hz=8000)
        with self.assertRaisesRegex(ValueError, "16000 Hz"):
            native.resynthesize(np.zeros(800, np.float32), rate_hz=48000)

    def test_empty_audio(self):
        with self.assertRaisesRegex(ValueError, "empty"):
            native.analyse(np.zeros(0, np.float32))

    def test_wrong_dtype_and_shape(self):
        with self.assertRaisesRegex(TypeError, "float32"):
            native.analyse(np.zeros(800, np.float64))
        with self.assertRaisesRegex(TypeError, "float32"):
            native.analyse(np.zeros(800, np.int16))
        with self.assertRaisesRegex(TypeError, "numpy array"):
            native.analyse([0.0] * 800)
        with self.assertRaisesRegex(ValueError, "one channel"):
            native.analyse(np.zeros((800, 2), np.float32))
        with self.assertRaisesRegex(ValueError, "NaN"):
            native.analyse(np.full(800, np.nan, np.float32))

    def test_bad_features(self):
        with self.assertRaisesRegex(ValueError, r"\(frames, 20\)"):
            native.synthesize(np.zeros((10, 18), np.float32))
        with self.assertRaisesRegex(ValueError, r"\(frames, 20\)"):
            native.synthesize(np.zeros(20, np.float32))
        with self.assertRaisesRegex(ValueError, "no frame"):
            native.synthesize(np.zeros((0, 20), np.float32))
        with self.assertRaisesRegex(TypeError, "float32"):
            native.synthesize(np.zeros((10, 20)))

    def test_short_input_still_one_frame(self):
        out = native.resynthesize(np.zeros(10, np.float32))
        self.assertEqual(out.shape, (10,))
        self.assertTrue(np.all(np.isfinite(out)))


if __name__ == "__main__":
    unittest.main()
