"""The GPU path: training/gpu/pack_v3.py writes a feature pack under its byte cap in the layout
training/v3/data.py's FeatureCache reads, and run_on_device.sh refuses a budget over 9 minutes."""
import os
import subprocess
import tempfile
import unittest

import numpy as np

from training.gpu import pack_v3
from training.v3.data import FeatureCache

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class GpuPackV3Test(unittest.TestCase):
    def test_pack_fits_and_loads(self):
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as d:
            cache, out = os.path.join(d, 'cache'), os.path.join(d, 'pack')
            os.makedirs(cache)
            for split, n in (('train', 40), ('valid', 3)):
                frames = rng.integers(32, 80, n)
                offsets = np.concatenate([[0], np.cumsum(frames)])
                np.savez(os.path.join(cache, f'{split}.npz'), offsets=offsets, speech_frames=frames * 0.9,
                         f0=rng.uniform(0, 300, 8 * offsets[-1]).astype(np.float32),
                         lpcnet=rng.standard_normal((8 * offsets[-1], 20)).astype(np.float32))
            s = pack_v3.build(cache, out, 300_000)
            self.assertLessEqual(s['bytes'], 300_000)
            self.assertGreater(s['train_utterances'], 3)
            self.assertLess(s['train_utterances'], 40)
            c = FeatureCache(os.path.join(out, 'train.npz'))
            _, _, f0, lpc = c.batch(np.random.default_rng(1), 2, 32)
            self.assertEqual(tuple(lpc.shape), (2, 256, 20))
            self.assertEqual(f0.shape, (2, 256))
            with self.assertRaises(SystemExit):  # never replaces a folder that is not a pack
                pack_v3.build(cache, cache, 300_000)


class RunOnDeviceTest(unittest.TestCase):
    def test_script_refuses_over_nine_minutes(self):
        with tempfile.TemporaryDirectory() as d:
            for minutes in ['9.5', '10', 'x', '0']:
                p = subprocess.run(['bash', os.path.join(ROOT, 'training', 'gpu', 'run_on_device.sh'), minutes],
                                   capture_output=True, text=True, env=dict(os.environ, OUT=d))
                self.assertEqual(p.returncode, 2, (minutes, p.stderr))

    def test_script_refuses_the_retired_family(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(['bash', os.path.join(ROOT, 'training', 'gpu', 'run_on_device.sh'), '1'],
                               capture_output=True, text=True, env=dict(os.environ, OUT=d, FAMILY='codec'))
            self.assertEqual(p.returncode, 2, p.stderr)


if __name__ == '__main__':
    unittest.main()
