"""Loading the earlier codec family (training/model.py `Codec`): run checkpoints and the compact
fp16 files of training/checkpoints/. (v3's are training/v3/train.py `load` and v3/run.py.)"""
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

