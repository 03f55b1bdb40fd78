"""Write the compact, weights-only fp16 checkpoint that is committed so a new machine resumes training.

  /usr/bin/python3 -m training.compact --ckpt training/runs/main/codec.pt --out training/checkpoints/flexicodec-fp16.pt
Resume with: python3 -m training.train --stage codec --run training/runs/NEW --init <out>
"""
import argparse
import dataclasses
import os

import torch

from training.checkpoint import load_codec


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--out', default='training/checkpoints/flexicodec-fp16.pt')
    a = p.parse_args()
    m, ck = load_codec(a.ckpt)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    torch.save({'model': {k: v.half() for k, v in m.state_dict().items()}, 'config': dataclasses.asdict(m.c),
                'vocab': ck.get('vocab'), 'step': ck.get('step', 0), 'seconds': ck.get('seconds', 0.0)}, a.out)
    print(f'{a.out}: {os.path.getsize(a.out) / 1e6:.1f} MB, step {ck.get("step")}')


if __name__ == '__main__':
    main()
