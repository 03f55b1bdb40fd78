"""--dec-layers on a run from --init: the added Transformer blocks start as the identity, take
--grown-lr-scale, and keep their parameter group (and the optimiser's moments) across resumes."""
import json
import os
import tempfile
import unittest

import torch

from training import train
from training.model import Codec, Config, frame_positions
from training.tests.synthetic_corpus import write_corpus


def decode(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    c = model.c
    flags = torch.tensor([[True, False, True, True, False, False]])
    seg_len = torch.tensor([2.0, 1.0, 3.0])
    seg_id = torch.cumsum(flags.long(), 1) - 1
    z = torch.rand(3, c.latent_channels, generator=g) * 2 - 1
    with torch.no_grad():
        return model.decoder(z, seg_len, seg_id, frame_positions(flags))


class GrowDecoderTest(unittest.TestCase):
    def test_added_blocks_start_as_identity_and_keep_their_learning_rate(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, new = (os.path.join(d, n) for n in ('corpus', 'run', 'new'))
            write_corpus(corpus, utterances=4)
            common = ['--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2']
            train.main(['--stage', 'semantic', '--run', run, '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--run', run, '--max-steps', '2', '--lr', '1e-2', *common])
            ck = torch.load(os.path.join(run, 'codec.pt'))
            with open(os.path.join(run, 'config.json')) as f:
                config = json.load(f)
            compact = os.path.join(d, 'compact.pt')
            torch.save({'model': ck['model'], 'config': config, 'vocab': ck['vocab'], 'step': ck['step'],
                        'seconds': ck['seconds']}, compact)
            old = Codec(Config(**config))
            old.load_state_dict(ck['model'])

            grow = ['--stage', 'codec', '--run', new, '--init', compact, '--dec-layers', str(config['dec_layers'] + 2),
                    '--grown-lr-scale', '10', *common]
            train.main([*grow, '--max-steps', str(ck['step'])])  # starts, saves, no step
            with open(os.path.join(new, 'config.json')) as f:
                grown_config = json.load(f)
            self.assertEqual(grown_config['dec_layers'], config['dec_layers'] + 2)
            grown = Codec(Config(**grown_config))
            grown.load_state_dict(torch.load(os.path.join(new, 'codec.pt'))['model'])
            torch.testing.assert_close(decode(grown), decode(old))  # the same function at the start
            with open(os.path.join(new, 'grown.json')) as f:
                names = json.load(f)
            self.assertTrue(names and all(n.startswith(('decoder.blocks.1.', 'decoder.blocks.2.')) for n in names))
            self.assertEqual(len(names), 2 * sum(1 for n, _ in grown.named_parameters() if n.startswith('decoder.blocks.0.')))

            # two steps, then a resume: the grown group keeps its scale and the optimiser its moments
            train.main([*grow, '--max-steps', str(ck['step'] + 2), '--lr', '1e-3'])
            train.main([*grow, '--max-steps', str(ck['step'] + 3), '--lr', '1e-3'])
            opt = torch.load(os.path.join(new, 'codec.pt'))['opt']
            self.assertEqual([g['lr_scale'] for g in opt['param_groups']], [1.0, 10.0])
            self.assertEqual([len(g['params']) for g in opt['param_groups']][1], len(names))
            self.assertTrue(all(int(s['step']) == 3 for s in opt['state'].values()))  # no fresh moments
            after = Codec(Config(**grown_config))
            after.load_state_dict(torch.load(os.path.join(new, 'codec.pt'))['model'])
            self.assertGreater(float(after.decoder.blocks[2].att.proj.weight.abs().sum()), 0.0)  # it learns


if __name__ == '__main__':
    unittest.main()
