"""The periodicity ratio tells harmonics from noise with the same spectrum envelope."""
import unittest

import numpy as np

from training.eval.pitch import HIGH_BAND_HZ, band_pass, periodicity, periodicity_ratio


class PeriodicityTest(unittest.TestCase):
    def test_tone_is_periodic_and_noise_is_not(self):
        t = np.arange(16000) / 16000
        tone = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 10))
        noise = np.random.default_rng(0).normal(size=16000)
        frames = np.arange(10, 90)
        self.assertGreater(periodicity(tone, 16000, frames).mean(), 0.75)
        self.assertLess(periodicity(noise, 16000, frames).mean(), 0.3)

    def test_ratio_is_one_for_the_original_and_falls_with_noise(self):
        t = np.arange(32000) / 16000
        voice = np.sin(2 * np.pi * 120 * t) + 0.5 * np.sin(2 * np.pi * 240 * t)
        f0 = np.full(200, 120.0)
        f0[150:] = 0  # unvoiced frames are not scored
        self.assertAlmostEqual(periodicity_ratio(voice, voice, 16000, f0), 1.0)
        noisy = voice + np.random.default_rng(1).normal(scale=0.7, size=len(voice))
        self.assertLess(periodicity_ratio(voice, noisy, 16000, f0), 0.8)
        self.assertTrue(np.isnan(periodicity_ratio(voice, voice, 16000, np.zeros(200))))

    def test_high_band_ratio_sees_harmonics_replaced_by_noise_above_the_low_ones(self):
        # the decoded spectrogram issue 14 describes: the first harmonics kept, shaped noise above
        t = np.arange(32000) / 16000
        f0 = np.full(200, 125.0)
        voice = sum(np.sin(2 * np.pi * 125 * k * t) / k for k in range(1, 32))
        low = sum(np.sin(2 * np.pi * 125 * k * t) / k for k in range(1, 10))
        noise = band_pass(np.random.default_rng(2).normal(size=len(t)), 16000, 1200, 4000)
        rms = lambda x: np.sqrt(np.mean(x ** 2))
        hi_band = lambda x: band_pass(x, 16000, *HIGH_BAND_HZ)
        smeared = low + noise * rms(hi_band(voice)) / rms(hi_band(noise))  # same high-band energy
        self.assertGreater(periodicity_ratio(voice, smeared, 16000, f0), 0.85)  # full band hardly moves
        self.assertAlmostEqual(periodicity_ratio(voice, voice, 16000, f0, HIGH_BAND_HZ), 1.0)
        self.assertLess(periodicity_ratio(voice, smeared, 16000, f0, HIGH_BAND_HZ), 0.5)

    def test_band_pass_keeps_only_the_band(self):
        t = np.arange(16000) / 16000
        x = np.sin(2 * np.pi * 500 * t) + np.sin(2 * np.pi * 2000 * t)
        np.testing.assert_allclose(band_pass(x, 16000, 1500, 4000), np.sin(2 * np.pi * 2000 * t), atol=1e-9)


if __name__ == '__main__':
    unittest.main()
