"""Whisper tiny.en's 12.5 Hz features (the runtime's `asr.onnx`, T x 384, position-centred) for every
frame of a v3 feature cache (training/v3/data.py), for the semantic stream (issue 29, item 2).

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.v3.asr_cache [--onnx training/runs/whisper/whisper-asr-fp16.onnx] [--split train]

Each cached utterance is rebuilt exactly as data.py padded it (zeros to a whole number of 80 ms frames
and at least one crop), so frame t of the cache and row t here describe the same 80 ms, and goes
through the runtime's window scheme on its own (training/whisper/windows.py: one 30 s window, padded
with zeros), as a note of that length would in the browser. That costs one encoder pass per
utterance (0.5 s on one core; ~1 hour for the 6784 of 'train'). Packing utterances end to end into
shared windows would cost an eighth of it, but Whisper's features depend on what else the window
holds: on 20 'valid' utterances a frame's packed feature had cosine 0.63 on average to its feature
in its own window (10th percentile 0.21), so a model trained on packed features would be run on
different ones.

Written beside the split's cache as <split>-asr.npy (frames x 384, float16), with the encoder's
sha256 in <split>-asr.json so a cache of another encoder is refused.
"""
import argparse
import json
import os
import time

import numpy as np

from training.manifest import sha256
from training.v3.data import MIN_FRAMES

FRAME_SAMPLES = 1280


def padded_utterance(x, frames):
    """The utterance as data.py cached it: zero-padded to `frames` 80 ms frames."""
    out = np.zeros(frames * FRAME_SAMPLES, np.float32)
    out[: min(len(x), len(out))] = x[: len(out)]
    return out


def build(cache_dir, split, onnx_path, corpus, threads=1):
    import soundfile as sf

    from training.whisper import features, windows

    meta = json.load(open(os.path.join(cache_dir, f'{split}.json')))
    offsets = np.load(os.path.join(cache_dir, f'{split}.npz'))['offsets']
    frames = np.diff(offsets)
    assert len(frames) == len(meta['files'])
    out = np.zeros((int(offsets[-1]), 384), np.float16)
    run = features.window_runner(onnx_path, raw=False, use_torch=False, threads=threads)
    t0 = time.time()
    for i, name in enumerate(meta['files']):
        x, sr = sf.read(os.path.join(corpus, name), dtype='float32')
        assert sr == 16000 and x.ndim == 1, name
        out[offsets[i]:offsets[i + 1]] = windows.features(run, padded_utterance(x, int(frames[i])))
        if i % 250 == 0:
            print(f'[{split}] utterance {i}/{len(frames)} in {time.time() - t0:.0f} s', flush=True)
    path = os.path.join(cache_dir, f'{split}-asr.npy')
    np.save(path + '.tmp.npy', out)
    os.replace(path + '.tmp.npy', path)
    with open(os.path.join(cache_dir, f'{split}-asr.json'), 'w') as f:
        json.dump({'encoder_sha256': sha256(onnx_path), 'utterances': len(frames), 'frames': int(offsets[-1]),
                   'build_s': time.time() - t0, 'min_frames': MIN_FRAMES}, f)
    print(f'[{split}] {len(frames)} utterances, {int(offsets[-1])} frames -> {path} in {time.time() - t0:.0f} s', flush=True)


def load(cache_dir, split, onnx_path=None):
    """The split's features (frames x 384, float16, memory-mapped), refused when built by another
    encoder than `onnx_path` (when given)."""
    with open(os.path.join(cache_dir, f'{split}-asr.json')) as f:
        meta = json.load(f)
    if onnx_path and sha256(onnx_path) != meta['encoder_sha256']:
        raise SystemExit(f'{cache_dir}/{split}-asr.npy was built by another encoder than {onnx_path}; rebuild it')
    return np.load(os.path.join(cache_dir, f'{split}-asr.npy'), mmap_mode='r')


def rows_by_file(cache_dir, onnx_path, splits=('train', 'valid')):
    """{corpus path: that utterance's rows (frames x 384, float16, memory-mapped)} over the splits
    cached, each refused when built by another encoder than `onnx_path` (load). Rows cover the
    utterance zero-padded to whole frames (padded_utterance), so its first len(x) // 1280 rows are
    those of x cut to whole frames but for the last frame's few zeroed samples."""
    out = {}
    for split in splits:
        if not os.path.exists(os.path.join(cache_dir, f'{split}-asr.json')):
            continue
        feats = load(cache_dir, split, onnx_path)
        with open(os.path.join(cache_dir, f'{split}.json')) as f:
            files = json.load(f)['files']
        offsets = np.load(os.path.join(cache_dir, f'{split}.npz'))['offsets']
        out.update({file: feats[a:b] for file, a, b in zip(files, offsets[:-1], offsets[1:])})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--cache', default='training/data/cache/featdec')
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--onnx', default='training/runs/whisper/whisper-asr-fp16.onnx', help="the runtime's Whisper encoder, asr.onnx")
    p.add_argument('--split', nargs='+', default=['valid', 'train'])
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    for split in a.split:
        build(a.cache, split, a.onnx, a.corpus, a.threads)


if __name__ == '__main__':
    main()
