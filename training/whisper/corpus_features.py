"""12.5 Hz Whisper features of the whole training corpus, fast enough for two CPU cores.

Padding every 3 s utterance to Whisper's 30 s window (what the runtime does for a short file,
features.py) costs ten times the audio's own encoder time: 4 h on this machine for the corpus.
Here the utterances are joined end to end, cut to whole 80 ms frames, and the joined stream goes
through the runtime's long-audio scheme (windows.py: 30 s windows, each frame at least 5 s from a
window edge that is not the stream's end), then the frames are split back per utterance. A frame
then sees neighbouring utterances instead of padding; windows.py's study measured how close that is
to a file's own padded window (docs/SEMANTIC.md). Output: DIR/<utterance path less .wav>.npy,
(samples // 1280, 384) float16, as training.dataset.FrameFeatures reads it.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.corpus_features --out training/data/cache/whisper
"""
import argparse
import os

import numpy as np
import soundfile as sf
import torch

from training.dataset import read_manifest
from training.whisper import windows
from training.whisper.asr_features import FRAME_SAMPLES
from training.whisper.features import window_runner

# Utterances joined into one stream before windowing (bounds the memory of a stream's features).
STREAM_SECONDS = 600


def streams(corpus, rows, seconds=STREAM_SECONDS):
    """Yield (rows, [frame counts], joined audio) groups of about `seconds` each, in manifest order."""
    group, counts, audio, total = [], [], [], 0
    for r in rows:
        x, sr = sf.read(os.path.join(corpus, r['file']), dtype='float32')
        if sr != 16000 or x.ndim != 1:
            raise SystemExit(f'{r["file"]}: want 16 kHz mono')
        frames = len(x) // FRAME_SAMPLES
        if frames == 0:
            continue
        group.append(r)
        counts.append(frames)
        audio.append(x[: frames * FRAME_SAMPLES])
        total += frames * FRAME_SAMPLES
        if total >= seconds * 16000:
            yield group, counts, np.concatenate(audio)
            group, counts, audio, total = [], [], [], 0
    if group:
        yield group, counts, np.concatenate(audio)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--split', default='train')
    p.add_argument('--out', required=True)
    p.add_argument('--onnx', default='training/runs/whisper/whisper-asr.onnx')
    a = p.parse_args()
    torch.set_num_threads(2)
    rows = [r for r in read_manifest(a.corpus, a.split or None)
            if not os.path.exists(os.path.join(a.out, os.path.splitext(r['file'])[0] + '.npy'))]
    run = window_runner(a.onnx, raw=False, use_torch=not os.path.exists(a.onnx))
    done = 0
    for group, counts, audio in streams(a.corpus, rows):
        f = windows.features(run, audio)
        starts = np.cumsum([0] + counts)
        for r, s, e in zip(group, starts[:-1], starts[1:]):
            out = os.path.join(a.out, os.path.splitext(r['file'])[0] + '.npy')
            os.makedirs(os.path.dirname(out), exist_ok=True)
            np.save(out + '.tmp.npy', f[s:e].astype(np.float16))
            os.replace(out + '.tmp.npy', out)
        done += len(group)
        print(f'{done} / {len(rows)} utterances', flush=True)


if __name__ == '__main__':
    main()
