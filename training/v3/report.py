"""The held-out A/B tables of training/v3/evaluate.py's `--report`: every condition's rows under one
folder (<out>/<condition>-<rate>.json, one row a file), with 95 % bootstrap intervals over files,
and each condition paired with the earlier family's decoder ('shipped') at the same rate.

The rows of 'original', 'fargan' and 'shipped' were scored by the feature decoder study
(docs/FEATURE_DECODER.md) and are kept in training/runs/featdec/eval.
"""
import json
import os

import numpy as np

from training.eval.bootstrap import paired_difference, ratio_interval

# Conditions that do not depend on the rate.
RATE_FREE = ('original', 'fargan')


def fmt_interval(point, low, high, scale=1.0, digits=1):
    return f'{scale * point:.{digits}f} [{scale * low:.{digits}f}, {scale * high:.{digits}f}]'


def report(out, baseline='shipped'):
    """Markdown tables of every condition scored under `out`, with bootstrap intervals; the paired
    differences are against `baseline` (a condition name) at the same rate."""
    runs = {}
    for name in sorted(os.listdir(out)):
        if name.endswith('.json') and name != 'whisper_cache.json':
            with open(os.path.join(out, name)) as f:
                r = json.load(f)
            runs[(r['condition'], r['rate_hz'])] = r
    lines = ['| condition | rate Hz | files | Whisper WER % [95 % CI] | runaways | STOI [95 % CI] | ESTOI | PESQ wb | gross pitch error | log-mel dist |',
             '|---|---:|---:|---|---:|---|---:|---:|---:|---:|']
    order = ['original', 'fargan', 'shipped', 'featdec', 'featdec-coded', 'featdec-gv']
    keys = sorted(runs, key=lambda k: (-k[1], order.index(k[0]) if k[0] in order else 99))
    for key in keys:
        rows = runs[key]['rows']
        err = [r['whisper_errors'] for r in rows]
        words = [r['whisper_words'] for r in rows]
        stoi = [r['stoi'] for r in rows]
        wer = 100 * sum(err) / sum(words)
        lo, hi = ratio_interval(err, words)
        slo, shi = ratio_interval(stoi)
        mean = lambda k: np.nanmean([r[k] for r in rows if r.get(k) is not None])
        lines.append(f"| {key[0]} | {key[1]:g} | {len(rows)} | {fmt_interval(wer / 100, lo, hi, 100)} | "
                     f"{sum(r['runaway'] for r in rows)} | {fmt_interval(np.mean(stoi), slo, shi, 1, 3)} | "
                     f"{mean('estoi'):.3f} | {mean('pesq'):.2f} | {mean('gpe'):.3f} | {mean('log_mel'):.3f} |")
    lines += ['', f'| rate Hz | condition − {baseline} | Whisper WER points [95 % CI] | STOI [95 % CI] | PESQ [95 % CI] |',
              '|---:|---|---|---|---|']
    for (cond, rate), r in sorted(runs.items(), key=lambda kv: -kv[0][1]):
        base = runs.get((baseline, rate))
        if cond == baseline or base is None:
            continue
        a, b = r['rows'], base['rows']
        if [x['stem'] for x in a] != [x['stem'] for x in b]:
            continue
        col = lambda rows, k: [x[k] for x in rows]
        w = paired_difference(col(a, 'whisper_errors'), col(b, 'whisper_errors'), col(a, 'whisper_words'), col(b, 'whisper_words'))
        s = paired_difference(col(a, 'stoi'), col(b, 'stoi'))
        p = paired_difference(col(a, 'pesq'), col(b, 'pesq'))
        lines.append(f'| {rate:g} | {cond} | {fmt_interval(*w, 100)} | {fmt_interval(*s, 1, 3)} | {fmt_interval(*p, 1, 2)} |')
    # the rate-free conditions against the shipped decoder at each rate
    for rate in sorted({k[1] for k in runs if k[0] == baseline}, reverse=True):
        for cond in RATE_FREE:
            r, base = runs.get((cond, 0.0)), runs[(baseline, rate)]
            if r is None or [x['stem'] for x in r['rows']] != [x['stem'] for x in base['rows']]:
                continue
            a, b = r['rows'], base['rows']
            col = lambda rows, k: [x[k] for x in rows]
            w = paired_difference(col(a, 'whisper_errors'), col(b, 'whisper_errors'), col(a, 'whisper_words'), col(b, 'whisper_words'))
            s = paired_difference(col(a, 'stoi'), col(b, 'stoi'))
            p = paired_difference(col(a, 'pesq'), col(b, 'pesq'))
            lines.append(f'| {rate:g} | {cond} (uncoded) | {fmt_interval(*w, 100)} | {fmt_interval(*s, 1, 3)} | {fmt_interval(*p, 1, 2)} |')
    return '\n'.join(lines)
