"""How much of the code space a model uses: the entropy of each FSQ channel over the segments of
held-out English at one rate.

A channel near log2(levels) bits carries all it can, so new information (e.g. sub-frame detail)
can only come in by displacing what is there. Marginal entropies only: a group's joint code has
4096 values, too many to estimate from a few thousand segments.

  /usr/bin/python3 -m training.code_usage --ckpt training/runs/main/codec.pt --files 30 --rate 12.5
"""
import argparse
import json

import numpy as np
import torch

from training.curve import quantize_at_rate
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.checkpoint import load_codec


def entropy_bits(values, levels):
    """values (N,) ints in [0, levels) -> empirical entropy in bits."""
    p = np.bincount(np.asarray(values, np.int64), minlength=levels) / max(1, len(values))
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def usage(digits, levels):
    """digits (N, channels) ints in [0, levels) -> per-channel entropy (bits) and its bound."""
    channels = [entropy_bits(digits[:, j], levels) for j in range(digits.shape[1])]
    return {'segments': int(len(digits)), 'channel_bits': [round(h, 3) for h in channels],
            'channel_bound': round(float(np.log2(levels)), 3)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--files', type=int, default=30)
    p.add_argument('--rate', type=float, default=12.5)
    a = p.parse_args()
    torch.set_num_threads(2)
    m, _ = load_codec(a.ckpt)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    digits = np.concatenate([quantize_at_rate(m, read_wav_at(it.wav, 16000).astype(np.float32), a.rate)[1].numpy()
                             for it in items]).astype(np.int64)
    u = usage(digits, m.c.fsq_levels)
    print(json.dumps(u))
    print(f"{u['segments']} segments at {a.rate} Hz: {sum(u['channel_bits']):.1f} of "
          f"{u['channel_bound'] * len(u['channel_bits']):.0f} bits a segment (sum of marginal channel entropies)")


if __name__ == '__main__':
    main()
