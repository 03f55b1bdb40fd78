"""Smoke test of the whole training pipeline: a tiny config trains a few steps of each stage on a
synthetic corpus, resumes, and exports ONNX + models.json that onnx's checker accepts."""
import json
import os
import tempfile
import time
import unittest

import onnx
import torch

from training import export, train
from training.tests.synthetic_corpus import write_corpus


class SmokeTest(unittest.TestCase):
    def test_train_resume_export(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, out = os.path.join(d, 'corpus'), os.path.join(d, 'run'), os.path.join(d, 'models')
            write_corpus(corpus, utterances=4)
            common = ['--run', run, '--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2']
            train.main(['--stage', 'semantic', '--max-steps', '2', *common])
            train.main(['--stage', 'codec', '--max-steps', '2', *common])
            train.main(['--stage', 'codec', '--max-steps', '3', *common])  # resumes at step 2
            with open(os.path.join(run, 'log.jsonl')) as f:
                codec_steps = [json.loads(line)['step'] for line in f if '"codec"' in line]
            self.assertEqual(codec_steps[-1], 3)
            # learning-curve snapshots: where the codec stage started, and each finished schedule
            snaps = sorted(os.listdir(os.path.join(run, 'snapshots')))
            self.assertEqual(snaps, ['codec-step000000.pt', 'codec-step000002.pt', 'codec-step000003.pt'])
            # a driver's chain of processes: each stops at its own time limit, the schedule at its
            # fixed start's budget, whatever --max-steps allows
            ckpt = os.path.join(run, 'codec.pt')
            train.main(['--stage', 'codec', '--max-steps', '10', '--process-minutes', '1e-9', *common])
            self.assertEqual(torch.load(ckpt)['step'], 3)
            spent = str(time.time() - 120)
            train.main(['--stage', 'codec', '--max-steps', '10', '--minutes', '1', '--schedule-start', spent, *common])
            self.assertEqual(torch.load(ckpt)['step'], 3)
            train.main(['--stage', 'codec', '--max-steps', '4', '--minutes', '1', '--schedule-start', str(time.time()),
                        *common])
            self.assertEqual(torch.load(ckpt)['step'], 4)
            wav = os.path.join(corpus, 'wav', 'synth', 'u0.wav')
            m = export.export(os.path.join(run, 'codec.pt'), out, [wav], wav, os.path.join(d, 'golden'))
            for name in ['encoder', 'quantizer', 'decoder']:
                onnx.checker.check_model(onnx.load(os.path.join(out, f'{name}.onnx')))
                self.assertEqual(len(m['models'][name]['sha256']), 64)
            self.assertEqual(m['codeGroups'] * m['bitsPerCode'], 84)
            self.assertEqual(m['tauCalibration'][0], {'tau': 1.0, 'rateHz': 12.5})


if __name__ == '__main__':
    unittest.main()
