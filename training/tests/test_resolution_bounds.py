"""The time-resolution reductions: holds and interpolations keep the level and remove detail."""
import unittest

import numpy as np
import torch

from training.eval.resolution_bounds import Resynthesiser, hold, interp


class ResolutionBoundsTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.mel = torch.rand(5, 37, generator=g) + 0.1

    def test_hold_of_one_frame_is_identity(self):
        self.assertTrue(torch.equal(hold(self.mel, 1), self.mel))

    def test_hold_keeps_run_means_and_makes_runs_constant(self):
        h = hold(self.mel, 8)
        torch.testing.assert_close(h[:, :32].reshape(5, 4, 8).mean(-1), self.mel[:, :32].reshape(5, 4, 8).mean(-1))
        self.assertEqual(float(h[:, :32].reshape(5, 4, 8).std(-1).max()), 0.0)
        self.assertTrue(torch.equal(h[:, 32:], self.mel[:, 32:]))

    def test_interp_of_a_constant_is_that_constant(self):
        torch.testing.assert_close(interp(torch.full((3, 40), 2.5), 8), torch.full((3, 40), 2.5))

    def test_interp_is_log_linear_between_run_centres(self):
        k = 4
        runs = torch.exp(torch.arange(8.0)).repeat_interleave(k)[None]  # run j holds e^j
        out = torch.log(interp(runs, k))[0]
        first, last = (k - 1) / 2, 7 * k + (k - 1) / 2
        inside = out[int(first) + 1: int(last)]
        torch.testing.assert_close(torch.diff(inside), torch.full((len(inside) - 1,), 1 / k), atol=1e-4, rtol=0)

    def test_true_magnitudes_with_random_phase_keep_the_spectrum(self):
        t = np.arange(16000) / 16000
        x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        y = Resynthesiser()(x, None, 0)
        self.assertEqual(len(y), len(x))
        power = np.abs(np.fft.rfft(y[2000:14000])) ** 2
        hz = np.fft.rfftfreq(12000, 1 / 16000)
        self.assertGreater(power[(hz > 400) & (hz < 480)].sum() / power.sum(), 0.8)  # random phase smears, a little
        self.assertLess(abs(np.std(y[2000:14000]) / np.std(x[2000:14000]) - 1), 0.2)


if __name__ == '__main__':
    unittest.main()
