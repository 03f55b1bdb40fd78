"""The study postfilters: identity where they should be, and they do what they are named for."""
import unittest

import numpy as np

from training.eval.postfilters import comb_postfilter, formant_postfilter, istft, levinson, stft


class PostfilterTest(unittest.TestCase):
    def setUp(self):
        self.noise = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.1

    def test_stft_round_trip(self):
        np.testing.assert_allclose(istft(stft(self.noise), len(self.noise)), self.noise, atol=1e-6)

    def test_levinson_recovers_an_ar2_process(self):
        a_true = np.array([1.0, -1.2, 0.5])
        x = np.zeros(200000)
        e = np.random.default_rng(1).standard_normal(len(x))
        for n in range(2, len(x)):
            x[n] = e[n] - a_true[1] * x[n - 1] - a_true[2] * x[n - 2]
        r = np.array([x[: len(x) - k] @ x[k:] for k in range(3)]) / len(x)
        np.testing.assert_allclose(levinson(r, 2), a_true, atol=0.02)

    def test_formant_filter_is_identity_when_both_poles_match(self):
        y = formant_postfilter(self.noise, g1=0.8, g2=0.8, tilt=0.0)
        np.testing.assert_allclose(y, self.noise, atol=1e-6)

    def test_formant_filter_deepens_the_valley_between_two_formants(self):
        # noise through two resonators (500 and 2500 Hz): a formant envelope with a valley between
        poles = [0.97 * np.exp(2j * np.pi * f / 16000) for f in (500, 2500)]
        a = np.real(np.poly([*poles, *np.conj(poles)]))
        e = np.random.default_rng(2).standard_normal(32000)
        x = np.zeros_like(e)
        for n in range(len(x)):
            x[n] = e[n] - sum(a[k] * x[n - k] for k in range(1, 5) if n >= k)
        x = (x / np.abs(x).max()).astype(np.float32)
        before, after = (np.abs(stft(v)).mean(0) for v in (x, formant_postfilter(x)))
        bin_hz = 16000 / 512
        valley_to_peak = lambda s: s[round(1500 / bin_hz)] / s[round(500 / bin_hz)]
        self.assertLess(valley_to_peak(after), 0.7 * valley_to_peak(before))

    def test_comb_keeps_the_harmonic_and_lowers_the_noise(self):
        t = np.arange(16000) / 16000
        tone = np.sin(2 * np.pi * 200 * t).astype(np.float32)
        noise = self.noise.repeat(2)
        y = comb_postfilter(tone + noise, np.full(100, 200.0))
        self.assertGreater(np.corrcoef(y, tone)[0, 1], np.corrcoef(tone + noise, tone)[0, 1])
        np.testing.assert_allclose(comb_postfilter(tone + noise, np.zeros(100)), tone + noise, atol=1e-6)  # unvoiced: untouched


if __name__ == '__main__':
    unittest.main()
