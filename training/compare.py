"""Checkpoints side by side on held-out English, per rate, with the quality report's judge and metrics:
Whisper WER (Whisper base), PESQ, STOI, gross pitch error, log-mel distance, pocketsphinx WER and
phone agreement (the model's own recogniser on original vs decoded).

For A/B runs forked from one checkpoint (e.g. a loss term on or off for the same minutes).

  .venv/bin/python -m training.compare --files 60 --rates 6.25 12.5 A=runs/x/codec.pt B=runs/y/codec.pt

After the table, every checkpoint but the first is set against the first at each rate: Whisper
WER and STOI differences with the 95 % interval of a paired bootstrap over the files
(training/eval/bootstrap.py). An interval that spans 0 is a difference these files cannot tell
from noise; with the default 60 files that is about ±4 Whisper-WER points at 12.5 Hz.

--spectrograms PATH also draws the first file, original and each checkpoint at each rate, as the
quality report draws its codecs (what the numbers do not show: which harmonics are left).
"""
import argparse
import json
import sys

import torch

from training.curve import Judges, decode_at_rate, score_snapshot
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.bootstrap import paired_difference
from training.checkpoint import load_codec


def main():
    p = argparse.ArgumentParser()
    p.add_argument('checkpoints', nargs='+', help='NAME=PATH')
    p.add_argument('--files', type=int, default=heldout.DEFAULT_FILE_COUNT)
    p.add_argument('--rates', type=float, nargs='+', default=[6.25])
    p.add_argument('--threads', type=int, default=2, help='torch threads (1 beside a training run)')
    p.add_argument('--spectrograms', default='', help='PNG of the first file decoded by each checkpoint at each rate')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    judges = Judges()
    print('| checkpoint | step | rate Hz | Whisper WER % | without runaway transcripts | PESQ | STOI | gross pitch error | periodicity | periodicity 1.5-4 kHz | log-mel dist | phone agreement | pocketsphinx WER % |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    first = read_wav_at(items[0].wav, 16000).astype('float32')
    panels = [(f'original ({items[0].stem})', first)]
    scored = []
    for spec in a.checkpoints:
        name, path = spec.split('=', 1)
        loaded = load_codec(path)  # once for all its rates
        for rate in a.rates:
            r = score_snapshot(path, items, rate, judges, loaded, per_file=True)
            scored.append((name, rate, r.pop('per_file')))
            print(f"| {name} | {r['step']} | {rate} | {r['whisper_wer']} | {r['whisper_wer_steady']} | {r['pesq']} | {r['stoi']} | {r['gpe']} | {r['periodicity']} | {r['periodicity_high']} | "
                  f"{r['log_mel']} | {r['phone_agree']} | {r['wer'] if r['wer'] is not None else '-'} |", flush=True)
            print(json.dumps({'name': name, **r}), file=sys.stderr)
            if a.spectrograms:
                panels.append((f'{name} at {rate:g} Hz', decode_at_rate(loaded[0], first, rate)))
    print_paired(scored)
    if a.spectrograms:
        from training.eval.report_plot import plot_spectrograms

        plot_spectrograms(panels, 16000, a.spectrograms)


def paired_rows(scored):
    """(name, control, rate, Whisper WER (points, low, high) or None, STOI (difference, low, high)) of
    each checkpoint against the first one scored at the same rate, on the same files."""
    controls, rows = {}, []
    for name, rate, files in scored:
        if rate not in controls:
            controls[rate] = (name, files)
            continue
        control, base = controls[rate]
        wer = None
        if files['whisper_words'] and base['whisper_words']:
            wer = tuple(100.0 * v for v in paired_difference(files['whisper_errors'], base['whisper_errors'],
                                                             files['whisper_words'], base['whisper_words']))
        rows.append((name, control, rate, wer, paired_difference(files['stoi'], base['stoi'])))
    return rows


def print_paired(scored):
    rows = paired_rows(scored)
    if not rows:
        return
    print()
    print('| checkpoint − control | rate Hz | Whisper WER points (95 % interval) | STOI (95 % interval) |')
    print('|---|---|---|---|')
    for name, control, rate, wer, stoi in rows:
        w = '-' if wer is None else f'{wer[0]:+.1f} ({wer[1]:+.1f} to {wer[2]:+.1f})'
        print(f'| {name} − {control} | {rate} | {w} | {stoi[0]:+.4f} ({stoi[1]:+.4f} to {stoi[2]:+.4f}) |', flush=True)


if __name__ == '__main__':
    main()
