"""Checkpoints: loading the earlier codec family (training/model.py `Codec`: run checkpoints and the
compact fp16 files of training/checkpoints/), and compacting a run to weights only."""
import json
import os

import torch

from training.model import Codec, Config


def load_codec(ckpt_path):
    ck = torch.load(ckpt_path, map_location='cpu')
    cfg = ck.get('config')
    if cfg is None:
        with open(os.path.join(os.path.dirname(ckpt_path), 'config.json')) as f:
            cfg = json.load(f)
    m = Codec(Config(**cfg))
    state = {k: v.float() for k, v in ck['model'].items()}
    state.setdefault('mel_centre', torch.zeros(m.c.n_mels))  # older models merge on 'semantic' and lack it
    m.load_state_dict(state)
    m.eval()
    return m, ck


def compact_run(ckpt_path, out_path):
    """A run checkpoint ({'model', 'config', 'step', 'seconds', ...}) as weights only in fp16, without
    the optimiser: what a new machine resumes from with `--init` (v3 and the feature decoder)."""
    ck = torch.load(ckpt_path, map_location='cpu')
    model = {k: v.half() if v.is_floating_point() else v for k, v in ck['model'].items()}
    torch.save({'model': model, 'config': ck['config'], 'step': ck['step'], 'seconds': ck['seconds']}, out_path)
