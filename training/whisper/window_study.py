"""How much do the 12.5 Hz Whisper features change with the encoder's window?

Whisper always sees 30 s (audio padded with zeros). A) Single LJ Speech clips (1-10 s): the clip
alone (no padding, the first N positions) against the clip padded to 30 s. B) A long stream
(clips joined with 0.3 s of silence): tiled windows of 2-30 s, and the runtime's scheme
(windows.py), against a reference where each frame comes from the 30 s window (hop 5.12 s) in
which it lies most central; cosine by distance to the nearest window edge. C) The same clip at
0 s and at 10 s inside a 30 s window. Each for the raw features and for the position-centred
ones (less position_mean.npy, what ships). The merge signal's change (|delta cos(f[t-1], f[t])|)
and the share of the reference's boundaries at 6.25 Hz that a scheme reproduces are given too.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.window_study --out training/runs/whisper/window_study.json
"""
import argparse
import glob
import json
import os

import numpy as np
import soundfile as sf
import torch

from training.segments import flags_at_rate
from training.whisper import windows
from training.whisper.asr_features import FRAME_SAMPLES, MAX_WINDOW_SAMPLES, POSITION_MEAN, AsrFeatures

LJSPEECH = '/work/shared/data/ljspeech-364/wavs'
FRAME_S = FRAME_SAMPLES / 16000
W30 = MAX_WINDOW_SAMPLES // FRAME_SAMPLES


def cosine(a, b):
    """Row-wise cosine of (T, D) arrays -> (T,)."""
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-8)


def adjacent_sim(f):
    """The merge signal: cos(f[t-1], f[t]) for t >= 1. (T, D) -> (T - 1,)."""
    return cosine(f[:-1], f[1:])


def run(model, audio):
    """audio (S,) float32, S a multiple of 1280 -> (S / 1280, 384) float32."""
    with torch.no_grad():
        return model(torch.from_numpy(audio)[None])[0].numpy()


