"""Segments of the training corpus as the runtime would code them: lengths and FSQ digits (and,
for a model that codes pitch, the pitch level of every 80 ms frame) of a sample of 'train'
utterances, each merged at target rates drawn across the slider's 3-12.5 Hz.

Only the 'train' split of training/data/corpus is read (never the held-out English set nor the
reserved check sets): the frequency tables fitted to these segments ship with the model.
"""
import numpy as np

from training.dataset import read_manifest
from training.eval.audio import read_wav_at

# The slider's range: the tables must serve every rate a user can pick.
RATE_RANGE_HZ = (3.0, 12.5)
# Share of draws at exactly 12.5 Hz (the slider's end, every segment one frame long), as training does.
FULL_RATE_SHARE = 0.2


def sample_rows(corpus_dir, split, per_speaker, seed):
    """Up to `per_speaker` utterances of each speaker of `split`, drawn with a fixed seed, so every
    voice and language counts and the long single-speaker sources do not dominate."""
    rows = read_manifest(corpus_dir, split)
    rng = np.random.default_rng(seed)
    by_speaker = {}
    for r in rows:
        by_speaker.setdefault(r['speaker'], []).append(r)
    picked = []
    for spk in sorted(by_speaker):
        rs = by_speaker[spk]
        idx = rng.permutation(len(rs))[:per_speaker]
        picked += [rs[i] for i in sorted(idx)]
    return picked


def collect(m, corpus_dir, split='train', per_speaker=12, rates_per_file=3, seed=0, fixed_rates=None, *, segmenter):
    """Returns a list of streams {rate, lengths (K,), digits (K, 28)[, pitch (T,)]}: each
    utterance of the sample at `rates_per_file` rates drawn uniformly from RATE_RANGE_HZ
    (FULL_RATE_SHARE of them at 12.5 Hz), or at each of `fixed_rates`. `segmenter(m, x, rates)` codes
    one utterance x (S,) at each rate as the runtime would: [{rate, lengths, digits[, pitch (T,): a
    level per 80 ms frame]}] (training/v3/export.py `segments_at_rates`); it is also told the
    utterance's corpus path, `file=`, by which it may look up features cached for it."""
    rng = np.random.default_rng(seed + 1)
    streams = []
    for r in sample_rows(corpus_dir, split, per_speaker, seed):
        x = read_wav_at(f"{corpus_dir}/{r['file']}", 16000).astype(np.float32)
        if len(x) < 4 * 1280:
            continue
        rates = rng.uniform(*RATE_RANGE_HZ, size=rates_per_file)
        rates[rng.random(rates_per_file) < FULL_RATE_SHARE] = RATE_RANGE_HZ[1]
        rates = fixed_rates or rates
        streams += segmenter(m, x, rates, file=r['file'])
    return streams


def save(path, streams):
    """One npz: the streams concatenated, with each stream's rate and segment count (a stream's
    pitch levels are one per frame: as many as its lengths sum to)."""
    pitch = {'pitch': np.concatenate([s['pitch'] for s in streams])} if 'pitch' in streams[0] else {}
    # streams of rates with reduced code groups carry fewer digit channels: padded with -1, which load drops
    width = max(s['digits'].shape[1] for s in streams)
    digits = [np.pad(s['digits'], ((0, 0), (0, width - s['digits'].shape[1])), constant_values=-1) for s in streams]
    np.savez_compressed(path, rates=np.array([s['rate'] for s in streams]),
                        counts=np.array([len(s['lengths']) for s in streams]),
                        lengths=np.concatenate([s['lengths'] for s in streams]),
                        channels=np.array([s['digits'].shape[1] for s in streams]),
                        digits=np.concatenate(digits), **pitch)


def load(path):
    with np.load(path) as z:  # each z[key] reads and inflates the whole array: once each
        rates, counts, lengths, digits = z['rates'], z['counts'], z['lengths'], z['digits']
        pitch = z['pitch'] if 'pitch' in z.files else None
        channels = z['channels'] if 'channels' in z.files else np.full(len(rates), digits.shape[1])
    bounds = np.concatenate([[0], np.cumsum(counts)])
    streams = [{'rate': float(r), 'lengths': lengths[a:b], 'digits': digits[a:b, :c]}
               for r, a, b, c in zip(rates, bounds[:-1], bounds[1:], channels)]
    if pitch is not None:
        frames = np.concatenate([[0], np.cumsum([s['lengths'].sum() for s in streams])])
        if len(pitch) != frames[-1]:
            raise ValueError(f'{path}: {len(pitch)} pitch levels for {frames[-1]} frames, not one per frame '
                             '(collected when pitch was coded per segment); delete it and collect again')
        for s, a, b in zip(streams, frames[:-1], frames[1:]):
            s['pitch'] = pitch[a:b]
    return streams
