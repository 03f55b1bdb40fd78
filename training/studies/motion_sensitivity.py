"""Which cepstra must move inside an 80 ms frame for the words to survive? FARGAN speaks LJ Speech
clips of the training corpus from their own LPCNet features with some cepstra held at their mean over
each 80 ms (or 40 ms) frame, and Whisper base reads the result. The answer weights v3's loss
(training/v3/model.py WORD_CEPSTRA). Training data on purpose: a design choice is not tuned on the
held-out set.

  .venv/bin/python -m training.studies.motion_sensitivity --files 20

Measured 2026-12-07 on 20 LJ Speech training clips (Whisper WER, STOI; the uncoded clips' WER is high
because LJ's texts spell out what Whisper abbreviates, so read the differences):
  uncoded features 35.4 %, 0.963; c0-c5 held per 80 ms 59.7 %, 0.732; c6-c17 held per 80 ms 36.8 %,
  0.929; all held per 80 ms 121.9 %, 0.714; all held per 40 ms 40.6 %, 0.847.
"""
import argparse

import numpy as np

from training.eval.audio import read_wav_at
from training.eval.bootstrap import file_word_errors
from training.eval.score import score_pair
from training.eval.whisper_judge import WhisperJudge, whisper_normalize
from training.eval.training_clips import training_items
from training.v3.evaluate import padded
from training.vocoder import native


def hold(features, lo, hi, frames=8):
    """features (N, 20) with columns lo..hi-1 replaced by their mean over each run of `frames` rows."""
    out = features.copy()
    n = len(out) // frames * frames
    v = out[:n, lo:hi].reshape(-1, frames, hi - lo)
    out[:n, lo:hi] = np.repeat(v.mean(1), frames, 0)
    return out


CONDITIONS = {
    'uncoded features': lambda f: f,
    'c0-c5 held per 80 ms': lambda f: hold(f, 0, 6),
    'c6-c17 held per 80 ms': lambda f: hold(f, 6, 18),
    'c0-c17 held per 80 ms': lambda f: hold(f, 0, 18),
    'c0-c17 held per 40 ms': lambda f: hold(f, 0, 18, 4),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--files', type=int, default=20)
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--cache', default='training/runs/studies/whisper_cache.json')
    a = p.parse_args()
    items = training_items(a.corpus, a.files)
    judge = WhisperJudge(cache_path=a.cache)
    print('| features | Whisper WER % | STOI |\n|---|---:|---:|')
    for name, change in CONDITIONS.items():
        errors = words = 0.0
        stoi = []
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            y = native.synthesize(change(native.analyse(padded(x))).astype(np.float32))[: len(x)]
            e, w = file_word_errors([it.text], [judge.transcribe(y)], whisper_normalize)
            errors, words = errors + e[0], words + w[0]
            stoi.append(score_pair(x[: len(y)], y, 16000)['stoi'])
        print(f'| {name} | {100 * errors / words:.1f} | {np.mean(stoi):.3f} |', flush=True)
    judge.save()


if __name__ == '__main__':
    main()