def load_clips(n):
    """First n LJ Speech clips, each cut to a multiple of 1280 samples. -> list of (S,) float32."""
    out = []
    for f in sorted(glob.glob(os.path.join(LJSPEECH, '*.flac')))[:n]:
        x, sr = sf.read(f, dtype='float32')
        assert sr == 16000, f
        out.append(x[: len(x) // FRAME_SAMPLES * FRAME_SAMPLES])
    return out


def make_stream(clips, seconds):
    """Clips joined with 0.3 s of silence, cut to `seconds` (a multiple of 1280 samples)."""
    gap = np.zeros(4800, np.float32)
    x = np.concatenate([np.concatenate([c, gap]) for c in clips])
    n = int(seconds * 16000) // FRAME_SAMPLES * FRAME_SAMPLES
    assert len(x) >= n, 'not enough clips for the stream'
    return x[:n]


def summary(cos):
    return {'frames': int(cos.size), 'mean': round(float(cos.mean()), 4),
            'p5': round(float(np.percentile(cos, 5)), 4), 'min': round(float(cos.min()), 4)}


def compare(ref, got, rate=6.25):
    """Cosine, merge-signal change and boundary agreement of got against ref, both (T, D)."""
    fr, fg = flags_at_rate(ref, rate, 8), flags_at_rate(got, rate, 8)
    return {'cos': summary(cosine(ref, got)),
            'adjacent_sim_abs_diff_mean': round(float(np.abs(adjacent_sim(ref) - adjacent_sim(got)).mean()), 4),
            f'boundaries_kept_at_{rate:g}Hz': round(float((fr & fg)[1:].sum() / max(1, fr[1:].sum())), 4)}


class Runner:
    """Raw encoder passes, cached by window, and their position-centred twins."""

    def __init__(self, model, table):
        self.model, self.table, self.cache = model, table, {}

    def window(self, audio, centred, pad_to_30s=False):
        """audio (W * 1280,) -> (W, 384): the window alone, or padded with zeros to 30 s."""
        key = (hash(audio.tobytes()), pad_to_30s)
        if key not in self.cache:
            x = audio
            if pad_to_30s:
                x = np.concatenate([audio, np.zeros(MAX_WINDOW_SAMPLES - len(audio), np.float32)])
            self.cache[key] = run(self.model, x)[: len(audio) // FRAME_SAMPLES]
        f = self.cache[key]
        return f - self.table[: len(f)] if centred else f


def study_clips(r, clips, centred):
    """A) each clip alone vs padded to 30 s: all frames, and the first/last second of each clip."""
    k = int(round(1.0 / FRAME_S))
    refs = [r.window(x, centred, pad_to_30s=True) for x in clips]
    alone = [r.window(x, centred) for x in clips]
    cat = np.concatenate
    out = compare(cat(refs), cat(alone))
    out['cos_first_1s'] = summary(cat([cosine(a[:k], b[:k]) for a, b in zip(refs, alone)]))
    out['cos_last_1s'] = summary(cat([cosine(a[-k:], b[-k:]) for a, b in zip(refs, alone)]))
    return out


def edge_distance(T, s, e):
    """Seconds from each frame of window [s, e) to its nearer edge; the stream's ends do not count."""
    t = np.arange(s, e)
    left = np.where(s == 0, 10**6, t - s)
    right = np.where(e == T, 10**6, e - 1 - t)
    return np.minimum(left, right) * FRAME_S


def reference(r, x, centred, hop_frames=64):
    """Each frame from the 30 s window (every hop_frames) in which it lies farthest from an edge. -> (T, 384)."""
    T = len(x) // FRAME_SAMPLES
    starts = list(range(0, T - W30 + 1, hop_frames))
    starts += [T - W30] if starts[-1] != T - W30 else []
    ref, best = np.zeros((T, 384), np.float32), np.full(T, -1.0)
    for s in starts:
        f = r.window(x[s * FRAME_SAMPLES : (s + W30) * FRAME_SAMPLES], centred)
        d, t = edge_distance(T, s, s + W30), np.arange(s, s + W30)
        take = d > best[t]
        ref[t[take]], best[t[take]] = f[take], d[take]
    return ref


def study_tiles(r, x, ref, centred, window_frames, edge_bins_s=(0, 0.5, 1, 2, 5, 10, 1e9)):
    """B) tiled windows (no padding, no overlap) against the reference, overall and by edge distance."""
    T = len(x) // FRAME_SAMPLES
    out = {}
    for W in window_frames:
        feats, dist = np.zeros((T, 384), np.float32), np.zeros(T)
        for s in range(0, T, W):
            e = min(T, s + W)
            feats[s:e] = r.window(x[s * FRAME_SAMPLES : e * FRAME_SAMPLES], centred)
            dist[s:e] = edge_distance(T, s, e)
        row = compare(ref, feats)
        c = cosine(ref, feats)
        for lo, hi in zip(edge_bins_s[:-1], edge_bins_s[1:]):
            m = (dist >= lo) & (dist < hi)
            if m.any():
                row[f'cos_edge_{lo:g}-{hi:g}s'] = summary(c[m])
        out[f'tiles_{W * FRAME_S:g}s'] = row
    for margin in (31, 62):
        got = windows.features(lambda w: r.window(w, centred), x, margin=margin)
        out[f'scheme_30s_margin_{margin * FRAME_S:g}s'] = compare(ref, got)
    return out


def study_offset(r, clips, centred):
    """C) the same clip at 0 s and at 10 s in a 30 s window of zeros."""
    cs = []
    for x in clips:
        a, b = np.zeros(MAX_WINDOW_SAMPLES, np.float32), np.zeros(MAX_WINDOW_SAMPLES, np.float32)
        a[: len(x)], b[160000 : 160000 + len(x)] = x, x
        T = len(x) // FRAME_SAMPLES
        cs.append(cosine(r.window(a, centred)[:T], r.window(b, centred)[125 : 125 + T]))
    return summary(np.concatenate(cs))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--clips', type=int, default=40, help='LJ Speech clips for part A (C uses the first 10)')
    p.add_argument('--stream-s', type=float, default=120.0, help='length of the part-B stream')
    p.add_argument('--out', default='training/runs/whisper/window_study.json')
    a = p.parse_args()
    torch.set_num_threads(2)
    r = Runner(AsrFeatures(position_mean=False).eval(), np.load(POSITION_MEAN).astype(np.float32))
    clips = load_clips(a.clips)
    stream = make_stream(load_clips(150), a.stream_s)
    result = {}
    for centred in (False, True):
        name = 'position-centred' if centred else 'raw'
        ref = reference(r, stream, centred)
        result[name] = {'clip_alone_vs_padded_30s': study_clips(r, clips, centred),
                        'clip_at_0s_vs_10s': study_offset(r, clips[:10], centred),
                        'stream': study_tiles(r, stream, ref, centred, [25, 64, 125, 250, 375])}
        print(name, json.dumps(result[name], indent=1), flush=True)
    result['clips_seconds'] = round(sum(len(x) for x in clips) / 16000, 1)
    result['stream_seconds'] = len(stream) / 16000
    os.makedirs(os.path.dirname(a.out) or '.', exist_ok=True)
    with open(a.out, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
