"""The feature decoder (training/featdec/): shapes, the trunk copied from the shipped decoder, a
training step on real speech lowers the feature loss, and training resumes where it stopped.

  .venv/bin/python -m unittest training.tests.test_featdec
"""
from pathlib import Path
import random
import tempfile
import unittest

import numpy as np
import soundfile as sf
import torch

from training.featdec import data, model, train
from training.vocoder.library import LIBRARY_PATH

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / 'test/fixtures/speech-en-6s.wav'
SHIPPED = ROOT / data.SHIPPED


def real_speech(seconds=2.56):
    x, sr = sf.read(SPEECH, dtype='float32')
    assert sr == 16000
    return x[: int(seconds * 16000)]


class Shapes(unittest.TestCase):
    def test_features_per_10ms(self):
        from training.model import tiny_config

        torch.manual_seed(0)
        dec = model.FeatureDecoder(model.FeatDecConfig.from_codec(tiny_config(pitch=True)))
        B, T, K = 2, 6, 7  # batch, 12.5 Hz frames, segments
        seg_len = torch.tensor([2., 1., 3., 1., 1., 2., 2.])
        frame_seg = torch.tensor([[0, 0, 1, 2, 2, 2], [3, 4, 5, 5, 6, 6]])
        frame_pos = torch.tensor([[0., 1., 0., 0., 1., 2.], [0., 0., 0., 1., 0., 1.]])
        f0 = torch.where(torch.arange(8 * T) % 5 == 0, 0.0, 120.0).repeat(B, 1)
        out = dec(torch.rand(K, 28) * 2 - 1, seg_len, frame_seg, frame_pos, f0)
        self.assertEqual(tuple(out.shape), (B, 8 * T, model.FEATURES))
        coded = model.with_coded_pitch(out, f0)
        voiced = f0 > 0
        # 120 Hz is a period of 133.3 samples: 256 / 2 ** (code + 1.5)
        self.assertTrue(torch.allclose(256 / 2 ** (coded[..., model.PITCH][voiced] + 1.5), torch.tensor(16000 / 120.0)))
        self.assertTrue(torch.equal(coded[..., model.PITCH][~voiced], out[..., model.PITCH][~voiced]))


@unittest.skipUnless(SHIPPED.exists() and LIBRARY_PATH.exists(), 'needs the shipped checkpoint and the native vocoder (native/build.sh)')
class WithShippedCodec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from training.checkpoint import load_codec

        torch.manual_seed(0)
        cls.codec, _ = load_codec(str(SHIPPED))
        cls.arrays = data.utterance_arrays(cls.codec, real_speech())

    def batch(self):
        a = self.arrays
        return (torch.from_numpy(a['merge'].astype(np.float32))[None], torch.from_numpy(a['pooled'].astype(np.float32))[None],
                a['f0'][None], torch.from_numpy(a['lpcnet'])[None])

    def test_trunk_is_the_shipped_decoders(self):
        dec = train.new_decoder(self.codec)
        source = self.codec.decoder.state_dict()
        own = dec.state_dict()
        trunk = [k for k in own if k.startswith(model.TRUNK_PREFIXES)]
        self.assertGreater(len(trunk), 40)
        for k in trunk:
            self.assertTrue(torch.equal(own[k], source[k].float()), k)
        # every trunk weight the shipped decoder has is copied; only its waveform heads are left
        left = {k.split('.')[0] for k in source if k not in own}
        self.assertEqual(left, {'head', 'istft', 'env_head', 'env_mlp'})

    def test_cached_arrays_line_up(self):
        a = self.arrays
        T = len(a['merge'])
        self.assertEqual(T, data.MIN_FRAMES)
        self.assertEqual(a['pooled'].shape[0], T)
        self.assertEqual(a['f0'].shape, (8 * T,))
        self.assertEqual(a['lpcnet'].shape, (8 * T, 20))

    def test_a_step_lowers_the_loss_on_real_speech(self):
        dec = train.new_decoder(self.codec)
        merge, pooled, f0, lpc = self.batch()
        dec.feat_mean, dec.feat_std = lpc[0].mean(0), lpc[0].std(0) + 1e-3
        opt = torch.optim.Adam(dec.parameters(), lr=3e-4)
        tau = torch.ones(1)
        losses = []
        for _ in range(2):
            pred, _ = train.decode_batch(dec, self.codec, merge, pooled, f0, tau)
            loss, _ = model.feature_loss(pred, lpc)
            losses.append(float(loss))
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(losses[1], losses[0])

    def test_training_resumes(self):
        with tempfile.TemporaryDirectory() as tmp:
            a = self.arrays
            for split in ('train', 'valid'):
                np.savez(f'{tmp}/{split}.npz', offsets=np.array([0, len(a['merge'])]), speech_frames=np.array([len(a['merge'])]),
                         merge=a['merge'], pooled=a['pooled'], f0=a['f0'], lpcnet=a['lpcnet'])
            args = ['--run', f'{tmp}/run', '--cache', tmp, '--codec', str(SHIPPED), '--batch', '2', '--valid-every', '1000']
            train.main(args + ['--max-steps', '2'])
            first = torch.load(f'{tmp}/run/featdec.pt')
            self.assertEqual(first['step'], 2)
            train.main(args + ['--max-steps', '3'])
            second = torch.load(f'{tmp}/run/featdec.pt')
            self.assertEqual(second['step'], 3)
            self.assertEqual(second['schedule_start'], first['schedule_start'])
            self.assertTrue(torch.equal(second['model']['feat_mean'], first['model']['feat_mean']))
            # the third step moved on from the saved weights and optimiser, not from a fresh start
            moved = second['model']['feat_head.weight'] - first['model']['feat_head.weight']
            self.assertGreater(float(moved.abs().max()), 0.0)
            self.assertEqual(len(second['optimizer']['state']), len(first['optimizer']['state']))
            self.assertTrue(all(int(s['step']) == 3 for s in second['optimizer']['state'].values()))
            # a new run started from the compact fp16 file has its weights (to fp16 precision)
            train.compact(f'{tmp}/run/featdec.pt', f'{tmp}/compact.pt')
            train.main(args[:1] + [f'{tmp}/run2'] + args[2:] + ['--init', f'{tmp}/compact.pt', '--max-steps', '1', '--lr', '0', '--lr-final', '0'])
            third = torch.load(f'{tmp}/run2/featdec.pt')
            for key in ('feat_head.weight', 'up.weight'):
                self.assertTrue(torch.allclose(third['model'][key], second['model'][key], atol=1e-2, rtol=1e-3), key)


if __name__ == '__main__':
    random.seed(0)
    unittest.main()
