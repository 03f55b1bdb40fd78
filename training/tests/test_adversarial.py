"""The discriminator learns to tell real from fake, its terms reach the codec and not itself, and a
run resumed from its checkpoint goes on with the same discriminator."""
import os
import tempfile
import unittest

import torch

from training import train
from training.adversarial import MultiResolutionDiscriminator, discriminator_loss, generator_losses
from training.tests.synthetic_corpus import write_corpus


def tones(n, seconds=0.5):
    t = torch.arange(int(16000 * seconds)) / 16000
    f0 = 120 + 40 * torch.rand(n, 1)
    return sum(torch.sin(2 * torch.pi * k * f0 * t) / k for k in range(1, 8)) * 0.1


class AdversarialTest(unittest.TestCase):
    def test_discriminator_learns_real_from_noise(self):
        torch.manual_seed(0)
        disc = MultiResolutionDiscriminator()
        opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
        real, fake = tones(4), 0.05 * torch.randn(4, 8000)
        first = float(discriminator_loss(disc, real, fake))
        for _ in range(30):
            loss = discriminator_loss(disc, real, fake)
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(float(discriminator_loss(disc, real, fake)), 0.5 * first)
        # a trained discriminator scores the real tones nearer 1 than the noise
        (lr, _), (lf, _) = disc(real)[0], disc(fake)[0]
        self.assertGreater(float(lr.mean()), float(lf.mean()) + 0.3)

    def test_generator_terms_reach_the_fake_only(self):
        torch.manual_seed(1)
        disc = MultiResolutionDiscriminator()
        real = tones(2)
        fake = (0.05 * torch.randn(2, 8000)).requires_grad_(True)
        adv, fm = generator_losses(disc, real, fake)
        (adv + fm).backward()
        self.assertTrue(torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0)
        self.assertTrue(all(p.grad is None for p in disc.parameters()))
        self.assertTrue(all(p.requires_grad for p in disc.parameters()), 'the discriminator trains on afterwards')
        # the same audio on both sides matches every feature map exactly
        _, fm_same = generator_losses(disc, real, real.clone())
        self.assertAlmostEqual(float(fm_same), 0.0, places=6)
        self.assertGreater(float(fm), 0.0)

    def test_train_resumes_the_discriminator(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run = os.path.join(d, 'corpus'), os.path.join(d, 'run')
            write_corpus(corpus, utterances=4)
            common = ['--run', run, '--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2',
                      '--snapshot-every-s', '0']
            adv = ['--adv-weight', '0.1', '--fm-weight', '0.2', '--adv-crops', '2', '--disc-warmup-steps', '1']
            train.main(['--stage', 'semantic', '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--max-steps', '2', *common, *adv])
            ck = torch.load(os.path.join(run, 'codec.pt'))
            self.assertEqual(ck['disc_steps'], 2)
            train.main(['--stage', 'codec', '--max-steps', '4', *common, *adv])
            ck2 = torch.load(os.path.join(run, 'codec.pt'))
            self.assertEqual((ck2['step'], ck2['disc_steps']), (4, 4))
            changed = [k for k in ck['disc'] if not torch.equal(ck['disc'][k], ck2['disc'][k])]
            self.assertTrue(changed, 'the resumed discriminator kept training')
            with self.assertRaises(SystemExit):
                train.main(['--stage', 'codec', '--max-steps', '5', *common, '--fm-weight', '0.2'])


if __name__ == '__main__':
    unittest.main()
