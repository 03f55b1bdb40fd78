"""The transition term of the spectral loss: zero for a copy, and it sees smearing that the
plain log-mel L1 barely does."""
import unittest

import torch

from training.losses import SpectralLoss


class SpectralDeltaTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        t = torch.arange(16000) / 16000
        gate = (torch.sin(2 * torch.pi * 6 * t) > 0).float()  # 6 Hz on/off bursts: sharp transitions
        self.x = (0.3 * torch.randn(16000) * gate)[None]
        # the same bursts with 40 ms ramps: same spectra, blunt transitions
        kernel = torch.ones(1, 1, 641) / 641
        smooth = torch.nn.functional.conv1d(gate[None, None], kernel, padding=320)[0, 0]
        self.smeared = (0.3 * torch.randn(16000) * smooth)[None]

    def test_copy_scores_zero(self):
        _, parts = SpectralLoss(delta_weight=1.0)(self.x.clone(), self.x)
        self.assertLess(parts['delta'], 1e-6)

    def test_off_by_default_and_adds_its_weighted_part(self):
        plain, p0 = SpectralLoss()(self.smeared, self.x)
        weighted, p1 = SpectralLoss(delta_weight=2.0)(self.smeared, self.x)
        self.assertNotIn('delta', p0)
        self.assertAlmostEqual(float(weighted - plain), 2.0 * p1['delta'], places=4)

    def test_smeared_transitions_cost_more_than_fresh_noise_with_the_same_bursts(self):
        fresh = (0.3 * torch.randn(16000) * (self.x != 0).float())
        _, same_bursts = SpectralLoss(delta_weight=1.0)(fresh, self.x)
        _, blunt = SpectralLoss(delta_weight=1.0)(self.smeared, self.x)
        self.assertGreater(blunt['delta'], same_bursts['delta'])


if __name__ == '__main__':
    unittest.main()
