"""training/whisper/merge_features.py: use_onnx switches the encoder the features come from
(evaluate.py --asr-onnx), and refuses a file that is not there."""
import unittest
from unittest import mock

import numpy as np

from training.whisper import merge_features


class UseOnnx(unittest.TestCase):
    def test_refuses_a_missing_file(self):
        with self.assertRaisesRegex(SystemExit, 'no-such.onnx: no such ONNX file'):
            merge_features.use_onnx('no-such.onnx')

    def test_features_come_from_the_named_file(self):
        def window(x):  # a stand-in encoder: 7 everywhere, one row per 1280-sample frame
            return np.full((len(x) // 1280, 384), 7, np.float32)

        named = __file__  # any file that exists; the runner that would read it is the stand-in
        with mock.patch.object(merge_features, '_runner', None), \
                mock.patch.object(merge_features.features, 'window_runner', return_value=window) as runner:
            merge_features.use_onnx(named)
            f = merge_features.asr_features(np.zeros(1280 * 12, np.float32))
        runner.assert_called_once_with(named, raw=False, use_torch=False)
        self.assertEqual(f.shape, (12, 384))
        self.assertTrue((f == 7).all())


if __name__ == '__main__':
    unittest.main()
