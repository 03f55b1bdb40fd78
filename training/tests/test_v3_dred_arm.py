"""The DRED-latent arm (training/v3/dred_arm.py): the chunked RDO-VAE decode is DRED's decode per
chunk, the targets are DRED's encoder's, the frozen weights stay out of the checkpoint, and training
steps on real speech bring the predicted latents towards DRED's.

  .venv/bin/python -m unittest training.tests.test_v3_dred_arm
"""
import tempfile
import types
import unittest

import numpy as np
import torch

from training.tests.test_v3 import speech_features, tiny
from training.vocoder import rdovae

DRED_BLOB = rdovae.WEIGHTS_PATH.exists()


class Chunks(unittest.TestCase):
    def test_chunks_are_counted_back_from_the_end(self):
        from training.v3.dred_arm import CHUNK_FRAMES, chunk_ends

        self.assertEqual(CHUNK_FRAMES, 16)
        self.assertEqual(chunk_ends(32).tolist(), [15, 31])
        self.assertEqual(chunk_ends(40).tolist(), [7, 23, 39])
        self.assertEqual(chunk_ends(5).tolist(), [4])
        self.assertEqual(chunk_ends(16).tolist(), [15])


@unittest.skipUnless(DRED_BLOB, 'needs build/vocoder/libopus-dred.bin (bash native/build.sh)')
class Arm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        _, f = speech_features(seconds=2.56 + 0.64)  # 40 frames: a short oldest chunk and two whole ones
        cls.feats = torch.from_numpy(f)[None]
        from training.v3.dred_arm import CodecV3Dred

        cls.m = CodecV3Dred(tiny())

    def test_each_chunk_is_decoded_from_its_own_state(self):
        from training.v3.dred_arm import decode_chunks

        z, s = self.m.dred_targets(self.feats)
        self.assertEqual((tuple(z.shape), tuple(s.shape)), ((1, 80, 25), (1, 3, 50)))
        out = decode_chunks(self.m.vae, z, s)
        self.assertEqual(tuple(out.shape), (1, 320, 20))
        # the last chunk (frames 24..39, latents 48..79) alone from its state
        alone = self.m.vae.decode(z[:, 48:], s[:, 2])
        self.assertTrue(torch.allclose(out[:, 192:], alone, atol=1e-5))
        # the short oldest chunk (frames 0..7) alone from its state: the padding never reaches it
        alone = self.m.vae.decode(z[:, :16], s[:, 0])
        self.assertTrue(torch.allclose(out[:, :64], alone, atol=1e-5))

    def test_targets_are_what_dred_sends(self):
        z, s = self.m.dred_targets(self.feats)
        latents, state = self.m.vae.encode(self.feats)
        self.assertTrue(torch.equal(z, latents))
        self.assertTrue(torch.equal(s[:, -1], state))
        # and decoding them gives the speech's cepstra back, far closer than the corpus spread
        out = self.m.vae.decode(latents, state)
        self.assertLess(float((out[..., :18] - self.feats[..., :18]).abs().mean()), 0.35)

    def test_the_frozen_decoder_is_not_part_of_the_checkpoint(self):
        from training.v3 import train

        keys = list(self.m.state_dict())
        self.assertTrue(any(k.startswith('dred_head.') for k in keys))
        self.assertFalse(any('vae' in k.split('.')[0] for k in keys))
        self.assertFalse(any(p is q for p in self.m.parameters() for q in self.m.vae.parameters()))
        with tempfile.TemporaryDirectory() as tmp:
            torch.save({'model': self.m.state_dict(), 'config': train.config_dict(self.m.c)}, f'{tmp}/ck.pt')
            loaded = train.load(f'{tmp}/ck.pt')
        self.assertEqual(type(loaded).__name__, 'CodecV3Dred')
        self.assertTrue(torch.equal(loaded.dred_head.state[0].weight, self.m.dred_head.state[0].weight))

    def test_training_steps_bring_the_latents_towards_dreds(self):
        from training.v3 import train
        from training.v3.dred_arm import CodecV3Dred

        torch.manual_seed(1)
        feats = self.feats[:, :256].repeat(2, 1, 1)
        m = CodecV3Dred(tiny(), self.m.vae)
        m.set_feature_stats(feats.reshape(-1, 20).mean(0), feats.reshape(-1, 20).std(0) + 1e-3)
        m.set_dred_stats(feats)
        opt = torch.optim.Adam(m.parameters(), lr=3e-3)
        a = types.SimpleNamespace(loss='weighted', latent_weight=1.0)
        f0, tau = torch.full(feats.shape[:2], 120.0), torch.tensor([1.0, 0.5])
        latent = []
        for _ in range(40):
            pred, stats = m(feats, tau, f0)
            loss, parts = train.arm_loss(a, m, pred, feats, stats)
            opt.zero_grad()
            loss.backward()
            opt.step()
            latent.append(parts['latent'])
        self.assertLess(np.mean(latent[-5:]), 0.8 * np.mean(latent[:5]))


if __name__ == '__main__':
    unittest.main()
