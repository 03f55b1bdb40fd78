"""Fixture for the TypeScript twins of the pitch tracker and level code (test/pitch.test.ts).

  .venv/bin/python -m training.pitch.fixture

writes test/fixtures/pitch/: Python's answers on the speech fixture (test/fixtures/speech-en-6s.wav,
named by its sha256 rather than copied: 190 KB we already have), as little-endian float64 arrays in
speech.bin, each named in speech.json by its byte offset and length:
  f0                  track.track of the whole file (S // 160 frames), Hz, 0 unvoiced
  <name>.lengths      a seeded segmentation of its whole 80 ms frames into segments of 1..maxLength
                      frames (long ones as at low rates, short ones for many voicing edges)
  <name>.levels       code.segment_levels of the first 8 * sum(lengths) F0 frames
  <name>.frameTrack   code.frame_track(levels, lengths)
  <name>.phaseStarts  code.phase_starts(frameTrack)
  frames.levels       code.frame_levels of the whole track: one level per 80 ms frame, what the codec codes
  frames.decoderTrack code.decoder_track(frames.levels), the decoder's F0 track
  frames.phaseStarts  code.phase_starts(frames.decoderTrack)
Binary keeps every float64 bit, and a JSON of objects and scalars only is already as Prettier writes it.
"""
import hashlib
import json
import os

import numpy as np
import soundfile as sf

from training.pitch import code, track

SPEECH = 'test/fixtures/speech-en-6s.wav'
OUT = 'test/fixtures/pitch'
SEGMENTATIONS = [(20240601, 8), (20240602, 2)]  # (seed, longest segment in 80 ms frames)


def seeded_lengths(frames: int, seed: int, longest: int) -> list[int]:
    """Segment lengths in 1..longest that sum to `frames` (the last one cut to fit)."""
    rng = np.random.default_rng(seed)
    lengths, left = [], frames
    while left > 0:
        n = min(int(rng.integers(1, longest + 1)), left)
        lengths.append(n)
        left -= n
    return lengths


def main():
    with open(SPEECH, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    x, sr = sf.read(SPEECH, dtype='float32')  # int16 / 32768, as src/core/wav.ts reads it
    assert sr == 16000 and x.ndim == 1
    f0 = track.track(x)
    arrays = {'f0': f0}
    segmentations = {}
    for seed, longest in SEGMENTATIONS:
        name = f'seed{seed}'
        lengths = seeded_lengths(len(f0) // code.SUBFRAMES, seed, longest)
        levels = code.segment_levels(f0, lengths)
        frames = code.frame_track(levels, lengths)
        segmentations[name] = {'seed': seed, 'maxLength': longest}
        arrays.update({f'{name}.lengths': np.array(lengths), f'{name}.levels': levels,
                       f'{name}.frameTrack': frames, f'{name}.phaseStarts': code.phase_starts(frames)})
        print(f'{name}: {len(lengths)} segments, {int((levels > 0).sum())} voiced')
    levels = code.frame_levels(f0)
    track64 = code.decoder_track(levels)
    arrays.update({'frames.levels': levels, 'frames.decoderTrack': track64,
                   'frames.phaseStarts': code.phase_starts(track64)})
    print(f'frames: {len(levels)} frame levels, {int((levels > 0).sum())} voiced')
    index, blobs, offset = {}, [], 0
    for key, a in arrays.items():
        blobs.append(np.asarray(a, '<f8').tobytes())
        index[key] = {'offset': offset, 'length': len(a)}
        offset += len(blobs[-1])
    meta = {'source': SPEECH, 'sha256': digest, 'samples': len(x), 'dtype': 'float64',
            'segmentations': segmentations, 'arrays': index}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'speech.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    with open(os.path.join(OUT, 'speech.json'), 'w') as f:
        f.write(json.dumps(meta, indent=2) + '\n')
    print(f'{OUT}: {len(f0)} frames, {int((f0 > 0).sum())} voiced, {offset} bytes of arrays')


def load(out: str = OUT) -> tuple[dict, dict[str, np.ndarray]]:
    """The fixture's index and its arrays by name (for training/tests/test_pitch.py)."""
    with open(os.path.join(out, 'speech.json')) as f:
        meta = json.load(f)
    data = np.fromfile(os.path.join(out, 'speech.bin'), '<f8')
    return meta, {k: data[v['offset'] // 8: v['offset'] // 8 + v['length']] for k, v in meta['arrays'].items()}

if __name__ == '__main__':
    main()
