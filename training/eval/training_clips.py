"""LJ Speech clips of the training corpus, with their texts: what a study reads when a design choice
must not be tuned on the held-out set (training.studies.motion_sensitivity)."""
import os
import random

from training.dataset import read_manifest
from training.eval.heldout import REPO_ROOT, Item

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
