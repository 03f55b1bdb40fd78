"""Learning curve: held-out Whisper WER, PESQ, STOI, pitch error, log-mel distance and pocketsphinx
WER of training snapshots (the quality report's judge and metrics, training/eval/).

Each snapshot (<run>/snapshots/codec-step*.pt, written during training) decodes the same held-out
English files with the PyTorch model at 6.25 Hz (tau found per file by bisection, as the runtime
does); results go to <run>/curve.jsonl (one row per snapshot, kept across runs) and the table in
docs/LEARNING_CURVE.md.

  .venv/bin/python -m training.curve --run training/runs/main --files 24
"""
import argparse
import glob
import json
import os

import numpy as np
import torch

from training.segments import fixed_flags, flags_at_rate
from training.eval import heldout
from training.eval.asr import pocketsphinx_available
from training.eval.audio import read_wav_at
from training.eval.bootstrap import file_word_errors
from training.eval.report_markdown import with_kept_section
from training.eval.score import CachedRecognizer, score_pair
from training.eval.text import corpus_wer
from training.eval.whisper_judge import WhisperJudge, wer_without_runaways, whisper_normalize, whisper_wer
from training.checkpoint import load_codec
from training.losses import PhoneLoss
from training.model import frame_positions, pitch_inputs
from training.pitch import code as pitch_code
from training.pitch import track as pitch_track
from training.whisper.merge_features import asr_features


# The average rate the learning curve (docs/LEARNING_CURVE.md) is measured at.
DOC_RATE_HZ = 6.25


def decode_at_rate(m, x, rate, merge_features=None, fixed_rate=False):
    """PyTorch encode -> merge at `rate` Hz -> quantize -> decode, with the pitch levels a .fxc file at
    that rate carries; x (S,) float32 at 16 kHz.

    merge_features(mel (1, n_mels, 8T), merge stream (1, T, D)) -> (T, D') picks what the merge
    compares (default: the model's own merge stream); fixed_rate ignores features and cuts equal
    segments. The pooled means are the model's either way."""
    zq, _, lengths, seg_id, flags = quantize_at_rate(m, x, rate, merge_features, fixed_rate)
    n = flags.shape[1] * m.c.frame_samples
    stride = pitch_code.pitch_stride(round(rate * 100))
    pitch = pitch_inputs(pitch_track.track(x[:n])[None], pitch_stride=stride) if m.c.pitch else {}
    with torch.no_grad():
        return m.decoder(zq, lengths, seg_id, frame_positions(flags), **pitch)[0].numpy()


def quantize_at_rate(m, x, rate, merge_features=None, fixed_rate=False):
    """The encoder half of `decode_at_rate`: dequantized latents (K, C), FSQ digits (K, C),
    segment lengths (K,), segment ids (1, T) and boundary flags (1, T)."""
    n = len(x) // 1280 * 1280
    with torch.no_grad():
        audio = torch.from_numpy(x[:n])[None]
        mel = m.mel(audio)
        asr = torch.from_numpy(asr_features(x[:n]))[None] if m.c.merge_on == 'whisper' else None
        merge, pooled = m.streams(mel, m.semantic(mel), m.acoustic(mel), asr)
        if fixed_rate:
            f = fixed_flags(merge.shape[1], rate)
        else:
            feats = merge_features(mel, merge) if merge_features else merge[0].numpy()
            f = flags_at_rate(feats, rate, m.c.max_segment_frames)
        flags = torch.from_numpy(f)[None]
        zq, digits, lengths, seg_id = m.quantize_segments(merge, pooled, flags)
    return zq, digits, lengths, seg_id, flags


def phone_agreement(m, x, y):
    """Share of 80 ms frames where the model's own phone recogniser picks the same phone in the
    decoded audio y as in the original x (both (S,) at 16 kHz, aligned)."""
    n = min(len(x), len(y)) // 1280 * 1280
    with torch.no_grad():
        post = PhoneLoss(m).posteriors(torch.from_numpy(np.stack([x[:n], y[:n]]).astype(np.float32)))
    return float((post[0].argmax(-1) == post[1].argmax(-1)).float().mean())


class Judges:
    """The quality report's recognisers for A/B runs and the learning curve: Whisper base (the judge)
    and pocketsphinx (second opinion, where installed), with transcript caches."""

    def __init__(self, cache_dir='training/runs/quality'):
        self.whisper = WhisperJudge(cache_path=os.path.join(cache_dir, 'whisper_cache.json'))
        self.pocketsphinx = CachedRecognizer(os.path.join(cache_dir, 'asr_cache.json')) if pocketsphinx_available() else None

    def save(self):
        self.whisper.save()
        if self.pocketsphinx:
            self.pocketsphinx.save()


