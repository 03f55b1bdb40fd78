"""A few seconds of synthetic 'speech' (vowel-like harmonic tones with phone timings) for smoke tests,
so the training pipeline can be exercised without the Debian TTS voices."""
import json
import os

import numpy as np
import soundfile as sf

PHONES = {'a': (700, 1200), 'i': (300, 2300), 'u': (350, 800), 'pau': None}


def tone(f0, formants, seconds, rng):
    t = np.arange(int(seconds * 16000)) / 16000
    if formants is None:
        return rng.normal(0, 0.002, t.shape)
    x = sum(np.sin(2 * np.pi * f0 * h * t) / h * sum(np.exp(-((f0 * h - f) / 150) ** 2) for f in formants)
            for h in range(1, 30))
    return 0.3 * x / (np.abs(x).max() + 1e-9)


def write_corpus(out_dir, utterances=6, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(out_dir, 'wav', 'synth'), exist_ok=True)
    rows = []
    for u in range(utterances):
        pieces, phones, t = [], [], 0.0
        for _ in range(12):
            name = rng.choice(list(PHONES))
            d = float(rng.uniform(0.06, 0.3))
            pieces.append(tone(rng.uniform(90, 220), PHONES[name], d, rng))
            phones.append([round(t, 4), round(t + len(pieces[-1]) / 16000, 4), name])
            t += len(pieces[-1]) / 16000
        x = np.concatenate(pieces).astype(np.float32)
        rel = f'wav/synth/u{u}.wav'
        sf.write(os.path.join(out_dir, rel), x, 16000, subtype='PCM_16')
        rows.append({'file': rel, 'speaker': 'synth', 'language': 'xx', 'source': 'synthetic',
                     'duration_s': len(x) / 16000, 'split': 'train', 'phones': phones})
    with open(os.path.join(out_dir, 'manifest.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')
    return rows
