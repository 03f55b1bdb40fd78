"""v3's training data: per corpus utterance, libopus's 20 LPCNet features per 10 ms and the codec
pitch tracker's F0, computed once.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.v3.data [--out training/data/cache/featdec]

Per utterance of a split, the audio zero-padded to a whole number of 80 ms frames and to at least
one training crop: the tracker's F0 per 10 ms (8T,) and `native.analyse`'s features (8T, 20). Written
as one .npz per split, utterances concatenated along time with their 80 ms frame offsets; the folder
keeps the feature decoder study's name (docs/FEATURE_DECODER.md), whose caches also held the earlier
family's encoder streams, which v3 never reads. training/gpu/pack_v3.py packs a sample of it.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from training.pitch import track as pitch_track
from training.vocoder import native

# 12.5 Hz frames every cached utterance is padded to at least: one training crop (2.56 s).
MIN_FRAMES = 32


def utterance_arrays(x: np.ndarray, min_frames: int = MIN_FRAMES):
    """x (S,) float32 16 kHz -> dict of f0 (8T,), lpcnet (8T, 20)."""
    T = max(min_frames, -(-len(x) // 1280))
    padded = np.zeros(T * 1280, np.float32)
    padded[: len(x)] = x
    return {'f0': pitch_track.track(padded).astype(np.float32), 'lpcnet': native.analyse(padded)}


def build(corpus, out, split, limit=0):
    import soundfile as sf  # here, not above: training reads only the cache, so a GPU machine needs neither

    from training.dataset import read_manifest

    rows = read_manifest(corpus, split)
    if limit:
        rows = rows[:limit]
    parts = {k: [] for k in ('f0', 'lpcnet')}
    offsets, speech, files, seconds = [0], [], [], 0.0
    t0 = time.time()
    for i, r in enumerate(rows):
        x, sr = sf.read(os.path.join(corpus, r['file']), dtype='float32')
        if sr != 16000 or x.ndim != 1 or len(x) < 8000:
            continue
        a = utterance_arrays(x)
        for k in parts:
            parts[k].append(a[k])
        offsets.append(offsets[-1] + len(a['lpcnet']) // 8)
        speech.append(len(x) / 1280)
        files.append(r['file'])
        seconds += len(x) / 16000
        if i % 500 == 0:
            print(f'[{split}] {i}/{len(rows)} utterances, {seconds / 60:.1f} min of audio in {time.time() - t0:.0f} s', flush=True)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f'{split}.npz')
    np.savez(path + '.tmp.npz', offsets=np.array(offsets, np.int64), speech_frames=np.array(speech), **{k: np.concatenate(v) for k, v in parts.items()})
    os.replace(path + '.tmp.npz', path)
    with open(os.path.join(out, f'{split}.json'), 'w') as f:
        json.dump({'files': files, 'audio_minutes': seconds / 60, 'build_s': time.time() - t0}, f)
    print(f'[{split}] {len(files)} utterances, {seconds / 60:.1f} min -> {path} in {time.time() - t0:.0f} s', flush=True)


class FeatureCache:
    """One split's cached arrays in RAM, and random aligned crops of them."""

    def __init__(self, path, semantic=None):
        """path: a split's .npz; semantic: that split's Whisper features (frames x 384,
        training/v3/asr_cache.py), cropped with the rest, else None."""
        z = np.load(path)
        self.offsets = z['offsets']
        self.f0, self.lpcnet = z['f0'], z['lpcnet']
        self.frames = np.diff(self.offsets)
        # crops are drawn in proportion to each utterance's own length, not its padded one, so the
        # one-second Speech Commands words do not fill the batches with padding
        self.speech_frames = z['speech_frames']
        self.weights = self.speech_frames / self.speech_frames.sum()
        self.minutes = float(self.speech_frames.sum()) * 0.08 / 60
        if semantic is not None and len(semantic) != self.offsets[-1]:
            raise ValueError(f'{path}: {self.offsets[-1]} frames, but its semantic features have {len(semantic)}')
        self.semantic = semantic

    def __len__(self):
        return len(self.frames)

    def crop(self, rng: np.random.Generator, frames: int, i: int = None):
        """(f0 (8T,), lpcnet (8T, 20), semantic (T, 384) or None) of a random `frames`-frame crop of
        utterance i (random, weighted by its unpadded length, when None)."""
        if i is None:
            i = int(rng.choice(len(self.frames), p=self.weights))
        start = self.offsets[i] + int(rng.integers(0, self.frames[i] - frames + 1))
        s, e = start, start + frames
        semantic = None if self.semantic is None else np.asarray(self.semantic[s:e], np.float32)
        return self.f0[8 * s:8 * e].astype(np.float32), self.lpcnet[8 * s:8 * e].astype(np.float32), semantic

    def batch(self, rng, size, frames):
        """Stacked crops: (semantic (B, T, 384) tensor or None, None, f0 (B, 8T) numpy, lpcnet (B, 8T,
        20) tensor). The second place held the earlier family's acoustic stream in the feature decoder
        study; train.py still unpacks four."""
        f0, lpc, semantic = zip(*[self.crop(rng, frames) for _ in range(size)])
        semantic = None if self.semantic is None else torch.from_numpy(np.stack(semantic))
        return semantic, None, np.stack(f0), torch.from_numpy(np.stack(lpc))


def feature_stats(cache: FeatureCache, frames=200000, seed=0):
    """Mean and spread of the 20 targets over a sample of the cache's 10 ms frames -> (20,), (20,)."""
    idx = np.random.default_rng(seed).choice(len(cache.lpcnet), min(frames, len(cache.lpcnet)), replace=False)
    x = cache.lpcnet[np.sort(idx)]
    return torch.from_numpy(x.mean(0)), torch.from_numpy(x.std(0) + 1e-3)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--out', default='training/data/cache/featdec')
    p.add_argument('--splits', nargs='+', default=['valid', 'train'])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--limit', type=int, default=0, help='first N utterances of each split (0: all)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for split in a.splits:
        build(a.corpus, a.out, split, a.limit)


if __name__ == '__main__':
    main()
