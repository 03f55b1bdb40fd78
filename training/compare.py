"""Checkpoints side by side on held-out English, per rate, with the quality report's judge and metrics:
Whisper WER (Whisper base), PESQ, STOI, gross pitch error, log-mel distance, pocketsphinx WER and
phone agreement (the model's own recogniser on original vs decoded).

For A/B runs forked from one checkpoint (e.g. a loss term on or off for the same minutes).

  .venv/bin/python -m training.compare --files 16 --rates 6.25 12.5 A=runs/x/codec.pt B=runs/y/codec.pt
"""
import argparse
import json
import sys

import torch

from training.curve import Judges, score_snapshot
from training.eval import heldout


def main():
    p = argparse.ArgumentParser()
    p.add_argument('checkpoints', nargs='+', help='NAME=PATH')
    p.add_argument('--files', type=int, default=16)
    p.add_argument('--rates', type=float, nargs='+', default=[6.25])
    p.add_argument('--threads', type=int, default=2, help='torch threads (1 beside a training run)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    judges = Judges()
    print('| checkpoint | step | rate Hz | Whisper WER % | without runaway transcripts | PESQ | STOI | gross pitch error | periodicity | periodicity 1.5-4 kHz | log-mel dist | phone agreement | pocketsphinx WER % |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for spec in a.checkpoints:
        name, path = spec.split('=', 1)
        for rate in a.rates:
            r = score_snapshot(path, items, rate, judges)
            print(f"| {name} | {r['step']} | {rate} | {r['whisper_wer']} | {r['whisper_wer_steady']} | {r['pesq']} | {r['stoi']} | {r['gpe']} | {r['periodicity']} | {r['periodicity_high']} | "
                  f"{r['log_mel']} | {r['phone_agree']} | {r['wer'] if r['wer'] is not None else '-'} |", flush=True)
            print(json.dumps({'name': name, **r}), file=sys.stderr)


if __name__ == '__main__':
    main()
