"""--asr-target-weight: a head on the decoder trunk distils the ASR encoder's features of the
original (Config.asr_target). Training only: the runtime's decoder output does not change, and
the loss reaches the trunk and, through the quantizer's straight-through codes, the encoder."""
import json
import os
import tempfile
import unittest

import numpy as np
import soundfile as sf
import torch

from training import train
from training.losses import asr_target_loss
from training.model import Codec, Config, tiny_config
from training.tests.synthetic_corpus import write_corpus
from training.tests.test_grow_decoder import decode


class AsrTargetLossTest(unittest.TestCase):
    def test_cosine_distance_over_frames_with_features(self):
        t = torch.randn(2, 5, 8)
        self.assertAlmostEqual(float(asr_target_loss(3 * t, t)), 0.0, places=5)  # scale-free
        self.assertAlmostEqual(float(asr_target_loss(-t, t)), 2.0, places=5)
        padded = t.clone()
        padded[:, 3:] = 0  # past the utterance's last whole frame
        pred = t.clone()
        pred[:, 3:] = -t[:, 3:]  # wrong only where there is nothing to match
        self.assertAlmostEqual(float(asr_target_loss(pred, padded)), 0.0, places=5)
        self.assertEqual(float(asr_target_loss(pred, torch.zeros_like(t))), 0.0)


class AsrTargetModelTest(unittest.TestCase):
    def test_loss_reaches_trunk_and_encoder_and_runtime_output_is_unchanged(self):
        torch.manual_seed(0)
        model = Codec(tiny_config(asr_target=True))
        audio = 0.1 * torch.randn(2, 16 * 1280)
        out, st = model(audio, torch.full((2,), 0.9))
        self.assertEqual(tuple(st['asr_pred'].shape), (2, 16, model.c.asr_dim))
        asr_target_loss(st['asr_pred'], torch.randn(2, 16, model.c.asr_dim)).backward()
        grad = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
        self.assertGreater(float(grad['decoder.blocks.0.ff.0.weight'].abs().sum()), 0.0)
        self.assertTrue(any(n.startswith('acoustic.') and float(g.abs().sum()) > 0 for n, g in grad.items()))
        self.assertNotIn('decoder.head.weight', grad)  # the audio head is not what the target trains
        # the same weights without the head decode the same audio
        plain = Codec(tiny_config())
        missing = plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith('decoder.asr_head.')})
        self.assertFalse(missing.missing_keys)
        torch.testing.assert_close(decode(plain), decode(model))


class AsrTargetTrainTest(unittest.TestCase):
    def test_run_from_init_grows_the_head_and_logs_the_term(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, new, feats = (os.path.join(d, n) for n in ('corpus', 'run', 'new', 'feats'))
            rows = write_corpus(corpus, utterances=4)
            rng = np.random.default_rng(0)
            for r in rows:
                frames = sf.info(os.path.join(corpus, r['file'])).frames // 1280
                path = os.path.join(feats, os.path.splitext(r['file'])[0] + '.npy')
                os.makedirs(os.path.dirname(path), exist_ok=True)
                np.save(path, rng.normal(size=(frames, Config.asr_dim)).astype(np.float16))
            common = ['--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2']
            train.main(['--stage', 'semantic', '--run', run, '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--run', run, '--max-steps', '2', *common])
            with self.assertRaisesRegex(SystemExit, 'config has asr_target'):  # a run made without the head
                train.main(['--stage', 'codec', '--run', run, '--max-steps', '3', '--asr-target-weight', '1', *common])
            ck = torch.load(os.path.join(run, 'codec.pt'))
            with open(os.path.join(run, 'config.json')) as f:
                config = json.load(f)
            compact = os.path.join(d, 'compact.pt')
            torch.save({'model': ck['model'], 'config': config, 'vocab': ck['vocab'], 'step': ck['step'], 'seconds': ck['seconds']}, compact)
            with self.assertRaisesRegex(SystemExit, 'need --asr-features'):  # the head without its target's features
                train.main(['--stage', 'codec', '--run', os.path.join(d, 'nofeats'), '--init', compact, '--asr-target-weight', '1',
                            '--max-steps', str(ck['step'] + 1), *common])
            train.main(['--stage', 'codec', '--run', new, '--init', compact, '--asr-target-weight', '1', '--asr-features', feats,
                        '--grown-lr-scale', '10', '--max-steps', str(ck['step'] + 2), *common])
            with open(os.path.join(new, 'config.json')) as f:
                self.assertTrue(json.load(f)['asr_target'])
            with open(os.path.join(new, 'grown.json')) as f:
                self.assertEqual(json.load(f), ['decoder.asr_head.bias', 'decoder.asr_head.weight'])
            with open(os.path.join(new, 'log.jsonl')) as f:
                logged = [json.loads(line) for line in f if '"asr_target"' in line]
            self.assertTrue(logged)
            self.assertTrue(all(0.0 <= r['asr_target'] <= 2.0 for r in logged))


if __name__ == '__main__':
    unittest.main()
