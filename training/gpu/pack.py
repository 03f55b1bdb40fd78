"""A mini training corpus small enough to travel to a lent GPU machine (training/gpu/run_on_device.sh).

  /usr/bin/python3 -m training.gpu.pack [--max-mb auto|N] [--reserve-mb M] [--seed S]

Writes training/data/gpu-pack/ (git-ignored, so the device call must name it in `carry`): the layout
of training/data/corpus (manifest.jsonl with the same row fields, wav/<speaker>/<utt>.wav as 16 kHz
mono int16) holding a seeded random sample of the corpus's 'train' rows, plus pack.json (what was
taken). Never anything of the 'valid' split, the held-out set or the reserved sets.

Size: everything that travels to the device machine (tracked files, untracked files git does not
ignore, carried paths) must fit in 64 MiB together, and the tracked tree alone is ~52 MB (ONNX
models, two compact checkpoints), so `--max-mb auto` (the default) takes what is left of 64 MiB after
the tree, less a 1 MiB margin and `--reserve-mb` (room for another carried file, e.g. a 12.2 MB compact
--init checkpoint of a CPU run), and at most 50 MB.

Sampling: utterances are grouped into strata (source, speaker family such as `fest`, `sc`,
`klettres`, English or not); each stratum gets a share of the pack proportional to its share of the
corpus's training hours (what the training sampler sees, as it weights utterances by length), and
within a stratum the speakers take turns in a shuffled order, each with its utterances shuffled.
The Asterisk fr/it/ru prompt voices (`ast-*`) are training voices of the CPU corpus, but Asterisk's
English prompts are the held-out set, so they are left out unless `--with-asterisk-voices`.
"""
import argparse
import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys

import numpy as np
import soundfile as sf

TRAVEL_LIMIT = 64 * 2 ** 20  # the device tool's limit on the working tree plus carried paths
MARGIN = 2 ** 20
MAX_BYTES = 50_000_000
SAMPLE_RATE = 16000
MIN_SECONDS = 0.5  # training.dataset.Corpus drops shorter utterances
WAV_HEADER = 44
# Reserved/held-out material that must never be trained on (asterisk-core-sounds-en*, i.e. the Allison
# voice, pocketsphinx-testdata, codec2-examples, alsa-utils speech); none of it is in the manifest, checked anyway.
RESERVED = re.compile(r'allison|asterisk-core-sounds-en|en_us_f|pocketsphinx|codec2|alsa|heldout', re.I)
ASTERISK_SPEAKER = re.compile(r'^ast-')
MARKER = 'pack.json'


def stratum(row):
    family = row['speaker'].split('-')[0]
    return f"{row['source']}/{family}/{'en' if row['language'] == 'en' else 'other'}"


def eligible(row, with_asterisk=False):
    """Why a manifest row may not enter the pack ('' when it may)."""
    if row.get('split') != 'train':
        return 'not train'
    text = ' '.join(str(row.get(k, '')) for k in ('file', 'speaker', 'source'))
    if RESERVED.search(text) or not row['file'].startswith('wav/'):
        return 'reserved'
    if not with_asterisk and ASTERISK_SPEAKER.match(row['speaker']):
        return 'asterisk voice'
    if row.get('duration_s', 0) < MIN_SECONDS:
        return 'short'
    return ''


def choose(rows, max_audio_bytes, seed):
    """Seeded sample of rows within max_audio_bytes of wav (header + int16 samples), spread as the module says."""
    rng = random.Random(seed)
    strata = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows:
        strata[stratum(r)][r['speaker']].append(r)
    hours = {k: sum(r['duration_s'] for utts in spk.values() for r in utts) for k, spk in strata.items()}
    total = sum(hours.values()) or 1.0
    queues = {}
    for k in sorted(strata):
        speakers = sorted(strata[k])
        rng.shuffle(speakers)
        per = []
        for s in speakers:
            utts = sorted(strata[k][s], key=lambda r: r['file'])
            rng.shuffle(utts)
            per.append(utts)
        order = []  # speakers take turns
        for i in range(max(len(u) for u in per)):
            order += [u[i] for u in per if i < len(u)]
        queues[k] = collections.deque(order)
    taken = {k: 0.0 for k in queues}
    picked, used = [], 0
    while queues:
        # the stratum furthest below its share of the corpus's hours goes next (random among ties)
        k = min(queues, key=lambda k: (taken[k] / hours[k] * total, rng.random()))
        r = queues[k].popleft()
        if not queues[k]:
            del queues[k]
        size = WAV_HEADER + 2 * int(round(r['duration_s'] * SAMPLE_RATE))
        if used + size > max_audio_bytes:
            continue  # too big for what is left; shorter ones may still fit
        picked.append(r)
        used += size
        taken[k] += r['duration_s']
    return picked


