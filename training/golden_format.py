"""The golden tensors' files, which test/models-golden.test.ts reads: golden.bin (the tensors' bytes
one after another) and golden.json (`meta` plus each tensor's dtype, shape and byte offset). Written
by training/v3/golden.py (and by the earlier family's training/export.py, retired; commit 1215a19)."""
import json
import os

import numpy as np


def write(out_dir: str, tensors: dict, meta: dict):
    """tensors: name -> float32 or int32 array, in the order they are stored."""
    os.makedirs(out_dir, exist_ok=True)
    meta = {**meta, 'tensors': {}}
    offset = 0
    with open(os.path.join(out_dir, 'golden.bin'), 'wb') as f:
        for name, arr in tensors.items():
            arr = np.ascontiguousarray(arr)
            assert arr.dtype in (np.float32, np.int32), (name, arr.dtype)
            f.write(arr.tobytes())
            meta['tensors'][name] = {'dtype': str(arr.dtype), 'shape': list(arr.shape), 'offset': offset}
            offset += arr.nbytes
    with open(os.path.join(out_dir, 'golden.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')
