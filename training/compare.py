"""Checkpoints side by side on held-out English: STOI, log-mel distance, pocketsphinx WER and
phone agreement (the model's own recogniser on original vs decoded), per rate.

For A/B runs forked from one checkpoint (e.g. a loss term on or off for the same minutes).

  /usr/bin/python3 -m training.compare --files 16 --rates 6.25 12.5 A=runs/x/codec.pt B=runs/y/codec.pt
"""
import argparse
import json
import sys

import torch

from training.curve import score_snapshot
from training.eval import heldout
from training.eval.asr import Recognizer, pocketsphinx_available


def main():
    p = argparse.ArgumentParser()
    p.add_argument('checkpoints', nargs='+', help='NAME=PATH')
    p.add_argument('--files', type=int, default=16)
    p.add_argument('--rates', type=float, nargs='+', default=[6.25])
    a = p.parse_args()
    torch.set_num_threads(2)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    recognizer = Recognizer() if pocketsphinx_available() else None
    print('| checkpoint | step | rate Hz | STOI | log-mel dist | phone agreement | WER % |')
    print('|---|---|---|---|---|---|---|')
    for spec in a.checkpoints:
        name, path = spec.split('=', 1)
        for rate in a.rates:
            r = score_snapshot(path, items, rate, recognizer)
            print(f"| {name} | {r['step']} | {rate} | {r['stoi']} | {r['log_mel']} | {r['phone_agree']} | "
                  f"{r['wer'] if r['wer'] is not None else '-'} |", flush=True)
            print(json.dumps({'name': name, **r}), file=sys.stderr)


if __name__ == '__main__':
    main()
