"""The v3 model's training data, small enough to travel to a lent GPU (training/gpu/run_on_device.sh).

  .venv/bin/python -m training.gpu.pack_v3 [--max-mb auto|N] [--reserve-mb M] [--seed S]

v3 trains on features, not audio (training/v3/train.py): per utterance libopus's 20 LPCNet features
per 10 ms and the tracker's F0, from the cache of training/v3/data.py. This writes
training/data/gpu-pack-v3/{train,valid}.npz in that cache's layout (offsets, speech_frames, f0,
lpcnet, float16, compressed): all of 'valid', and of 'train' a
seeded random sample of whole utterances that fits the budget. Never anything of the held-out set
(the cache holds none). At 42 bytes per 10 ms before compression, a 6 MB pack held 17.5 minutes
of training speech and the 7.5 minutes of 'valid' (2026-12-07): on a GPU v3 is limited by this
data, not by its steps; the full cache (365 MB) cannot travel (64 MiB in all).

Budget: `--max-mb auto` takes what is left of 64 MiB after the working tree that travels anyway
(`travel_bytes`), less a 1 MiB margin and --reserve-mb.
"""
import argparse
import json
import os
import subprocess

import numpy as np

TRAVEL_LIMIT = 64 * 2 ** 20  # the device tool's limit on the working tree plus carried paths
MARGIN = 2 ** 20
MARKER = 'pack.json'


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


def load_split(cache, split):
    z = np.load(os.path.join(cache, f'{split}.npz'))
    return {k: z[k] for k in ('offsets', 'speech_frames', 'f0', 'lpcnet')}


def subset(arrays, keep):
    """The utterances `keep` (sorted indices) of a cache split, re-offset."""
    off = arrays['offsets']
    parts_f0, parts_lpc, offsets = [], [], [0]
    for i in keep:
        s, e = off[i], off[i + 1]
        parts_f0.append(arrays['f0'][8 * s:8 * e])
        parts_lpc.append(arrays['lpcnet'][8 * s:8 * e])
        offsets.append(offsets[-1] + e - s)
    return {'offsets': np.array(offsets, np.int64), 'speech_frames': arrays['speech_frames'][keep],
            'f0': np.concatenate(parts_f0).astype(np.float16), 'lpcnet': np.concatenate(parts_lpc).astype(np.float16)}


def write(path, arrays):
    np.savez_compressed(path + '.tmp.npz', **arrays)
    os.replace(path + '.tmp.npz', path)
    return os.path.getsize(path)


def build(cache, out, max_bytes, seed=0):
    if os.path.exists(out) and not os.path.exists(os.path.join(out, MARKER)):
        raise SystemExit(f'{out} exists and is not a v3 pack (no {MARKER}); not replacing it')
    os.makedirs(out, exist_ok=True)
    valid = load_split(cache, 'valid')
    valid_bytes = write(os.path.join(out, 'valid.npz'), subset(valid, np.arange(len(valid['offsets']) - 1)))
    train = load_split(cache, 'train')
    n = len(train['offsets']) - 1
    order = np.random.default_rng(seed).permutation(n)
    frames = np.diff(train['offsets'])
    # 42 raw bytes per 10 ms row before compression: guess the compression from a write, then refit
    room = max_bytes - valid_bytes - 4096
    scale = 1.0
    for _ in range(8):
        keep = np.sort(order[np.cumsum(8 * frames[order]) <= room * scale / 42])
        size = write(os.path.join(out, 'train.npz'), subset(train, keep))
        if 0.97 * room < size <= room or len(keep) == n:
            break
        scale *= 0.99 * room / size
    if size + valid_bytes > max_bytes:
        raise SystemExit(f'pack is {(size + valid_bytes) / 1e6:.2f} MB, over {max_bytes / 1e6:.2f} MB')
    summary = {'cache': cache, 'seed': seed, 'max_bytes': max_bytes, 'train_utterances': int(len(keep)),
               'train_minutes': round(float(train['speech_frames'][keep].sum()) * 0.08 / 60, 2),
               'valid_utterances': int(len(valid['offsets']) - 1), 'bytes': int(size + valid_bytes)}
    with open(os.path.join(out, MARKER), 'w') as f:
        json.dump(summary, f, indent=1)
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--cache', default='training/data/cache/featdec')
    p.add_argument('--out', default='training/data/gpu-pack-v3')
    p.add_argument('--max-mb', default='auto')
    p.add_argument('--reserve-mb', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    if a.max_mb == 'auto':
        repo = subprocess.run(['git', 'rev-parse', '--show-toplevel'], capture_output=True, text=True).stdout.strip()
        if not repo:
            raise SystemExit('--max-mb auto needs a git checkout to measure what travels; give --max-mb')
        travel = travel_bytes(repo, [os.path.relpath(os.path.abspath(a.out), repo)])
        max_bytes = TRAVEL_LIMIT - travel - MARGIN - int(a.reserve_mb * 1e6)
        if max_bytes < 2e6:
            raise SystemExit(f'only {max_bytes / 1e6:.1f} MB left of 64 MiB after the {travel / 1e6:.1f} MB working tree')
    else:
        max_bytes = int(float(a.max_mb) * 1e6)
    s = build(a.cache, a.out, max_bytes, a.seed)
    print(f"{a.out}: {s['train_utterances']} training utterances, {s['train_minutes']} min, "
          f"{s['bytes'] / 1e6:.2f} MB (cap {max_bytes / 1e6:.2f} MB)")


if __name__ == '__main__':
    main()
