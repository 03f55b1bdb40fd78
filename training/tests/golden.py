"""Reads the golden tensors `training.export.write_golden` writes (golden.json + golden.bin)."""
import json
import os

import numpy as np


def read_golden(folder):
    """-> (meta, {name: writable array}) of folder/golden.json and folder/golden.bin."""
    with open(os.path.join(folder, 'golden.json')) as f:
        meta = json.load(f)
    with open(os.path.join(folder, 'golden.bin'), 'rb') as f:
        raw = f.read()
    tensors = {k: np.frombuffer(raw, v['dtype'], int(np.prod(v['shape'])), v['offset']).reshape(v['shape']).copy()
               for k, v in meta['tensors'].items()}
    return meta, tensors
