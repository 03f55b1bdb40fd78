"""In-memory corpus for training: utterances from training/data/corpus/manifest.jsonl, random crops.

The corpus is a few hours at 16 kHz, so it is held as int16 in RAM (about 0.5 GB for 4.5 h),
and each batch is cut from it without touching the disk.
"""
import json
import os
import random

import numpy as np
import soundfile as sf
import torch

FRAME_SECONDS = 0.08  # 12.5 Hz


def read_manifest(corpus_dir, split=None, with_phones=False):
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


class Corpus:
    """All audio of some manifest rows, concatenated as int16, with an index of utterances."""

    def __init__(self, corpus_dir, rows, min_seconds=0.5):
        self.rows, chunks, self.starts, self.lengths = [], [], [], []
        pos = 0
        for r in rows:
            audio, sr = sf.read(os.path.join(corpus_dir, r['file']), dtype='int16')
            if sr != 16000 or audio.ndim != 1 or len(audio) < min_seconds * 16000:
                continue
            self.rows.append(r)
            chunks.append(audio)
            self.starts.append(pos)
            self.lengths.append(len(audio))
            pos += len(audio)
        self.audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        self.lengths = np.array(self.lengths)
        self.weights = self.lengths / max(1, self.lengths.sum())
        self.hours = self.lengths.sum() / 16000 / 3600

    def utterance(self, i):
        s = self.starts[i]
        return self.audio[s: s + self.lengths[i]].astype(np.float32) / 32768.0

    def crop(self, rng, samples, align=1):
        """A random crop of `samples` samples (zero padded if the utterance is shorter) and its source.

        align: the crop starts at a multiple of this many samples (1280: on a 12.5 Hz frame, so
        precomputed per-frame features line up with it)."""
        i = rng.choices(range(len(self.rows)), weights=self.weights)[0] if len(self.rows) < 50000 else 0
        n = self.lengths[i]
        off = rng.randint(0, max(0, n - samples) // align) * align
        x = self.utterance(i)[off: off + samples]
        if len(x) < samples:
            x = np.pad(x, (0, samples - len(x)))
        return x, i, off


def phone_targets(phones, offset_s, frames, vocab):
    """Soft phone labels for 12.5 Hz frames: the fraction of each frame every phone occupies.

    phones: [[start_s, end_s, name], ...]; returns (frames, len(vocab)) float32.
    """
    y = np.zeros((frames, len(vocab)), np.float32)
    for start, end, name in phones:
        a, b = start - offset_s, end - offset_s
        if b <= 0 or a >= frames * FRAME_SECONDS:
            continue
        pid = vocab.get(name)
        if pid is None:
            continue
        fa = max(0, int(a // FRAME_SECONDS))
        fb = min(frames - 1, int(b // FRAME_SECONDS))
        for t in range(fa, fb + 1):
            lo, hi = max(a, t * FRAME_SECONDS), min(b, (t + 1) * FRAME_SECONDS)
            if hi > lo:
                y[t, pid] += (hi - lo) / FRAME_SECONDS
    s = y.sum(1, keepdims=True)
    return np.where(s > 0, y / np.maximum(s, 1e-8), 0.0).astype(np.float32)


def build_vocab(rows):
    names = sorted({p[2] for r in rows for p in (r.get('phones') or [])})
    return {n: i for i, n in enumerate(names)}


def augment(x, rng):
    """Cheap widening of the training voices: gain, a tilt filter and a little noise. x (S,) float32."""
    x = x * (10 ** (rng.uniform(-12, 6) / 20))
    if rng.random() < 0.5:  # first-order tilt: brighter or darker channel
        a = rng.uniform(-0.6, 0.6)
        x = x.copy()
        x[1:] = x[1:] - a * x[:-1]
    if rng.random() < 0.4:
        snr_db = rng.uniform(15, 45)
        p = float(np.mean(x ** 2)) + 1e-9
        x = x + np.random.default_rng(rng.randint(0, 2**31)).normal(0, np.sqrt(p / 10 ** (snr_db / 10)), x.shape)
    return np.clip(x, -1, 1).astype(np.float32)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class FrameFeatures:
    """Precomputed 12.5 Hz features of the corpus utterances (DIR/<manifest file less .wav>.npy,
    (T, D) with T = samples // 1280, as training/whisper/features.py writes them), held in RAM as
    float16; `crop` cuts the frames of an audio crop (zeros past the last whole frame)."""

    def __init__(self, feature_dir, corpus):
        self.frames = []
        for r, n in zip(corpus.rows, corpus.lengths):
            path = os.path.join(feature_dir, os.path.splitext(r['file'])[0] + '.npy')
            if not os.path.exists(path):
                raise SystemExit(f'{path} missing: precompute the features of every training utterance first')
            f = np.load(path).astype(np.float16)
            if f.shape[0] != int(n) // 1280:
                raise SystemExit(f'{path}: {f.shape[0]} frames for {n} samples')
            self.frames.append(f)
        self.dim = self.frames[0].shape[1] if self.frames else 0

    def crop(self, i, off, frames):
        """(frames, D) float32 features of utterance i from sample `off` (a multiple of 1280), zero padded."""
        f = self.frames[i][off // 1280: off // 1280 + frames].astype(np.float32)
        return np.pad(f, ((0, frames - len(f)), (0, 0))) if len(f) < frames else f
