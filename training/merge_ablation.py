"""Which features should drive the merge? Decodes held-out English with one checkpoint at one average
rate, merging on each candidate feature, and reports STOI (the pooled means and the decoder are
the model's own in every case, so only where the boundaries fall differs).

  /usr/bin/python3 -m training.merge_ablation --ckpt CKPT --files 16 --rate 6.25
"""
import argparse
import json

import numpy as np
import torch

from training.curve import decode_at_rate
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.metrics import align
from training.eval.stoi import stoi
from training.export import load_codec


def candidates(m):
    """name -> merge_features(mel, merge stream) -> (T, D) numpy, or None for fixed-length segments."""
    def frames(mel):
        return m.frame_log_mel(mel)[0].numpy()

    centre = m.mel_centre.numpy()
    out = {
        'model merge stream': lambda mel, merge: merge[0].numpy(),
        'phone embedding': lambda mel, merge: m.semantic(mel)[0].numpy(),
        'log-mel, utterance-centred': lambda mel, merge: frames(mel) - frames(mel).mean(0),
        'log-mel, frame level removed': lambda mel, merge: frames(mel) - frames(mel).mean(1, keepdims=True),
        'fixed rate': None,
    }
    if centre.any():
        out['log-mel, corpus-centred'] = lambda mel, merge: frames(mel) - centre
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--files', type=int, default=16)
    p.add_argument('--rate', type=float, default=6.25)
    a = p.parse_args()
    torch.set_num_threads(2)
    m, ck = load_codec(a.ckpt)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    result = {'ckpt': a.ckpt, 'step': int(ck.get('step', 0)), 'merge_on': m.c.merge_on, 'rate_hz': a.rate,
              'files': len(items), 'stoi': {}}
    for name, feats in candidates(m).items():
        scores = []
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            y = decode_at_rate(m, x, a.rate, feats, fixed_rate=feats is None)
            y, _ = align(x[: len(y)], y, 16000)
            scores.append(stoi(x[: len(y)], y, 16000))
        result['stoi'][name] = round(float(np.nanmean(scores)), 4)
        print(f'{name:32s} STOI {result["stoi"][name]:.4f}', flush=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
