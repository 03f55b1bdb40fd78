"""Do merge boundaries fall where phones change? Compares candidate 12.5 Hz features for the merge.

On held-out synthetic speech with phone timings (the 'valid' split of the festival voices), each
candidate's frames are merged at the same average rate (tau found per utterance, as the runtime
does), and we count:
  purity    - of the adjacent frame pairs merged into one segment, the share whose dominant phone
              is the same (merging across a phone change loses it);
  precision - of the segment boundaries, the share at a frame where the dominant phone changes
              (exact frame) or within +-1 frame;
  recall    - of the dominant-phone changes, the share with a boundary there (exact / +-1).
Candidates: the phone-trained semantic front end, the acoustic stream, log-mel means centred on
the utterance, the model's merge stream when it is log-mel centred on the corpus mean (shipped),
and fixed-length segments (the paper's fixed-rate baseline), plus any precomputed 12.5 Hz features
given as `--features NAME=DIR` (DIR/<utterance path>.npy, T x D), e.g. openWakeWord's speech
embedding from training/openwakeword/features.ts.

  /usr/bin/python3 -m training.boundaries --ckpt CKPT --limit 120 --features openwakeword=DIR --out docs/boundaries.json
"""
import argparse
import json
import os

import numpy as np
import soundfile as sf
import torch

from training.dataset import build_vocab, phone_targets, read_manifest
from training.checkpoint import load_codec
from training.segments import fixed_flags, flags_at_rate, merge_numpy


def score(flags, dominant):
    change = np.zeros_like(flags)
    change[1:] = dominant[1:] != dominant[:-1]
    b = flags.copy()
    b[0] = False
    merged = ~flags[1:]
    near = lambda m: m | np.roll(m, 1) | np.roll(m, -1)  # noqa: E731
    return {
        'merged_pairs': int(merged.sum()),
        'pure_pairs': int((merged & ~change[1:]).sum()),
        'boundaries': int(b.sum()),
        'hits_exact': int((b & change).sum()),
        'hits_near': int((b & near(change)).sum()),
        'changes': int(change.sum()),
        'found_exact': int((change & b).sum()),
        'found_near': int((change & near(b)).sum()),
    }


def summarise(total):
    return {
        'purity': total['pure_pairs'] / max(1, total['merged_pairs']),
        'precision_exact': total['hits_exact'] / max(1, total['boundaries']),
        'precision_pm1': total['hits_near'] / max(1, total['boundaries']),
        'recall_exact': total['found_exact'] / max(1, total['changes']),
        'recall_pm1': total['found_near'] / max(1, total['changes']),
    }


def load_features(spec):
    """'name=dir' pairs -> {name: dir}."""
    out = {}
    for item in spec:
        name, _, path = item.partition('=')
        if not name or not path:
            raise SystemExit(f'--features wants NAME=DIR, got {item!r}')
        out[name] = path
    return out


def evaluate(ckpt, corpus, rate, limit, features=None):
    m, _ = load_codec(ckpt)
    rows = read_manifest(corpus, 'valid', with_phones=True)[:limit]
    vocab = build_vocab(rows)
    features = features or {}
    shipped = ['merge stream'] if m.c.merge_on == 'log-mel' else []  # log-mel less the corpus mean
    names = ['semantic', 'acoustic', 'log-mel', *shipped, *features, 'fixed-rate']
    totals = {n: {} for n in names}
    for r in rows:
        x, _ = sf.read(os.path.join(corpus, r['file']), dtype='float32')
        x = x[: len(x) // 1280 * 1280]
        if len(x) < 1280 * 8:
            continue
        with torch.no_grad():
            mel = m.mel(torch.from_numpy(x)[None])
            sem, ac = m.semantic(mel)[0].numpy(), m.acoustic(mel)[0].numpy()
        T = sem.shape[0]
        melf = mel[0].numpy().T.reshape(T, 8, -1).mean(1)
        dominant = phone_targets(r['phones'], 0.0, T, vocab).argmax(1)
        cands = {'semantic': flags_at_rate(sem, rate, 8), 'acoustic': flags_at_rate(ac, rate, 8),
                 'log-mel': flags_at_rate(melf - melf.mean(0), rate, 8), 'fixed-rate': fixed_flags(T, rate)}
        if shipped:
            cands['merge stream'] = flags_at_rate(melf - m.mel_centre.numpy(), rate, 8)
        for name, folder in features.items():
            extra = np.load(os.path.join(folder, os.path.splitext(r['file'])[0] + '.npy'))
            if extra.shape[0] != T:
                raise SystemExit(f'{name}: {r["file"]} has {extra.shape[0]} frames, the codec {T}')
            cands[name] = flags_at_rate(extra, rate, 8)
        for n, f in cands.items():
            for k, v in score(f, dominant).items():
                totals[n][k] = totals[n].get(k, 0) + v
    return {n: {k: round(v, 4) for k, v in summarise(t).items()} for n, t in totals.items()}, len(rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--rates', default='3,6.25,8.33')
    p.add_argument('--limit', type=int, default=200)
    p.add_argument('--out', default='')
    p.add_argument('--features', action='append', default=[], help='NAME=DIR of precomputed T x D .npy features')
    a = p.parse_args()
    features = load_features(a.features)
    result = {}
    for rate in [float(r) for r in a.rates.split(',')]:
        res, n = evaluate(a.ckpt, a.corpus, rate, a.limit, features)
        result[str(rate)] = res
        print(f'rate {rate} Hz over {n} utterances')
        for name, s in res.items():
            print(f'  {name:11s} ' + '  '.join(f'{k} {v:.3f}' for k, v in s.items()))
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
