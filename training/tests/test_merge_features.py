"""training/whisper/merge_features.py: use_onnx switches the encoder the features come from
(evaluate.py --asr-onnx), and refuses a file that is not there."""
import os
import unittest
from unittest import mock

import numpy as np

from training.whisper import merge_features

SHIPPED = 'public/models/asr.onnx'  # .ci/setup exports it (training/whisper/install_asr.py)


class UseOnnx(unittest.TestCase):
    def test_refuses_a_missing_file(self):
        with self.assertRaisesRegex(SystemExit, 'no-such.onnx: no such ONNX file'):
            merge_features.use_onnx('no-such.onnx')

    @unittest.skipUnless(os.path.exists(SHIPPED), f'{SHIPPED} not exported (.ci/setup)')
    def test_features_come_from_the_named_file(self):
        x = np.random.default_rng(0).standard_normal(1280 * 12).astype(np.float32) * 0.1
        with mock.patch.object(merge_features, '_runner', None):
            merge_features.use_onnx(SHIPPED)
            named = merge_features._runner
            f = merge_features.asr_features(x)
            self.assertIs(merge_features._runner, named)  # asr_features kept the named runner
        self.assertEqual(f.shape, (12, 384))
        self.assertTrue(np.isfinite(f).all())


if __name__ == '__main__':
    unittest.main()