def score_snapshot(path, items, rate, judges=None, loaded=None, per_file=False):
    """Held-out scores of one checkpoint at `rate` Hz (PyTorch model), with the report's metrics.
    loaded: `load_codec(path)`'s (model, checkpoint), when the caller scores it at several rates.
    per_file: also return 'per_file' (each file's STOI and Whisper word errors and reference words,
    in the order of `items`), for paired intervals between checkpoints (training/eval/bootstrap.py)."""
    m, ck = loaded or load_codec(path)
    rows, agree, refs, whisper_hyps, sphinx_hyps = [], [], [], [], []
    for it in items:
        x = read_wav_at(it.wav, 16000).astype(np.float32)
        y = decode_at_rate(m, x, rate)
        rows.append(score_pair(x[: len(y)], y, 16000, standard=True))
        agree.append(phone_agreement(m, x[: len(y)], y))
        refs.append(it.text)
        if judges:
            whisper_hyps.append(judges.whisper.transcribe(y))
            if judges.pocketsphinx:
                sphinx_hyps.append(judges.pocketsphinx.transcribe(y))
    if judges:
        judges.save()

    def mean(key, digits=4):
        return round(float(np.nanmean([r[key] for r in rows])), digits)

    out = {'snapshot': os.path.basename(path), 'step': int(ck.get('step', 0)),
          'hours': round(float(ck.get('seconds', 0)) / 3600, 3), 'rate_hz': rate, 'files': len(items),
          'stoi': mean('stoi'), 'log_mel': mean('log_mel'), 'pesq': mean('pesq', 3), 'gpe': mean('gpe', 3),
          'periodicity': mean('periodicity', 3), 'periodicity_high': mean('periodicity_high', 3),
          'phone_agree': round(float(np.mean(agree)), 4),
          'whisper_wer': round(whisper_wer(refs, whisper_hyps), 1) if judges else None,
          'whisper_wer_steady': round(wer_without_runaways(refs, whisper_hyps) or float('nan'), 1) if judges else None,
          'wer': round(corpus_wer(refs, sphinx_hyps), 1) if judges and judges.pocketsphinx else None}
    if per_file:
        errors, words = file_word_errors(refs, whisper_hyps, whisper_normalize) if judges else ([], [])
        out['per_file'] = {'stoi': [r['stoi'] for r in rows], 'whisper_errors': list(map(float, errors)), 'whisper_words': list(map(float, words))}
    return out


def write_doc(rows, path):
    lines = ['# Learning curve', '',
             f'Held-out English (Asterisk en_US, never trained on), PyTorch model at {DOC_RATE_HZ} Hz average, '
             'regenerated by `.venv/bin/python -m training.curve`. Hours are CPU training hours of the '
             'codec stage (2 cores, shared machine).', '',
             'Phone agreement: the share of 80 ms frames where the model\'s own phone recogniser picks the '
             'same phone in the decoded audio as in the original (`training.curve.phone_agreement`). '
             'Whisper WER (the judge, Whisper base), PESQ (wideband) and gross pitch error as in docs/QUALITY.md; '
             'rows scored before the judge existed show "-" there. WER % is pocketsphinx\'s.', '',
             '| snapshot | step | training hours | files | STOI | log-mel dist | phone agreement | WER % | Whisper WER % | PESQ | gross pitch error |',
             '|---|---|---|---|---|---|---|---|---|---|---|']

    def cell(r, key):
        return '-' if r.get(key) is None else r[key]

    for r in sorted(rows, key=lambda r: r['step']):
        lines.append(f"| {r['snapshot']} | {r['step']} | {r['hours']} | {r['files']} | {r['stoi']} | "
                     f"{r['log_mel']} | {cell(r, 'phone_agree')} | {cell(r, 'wer')} | {cell(r, 'whisper_wer')} | "
                     f"{cell(r, 'pesq')} | {cell(r, 'gpe')} |")
    text = with_kept_section('\n'.join(lines) + '\n', path, '## Notes')  # hand-written notes survive
    with open(path, 'w') as f:
        f.write(text)


def _cell(v, kind=float):
    return None if v == '-' else kind(v)


def read_doc_rows(path):
    """The rows of an earlier docs/LEARNING_CURVE.md table, so that a run on a new machine (whose
    runs/ folder starts empty) extends the curve instead of replacing it."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cells) not in (8, 11) or not cells[0].startswith('codec-step'):  # 8: before the Whisper judge
                continue
            cells += ['-'] * (11 - len(cells))
            rows.append({'snapshot': cells[0], 'step': int(cells[1]), 'hours': float(cells[2]), 'files': int(cells[3]),
                         'stoi': float(cells[4]), 'log_mel': float(cells[5]), 'phone_agree': _cell(cells[6]),
                         'wer': _cell(cells[7]), 'whisper_wer': _cell(cells[8]), 'pesq': _cell(cells[9]), 'gpe': _cell(cells[10])})
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', default='training/runs/main')
    p.add_argument('--files', type=int, default=24)
    p.add_argument('--rate', type=float, default=DOC_RATE_HZ)
    p.add_argument('--doc', default='docs/LEARNING_CURVE.md')
    p.add_argument('--threads', type=int, default=2, help='torch threads (1 beside a training run)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    judges = Judges()
    curve_path = os.path.join(a.run, 'curve.jsonl')
    rows = []
    if os.path.exists(curve_path):
        with open(curve_path) as f:
            rows = [json.loads(line) for line in f]
    if a.rate == DOC_RATE_HZ:  # the doc's rows carry no rate: they are all at the rate its header names
        known = {(r['snapshot'], r['files']) for r in rows}
        rows += [{**r, 'rate_hz': a.rate} for r in read_doc_rows(a.doc) if (r['snapshot'], r['files']) not in known]
    done = {(r['snapshot'], r['files'], r['rate_hz']) for r in rows}
    for path in sorted(glob.glob(os.path.join(a.run, 'snapshots', 'codec-step*.pt'))):
        if (os.path.basename(path), len(items), a.rate) in done:
            continue
        row = score_snapshot(path, items, a.rate, judges)
        print(json.dumps(row), flush=True)
        rows.append(row)
        with open(curve_path, 'a') as f:
            f.write(json.dumps(row) + '\n')
    write_doc([r for r in rows if r['files'] == len(items) and r['rate_hz'] == a.rate], a.doc)


if __name__ == '__main__':
    main()
