"""The corpus's manifest (training/data/corpus/manifest.jsonl, data/README.md): one row per utterance.

(The earlier family's in-memory corpus, phone targets and augmentation lived here too; retired with
that family, their code is in commit 1215a19.)
"""
import json
import os


def read_manifest(corpus_dir, split=None, with_phones=False):
    """The manifest's rows, as dicts; only those of `split` if given, only those with phone timings
    if `with_phones`."""
    rows = []
    with open(os.path.join(corpus_dir, 'manifest.jsonl')) as f:
        for line in f:
            r = json.loads(line)
            if split and r.get('split') != split:
                continue
            if with_phones and not r.get('phones'):
                continue
            rows.append(r)
    return rows
