"""The periodicity ratio tells harmonics from noise with the same spectrum envelope."""
import unittest

import numpy as np

from training.eval.pitch import periodicity, periodicity_ratio


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


if __name__ == '__main__':
    unittest.main()
