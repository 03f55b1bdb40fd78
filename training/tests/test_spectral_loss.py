"""The transition term of the spectral loss charges changes over time, not levels: zero for a
copy and next to nothing for a gain (which the plain log-mel L1 charges), large for blunted
transitions."""
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

    def test_a_gain_costs_log_mel_but_not_transitions(self):
        _, parts = SpectralLoss(delta_weight=1.0)(2.0 * self.x, self.x)
        self.assertGreater(parts['mel'], 0.5)  # ln 2 in the bursts
        self.assertLess(parts['delta'], 0.2 * parts['mel'])  # only where the bursts meet the silence floor

    def test_blunted_transitions_cost_as_much_as_their_log_mel_error(self):
        _, parts = SpectralLoss(delta_weight=1.0)(self.smeared, self.x)
        self.assertGreater(parts['delta'], 0.5 * parts['mel'])

if __name__ == '__main__':
    unittest.main()
