"""The phone loss is zero for a perfect copy, grows when the phones are damaged, and trains
through the decoded audio only."""
import unittest

import torch

from training.losses import PhoneLoss
from training.model import Codec, tiny_config


class PhoneLossTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = Codec(tiny_config())
        t = torch.arange(16 * 1280) / 16000
        # a vowel-like buzz whose pitch and formant move, so the recogniser's posteriors vary
        self.x = (0.3 * torch.sin(2 * torch.pi * (120 + 40 * t) * t) * torch.sin(2 * torch.pi * 3 * t))[None]

    def test_copy_scores_zero_and_agrees(self):
        kl, agree = PhoneLoss(self.model)(self.x.clone(), self.x)
        self.assertLess(float(kl), 1e-6)
        self.assertEqual(agree, 1.0)

    def test_noise_scores_higher_than_a_slight_change(self):
        loss = PhoneLoss(self.model)
        slight, _ = loss(self.x * 0.97, self.x)
        noisy, _ = loss(self.x + 0.3 * torch.randn_like(self.x), self.x)
        self.assertGreater(float(noisy), 10 * float(slight))

    def test_gradient_reaches_the_decoded_audio_not_the_recogniser(self):
        self.model.semantic.requires_grad_(False)
        y_hat = (self.x + 0.1 * torch.randn_like(self.x)).requires_grad_(True)
        kl, _ = PhoneLoss(self.model)(y_hat, self.x)
        kl.backward()
        self.assertGreater(float(y_hat.grad.abs().sum()), 0.0)
        self.assertTrue(all(p.grad is None for p in self.model.semantic.parameters()))


if __name__ == '__main__':
    unittest.main()
