"""The feature decoder's training data: per utterance, what the frozen shipped encoder hands the
quantizer, the pitch track the bitstream codes, and the LPCNet targets, computed once.

  /usr/bin/python3 -m training.featdec.data --out training/data/cache/featdec

Per corpus utterance (audio zero-padded to a whole number of 80 ms frames, and to at least one
training crop): the merge stream (T, 80) and pooled stream (T, 192) of `Codec.encode_frames` (fp16),
the codec's pitch tracker's F0 per 10 ms (8T,), and `native.analyse`'s LPCNet features (8T, 20).
Training then needs no encoder pass: a step merges the cached streams at a drawn rate, quantizes them
with the frozen quantizer and decodes. Written as one .npz per split, utterances concatenated along
time with their frame offsets. The crops are clean: train.py's augmentation (gain, tilt, noise) would
need the encoder and the analysis once per crop.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from training.dataset import read_manifest
from training.checkpoint import load_codec
from training.pitch import track as pitch_track
from training.vocoder import native

SHIPPED = 'training/checkpoints/flexicodec-pitch-fp16.pt'
# 12.5 Hz frames every cached utterance is padded to at least: one training crop (2.56 s).
MIN_FRAMES = 32


def utterance_arrays(m, x: np.ndarray, min_frames: int = MIN_FRAMES):
    """x (S,) float32 16 kHz -> dict of merge (T, 80), pooled (T, P), f0 (8T,), lpcnet (8T, 20)."""
    T = max(min_frames, -(-len(x) // 1280))
    padded = np.zeros(T * 1280, np.float32)
    padded[: len(x)] = x
    with torch.no_grad():
        merge, pooled = m.encode_frames(torch.from_numpy(padded)[None])
    return {'merge': merge[0].numpy().astype(np.float16), 'pooled': pooled[0].numpy().astype(np.float16),
            'f0': pitch_track.track(padded).astype(np.float32), 'lpcnet': native.analyse(padded)}


def build(corpus, out, split, ckpt=SHIPPED, limit=0):
    import soundfile as sf

    m, _ = load_codec(ckpt)
    rows = read_manifest(corpus, split)
    if limit:
        rows = rows[:limit]
    parts = {k: [] for k in ('merge', 'pooled', 'f0', 'lpcnet')}
    offsets, speech, files, seconds = [0], [], [], 0.0
    t0 = time.time()
    for i, r in enumerate(rows):
        x, sr = sf.read(os.path.join(corpus, r['file']), dtype='float32')
        if sr != 16000 or x.ndim != 1 or len(x) < 8000:
            continue
        a = utterance_arrays(m, x)
        for k in parts:
            parts[k].append(a[k])
        offsets.append(offsets[-1] + len(a['merge']))
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
        json.dump({'files': files, 'audio_minutes': seconds / 60, 'build_s': time.time() - t0, 'ckpt': ckpt}, f)
    print(f'[{split}] {len(files)} utterances, {seconds / 60:.1f} min -> {path} in {time.time() - t0:.0f} s', flush=True)


class FeatureCache:
    """One split's cached arrays in RAM, and random aligned crops of them."""

    def __init__(self, path):
        z = np.load(path)
        self.offsets = z['offsets']
        self.f0, self.lpcnet = z['f0'], z['lpcnet']
        # the frozen encoder's streams; a v3 pack (training/gpu/pack_v3.py) has only the features and F0
        self.merge = z['merge'] if 'merge' in z.files else None
        self.pooled = z['pooled'] if 'pooled' in z.files else None
        self.frames = np.diff(self.offsets)
        # crops are drawn in proportion to each utterance's own length, not its padded one, so the
        # one-second Speech Commands words do not fill the batches with padding
        self.speech_frames = z['speech_frames']
        self.weights = self.speech_frames / self.speech_frames.sum()
        self.minutes = float(self.speech_frames.sum()) * 0.08 / 60

    def __len__(self):
        return len(self.frames)

    def crop(self, rng: np.random.Generator, frames: int, i: int = None):
        """(merge (T, 80), pooled (T, P), f0 (8T,), lpcnet (8T, 20)) of a random `frames`-frame crop of
        utterance i (random, weighted by its unpadded length, when None)."""
        if i is None:
            i = int(rng.choice(len(self.frames), p=self.weights))
        start = self.offsets[i] + int(rng.integers(0, self.frames[i] - frames + 1))
        s, e = start, start + frames
        stream = lambda a: None if a is None else a[s:e].astype(np.float32)
        return (stream(self.merge), stream(self.pooled), self.f0[8 * s:8 * e].astype(np.float32),
                self.lpcnet[8 * s:8 * e].astype(np.float32))

    def batch(self, rng, size, frames):
        """Stacked crops as tensors: merge (B, T, 80), pooled (B, T, P), f0 (B, 8T) numpy, lpcnet (B, 8T, 20)."""
        crops = [self.crop(rng, frames) for _ in range(size)]
        merge, pooled, f0, lpc = (None if a[0] is None else np.stack(a) for a in zip(*crops))
        tensor = lambda a: None if a is None else torch.from_numpy(a)
        return tensor(merge), tensor(pooled), f0, torch.from_numpy(lpc)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--out', default='training/data/cache/featdec')
    p.add_argument('--splits', nargs='+', default=['valid', 'train'])
    p.add_argument('--ckpt', default=SHIPPED)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--limit', type=int, default=0, help='first N utterances of each split (0: all)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for split in a.splits:
        build(a.corpus, a.out, split, a.ckpt, a.limit)


if __name__ == '__main__':
    main()
