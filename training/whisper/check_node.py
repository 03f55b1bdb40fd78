"""Check the exported files in onnxruntime-node and onnxruntime-web (WASM, in Node) against the
PyTorch features: 30 s of LJ Speech (clips 0-5 joined) as one window.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.check_node --dir training/runs/whisper
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import torch

from training.whisper.asr_features import MAX_WINDOW_SAMPLES, AsrFeatures
from training.whisper.check_onnx import FILES
from training.whisper.window_study import load_clips, make_stream, run

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check_node.mjs')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dir', default='training/runs/whisper')
    a = p.parse_args()
    torch.set_num_threads(2)
    audio = make_stream(load_clips(8), MAX_WINDOW_SAMPLES / 16000)
    ref = run(AsrFeatures().eval(), audio)
    with tempfile.TemporaryDirectory() as d:
        audio.astype('<f4').tofile(os.path.join(d, 'audio.f32'))
        ref.astype('<f4').tofile(os.path.join(d, 'ref.f32'))
        for name in FILES:
            print(name, flush=True)
            subprocess.run(['node', SCRIPT, os.path.join(a.dir, name), os.path.join(d, 'audio.f32'),
                            os.path.join(d, 'ref.f32')], check=True)


if __name__ == '__main__':
    main()