def travel_bytes(repo, skip=()):
    """Bytes of what the device tool sends besides `carry`: tracked files and untracked files git does not ignore."""
    out = subprocess.run(['git', '-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                         check=True, capture_output=True).stdout
    skip = [os.path.normpath(s) + os.sep for s in skip]
    total = 0
    for name in sorted(set(out.decode().split('\0')) - {''}):
        if any((name + os.sep).startswith(s) or name.startswith(s) for s in skip):
            continue
        try:
            total += os.lstat(os.path.join(repo, name)).st_size
        except FileNotFoundError:  # deleted in the work tree
            pass
    return total


def dir_bytes(d):
    return sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(d) for f in fs)


def build_pack(corpus, out, max_bytes, seed=0, with_asterisk=False):
    """Write the pack to `out` (replacing an earlier pack there); returns pack.json's content."""
    if os.path.exists(out) and not os.path.exists(os.path.join(out, MARKER)):
        raise SystemExit(f'{out} exists and is not a pack (no {MARKER}); not replacing it')
    with open(os.path.join(corpus, 'manifest.jsonl')) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    why = collections.Counter(eligible(r, with_asterisk) or 'kept' for r in rows)
    rows = [r for r in rows if not eligible(r, with_asterisk)]
    # what manifest.jsonl and pack.json may take: the same share of each row's line as the share of audio taken
    line_bytes = sum(len(json.dumps(r)) + 1 for r in rows)
    audio_bytes = sum(WAV_HEADER + 2 * r['duration_s'] * SAMPLE_RATE for r in rows) or 1
    budget = int((max_bytes - 8192) / (1 + line_bytes / audio_bytes))
    picked = choose(rows, budget, seed)
    tmp = out.rstrip('/') + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    kept = []
    for r in picked:
        audio, sr = sf.read(os.path.join(corpus, r['file']), dtype='int16')
        if sr != SAMPLE_RATE or audio.ndim != 1 or len(audio) < MIN_SECONDS * SAMPLE_RATE:
            continue  # Corpus would drop it too
        path = os.path.join(tmp, r['file'])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sf.write(path, audio, SAMPLE_RATE, subtype='PCM_16', format='WAV')
        kept.append(r)
    with open(os.path.join(tmp, 'manifest.jsonl'), 'w') as f:
        for r in kept:
            f.write(json.dumps(r) + '\n')
    per = collections.defaultdict(lambda: [0, 0.0, set()])
    for r in kept:
        p = per[stratum(r)]
        p[0] += 1
        p[1] += r['duration_s']
        p[2].add(r['speaker'])
    summary = {'corpus': corpus, 'seed': seed, 'max_bytes': max_bytes, 'with_asterisk_voices': with_asterisk,
               'utterances': len(kept), 'speakers': len({r['speaker'] for r in kept}),
               'minutes': round(sum(r['duration_s'] for r in kept) / 60, 2),
               'corpus_rows': dict(sorted(why.items())),
               'strata': {k: {'utterances': n, 'minutes': round(s / 60, 2), 'speakers': len(sp)}
                          for k, (n, s, sp) in sorted(per.items())}}
    summary['bytes'] = 0
    for _ in range(2):  # pack.json holds the pack's size, itself included
        with open(os.path.join(tmp, MARKER), 'w') as f:
            json.dump(summary, f, indent=1)
        summary['bytes'] = dir_bytes(tmp)
    if summary['bytes'] > max_bytes:
        raise SystemExit(f'pack is {summary["bytes"]} bytes, over {max_bytes}')
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--out', default='training/data/gpu-pack')
    p.add_argument('--max-mb', default='auto', help="cap on the pack's bytes in MB (1e6), or 'auto' (see the module doc)")
    p.add_argument('--reserve-mb', type=float, default=0.0,
                   help='with --max-mb auto: MB to leave free for other carried files (a compact --init checkpoint is 12.2)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--with-asterisk-voices', action='store_true',
                   help='also sample the Asterisk fr/it/ru prompt voices (ast-*) that the CPU corpus trains on')
    a = p.parse_args(argv)
    repo = subprocess.run(['git', 'rev-parse', '--show-toplevel'], capture_output=True, text=True).stdout.strip()
    travel = travel_bytes(repo, [os.path.relpath(os.path.abspath(a.out), repo)]) if repo else None
    if a.max_mb == 'auto':
        if travel is None:
            raise SystemExit('--max-mb auto needs a git checkout to measure what travels; give --max-mb')
        max_bytes = min(MAX_BYTES, TRAVEL_LIMIT - travel - MARGIN - int(a.reserve_mb * 1e6))
        if max_bytes < 2e6:
            raise SystemExit(f'only {max_bytes / 1e6:.1f} MB left of 64 MiB after the {travel / 1e6:.1f} MB working tree')
    else:
        max_bytes = int(float(a.max_mb) * 1e6)
    s = build_pack(a.corpus, a.out, max_bytes, a.seed, a.with_asterisk_voices)
    print(f"{a.out}: {s['utterances']} utterances, {s['speakers']} speakers, {s['minutes']} min, "
          f"{s['bytes'] / 1e6:.2f} MB (cap {max_bytes / 1e6:.2f} MB)")
    for k, v in s['strata'].items():
        print(f"  {k:32s} {v['utterances']:5d} utt {v['minutes']:6.2f} min {v['speakers']:4d} speakers")
    if travel is not None:
        print(f'travels with it: {travel / 1e6:.2f} MB working tree + {s["bytes"] / 1e6:.2f} MB pack = '
              f'{(travel + s["bytes"]) / 2 ** 20:.2f} MiB of 64 MiB')
        ignored = subprocess.run(['git', '-C', repo, 'check-ignore', '-q', os.path.join(a.out, 'manifest.jsonl')]).returncode == 0
        if not ignored:
            print(f'warning: {a.out} is not git-ignored, so it travels as untracked files and counts twice', file=sys.stderr)


if __name__ == '__main__':
    main()
