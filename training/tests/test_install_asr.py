"""training/whisper/install_asr.py: the shipped asr.onnx is put in place only when models.json's
sha256 says it is the right file."""
import json
import os
import tempfile
import unittest

from training.manifest import sha256
from training.whisper.install_asr import install


def models_dir(d, asr_bytes=None):
    models = {'decoder': {'file': 'decoder.onnx'}}
    if asr_bytes is not None:
        with open(f'{d}/made.onnx', 'wb') as f:
            f.write(asr_bytes)
        models['asr'] = {'file': 'asr.onnx', 'sha256': sha256(f'{d}/made.onnx')}
    os.makedirs(f'{d}/models')
    with open(f'{d}/models/models.json', 'w') as f:
        json.dump({'models': models}, f)
    return f'{d}/models'


class InstallAsr(unittest.TestCase):
    def test_a_model_without_asr_needs_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(install(models_dir(d)))
            self.assertEqual(os.listdir(f'{d}/models'), ['models.json'])

    def test_copies_the_export_named_by_its_sha256_and_refuses_another(self):
        with tempfile.TemporaryDirectory() as d:
            models = models_dir(d, b'the exported encoder')
            with open(f'{d}/other.onnx', 'wb') as f:
                f.write(b'another export')
            with self.assertRaisesRegex(SystemExit, 'sha256 .* but .*models.json names asr.onnx'):
                install(models, f'{d}/other.onnx')
            self.assertFalse(os.path.exists(f'{models}/asr.onnx'))
            self.assertEqual(install(models, f'{d}/made.onnx'), f'{models}/asr.onnx')
            with open(f'{models}/asr.onnx', 'rb') as f:
                self.assertEqual(f.read(), b'the exported encoder')
            # in place and right: nothing is exported again (the other file is not even read)
            self.assertEqual(install(models, f'{d}/other.onnx'), f'{models}/asr.onnx')


if __name__ == '__main__':
    unittest.main()
