"""Is the codec's word loss a held-out problem? Scores a checkpoint on LJ Speech clips it trained
on, with the held-out judge and metrics (training.curve.score_snapshot), and the originals' Whisper
WER beside it. If the words are as lost on training clips as on held-out ones, the gap is what the
model has learnt, not how far it generalises.

  .venv/bin/python -m training.eval.train_domain_study --ckpt training/checkpoints/flexicodec-pitch-fp16.pt
"""
import argparse
import json
import os
import random

import numpy as np
import torch

from training.curve import Judges, score_snapshot
from training.dataset import read_manifest
from training.eval.audio import read_wav_at
from training.eval.heldout import REPO_ROOT, Item
from training.eval.whisper_judge import whisper_wer

# ../shared/data/ljspeech-364 (training/data/shared_speech.py reads its audio into the corpus)
LJSPEECH_METADATA = REPO_ROOT.parent / 'shared' / 'data' / 'ljspeech-364' / 'metadata.csv'


def training_items(corpus, files, seed=0):
    """`files` LJ Speech clips of the corpus's train split (as training saw them), with their texts."""
    texts = dict(line.split('|', 1) for line in LJSPEECH_METADATA.read_text(encoding='utf-8').splitlines() if '|' in line)
    rows = [r for r in read_manifest(corpus, 'train') if r['speaker'] == 'ljspeech']
    random.Random(seed).shuffle(rows)
    items = []
    for r in rows[:files]:
        stem = os.path.splitext(os.path.basename(r['file']))[0]
        items.append(Item(stem, os.path.join(corpus, r['file']), r['duration_s'], texts[stem].strip()))
    return items


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--files', type=int, default=30)
    p.add_argument('--rates', type=float, nargs='+', default=[12.5, 6.25])
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    items = training_items(a.corpus, a.files)
    judges = Judges()
    originals = [judges.whisper.transcribe(read_wav_at(it.wav, 16000).astype(np.float32)) for it in items]
    print(json.dumps({'clips': 'originals', 'files': len(items),
                      'whisper_wer': round(whisper_wer([it.text for it in items], originals), 1)}), flush=True)
    for rate in a.rates:
        print(json.dumps({'clips': 'decoded', **score_snapshot(a.ckpt, items, rate, judges)}), flush=True)


if __name__ == '__main__':
    main()
