"""The A/B of FlexiCodec v3 on the held-out English set, paired with the shipped model's rows.

  .venv/bin/python -m training.v3.evaluate --ckpt training/runs/v3/v3.pt --rates 12.5 6.25 3 [--fixed] [--files 60]
  .venv/bin/python -m training.v3.evaluate --report

Per file and rate: libopus's analysis, the v3 encoder, the merge at the tau the runtime's bisection
picks for the rate (`--fixed`: constant-length segments, the paper's ablation), the quantizer, the
decoder with the pitch track a .fxc file at that rate carries, and libopus's FARGAN (native). Rows
go to <out>/<condition>-<rate>.json beside the earlier rows ('original', 'fargan',
'shipped'), with the same Whisper cache, so `--report` pairs every condition with the shipped model
at the same rate, and v3 with v3-fixed.
"""
import argparse
from dataclasses import replace
import json
import os
import time

import numpy as np
import torch

from training.segments import fixed_flags, layout_flags
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.bootstrap import file_word_errors, paired_difference
from training.eval.score import score_pair
from training.eval.whisper_judge import WhisperJudge, is_runaway, whisper_normalize
from training.merge import frame_positions
from training.pitch.inputs import pitch_inputs
from training.pitch import code as pitch_code
from training.pitch import track as pitch_track
from training.v3.export import streams
from training.v3.model import drop_absent_groups, segment_layout
from training.v3.report import fmt_interval, report as rows_report
from training.v3.train import load
from training.vocoder import native

OUT = 'training/runs/featdec/eval'


def padded(x: np.ndarray) -> np.ndarray:
    """x zero-padded to whole 80 ms frames, as the runtime pads the last frame."""
    n = -(-len(x) // 1280) * 1280
    return np.concatenate([x, np.zeros(n - len(x), np.float32)])


def own_merge(m) -> str:
    """What the model's own layout cuts, in --merge-on's words: 'whisper' for V3Config.merge_on
    'whisper', else 'cepstra' (the model's stream, the fine stream's means for merge_on 'fine')."""
    return 'whisper' if m.c.merge_on == 'whisper' else 'cepstra'


def check_merge_on(m, merge_on):
    """merge_on, or the model's own when None; refuses 'cepstra' for a model that merges on Whisper's
    features (its encoder gives no other merge stream)."""
    own = own_merge(m)
    if merge_on == 'cepstra' and own == 'whisper':
        raise SystemExit("this model merges on Whisper's features (V3Config.merge_on 'whisper'): it has no cepstral "
                         'merge stream; leave --merge-on out')
    return merge_on or own


def code_and_decode(m, x: np.ndarray, rate: float, fixed=False, merge_on=None, groups=0, layout=''):
    """x (S,) float32 16 kHz -> (decoded audio (S,), predicted features (8T, 20), segments K, frames T).
    merge_on 'whisper': the boundaries come from Whisper tiny.en's 12.5 Hz features (the paper's
    ASR-guided merge, through the runtime's window scheme), for a model of another merge_on zero-shot
    instead of its own stream; None: the model's own (check_merge_on)."""
    merge_on = check_merge_on(m, merge_on)
    xp = padded(x)
    asr = None
    if m.c.semantic or merge_on == 'whisper':
        from training.whisper.merge_features import asr_features

        asr = asr_features(xp)  # once: the encoder's semantic stream and the merge stream alike
    merge, acoustic = streams(m, xp, (lambda _: asr) if asr is not None else None)
    T = merge.shape[0]
    if merge_on == 'whisper':
        merge = asr
    flags = fixed_flags(T, rate) if fixed else layout_flags(merge, rate, m.c.max_segment_frames, layout or m.c.layout, m.c.spread_length_penalty)
    flags_t = torch.from_numpy(flags)[None]
    seg_id, seg_start, seg_len = segment_layout(flags_t)
    stride = pitch_code.pitch_stride(round(rate * 100))
    f0 = pitch_inputs(pitch_track.track(xp)[None], pitch_stride=stride)['f0_frames']
    with torch.no_grad():
        z = m.quantizer.latent(torch.from_numpy(acoustic).reshape(-1, m.c.enc_dim), seg_start, seg_len)
        zq, _ = m.quantizer.quantize(z)
        kept = groups or m.c.groups_at(rate)  # `groups`: the ablation's count instead of the rate's
        zq = drop_absent_groups(zq, torch.full((len(seg_len),), kept), m.c.fsq_channels_per_group)
        feats = m.decode_segments(zq, seg_len, seg_id, frame_positions(flags_t), f0)[0].numpy().astype(np.float32)
    return native.synthesize(feats)[: len(x)], feats, len(seg_len), T


def run(ckpt, rates, files, out, fixed, name, merge_on=None, groups=0, layout='', length_penalty=None):
    os.makedirs(out, exist_ok=True)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), files)
    m = load(ckpt)
    if length_penalty is not None:  # the spread layout's penalty instead of the model's
        m.c = replace(m.c, spread_length_penalty=length_penalty)
    judge = WhisperJudge(cache_path=os.path.join(out, 'whisper_cache.json'))
    merge_on = check_merge_on(m, merge_on)
    # '-whisper-merge' marks the zero-shot condition, not a model whose own layout cuts Whisper's features
    condition = name + ('-fixed' if fixed else '') + ('-whisper-merge' if merge_on != own_merge(m) else '')
    for rate in rates:
        t0, rows = time.time(), []
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            y, _, K, T = code_and_decode(m, x, rate, fixed, merge_on, groups, layout)
            s = score_pair(x[: len(y)], y, 16000, standard=True)
            hyp = judge.transcribe(y)
            errors, words = file_word_errors([it.text], [hyp], whisper_normalize)
            rows.append({'stem': it.stem, **{k: float(v) for k, v in s.items()}, 'hypothesis': hyp,
                         'whisper_errors': float(errors[0]), 'whisper_words': float(words[0]),
                         'runaway': is_runaway(hyp, it.text), 'segments': K, 'frames': T})
        judge.save()
        meta = {'condition': condition, 'rate_hz': rate, 'files': len(items), 'ckpt': ckpt,
                'achieved_hz': 12.5 * sum(r['segments'] for r in rows) / sum(r['frames'] for r in rows),
                'seconds': round(time.time() - t0, 1), 'rows': rows}
        with open(os.path.join(out, f'{condition}-{rate:g}.json'), 'w') as f:
            json.dump(meta, f, indent=0)
        wer = 100 * sum(r['whisper_errors'] for r in rows) / sum(r['whisper_words'] for r in rows)
        print(f'{condition} at {rate:g} Hz ({meta["achieved_hz"]:.2f} achieved): {len(items)} files in {time.time() - t0:.0f} s, '
              f'Whisper WER {wer:.1f} %, runaways {sum(r["runaway"] for r in rows)}, STOI {np.mean([r["stoi"] for r in rows]):.3f}, '
              f'PESQ {np.nanmean([r["pesq"] for r in rows]):.2f}', flush=True)


def dynamic_vs_fixed(out, name='v3'):
    """Paired Whisper-WER and STOI differences of the merged model against its fixed-rate ablation."""
    lines = ['| rate Hz | dynamic − fixed Whisper WER points [95 % CI] | STOI [95 % CI] |', '|---:|---|---|']
    for fname in sorted(os.listdir(out)):
        if not (fname.startswith(name + '-fixed-') and fname.endswith('.json')):
            continue
        rate = fname[len(name) + 7:-5]
        dyn = os.path.join(out, f'{name}-{rate}.json')
        if not os.path.exists(dyn):
            continue
        a, b = (json.load(open(p))['rows'] for p in (dyn, os.path.join(out, fname)))
        if [x['stem'] for x in a] != [x['stem'] for x in b]:
            continue
        col = lambda rows, k: [x[k] for x in rows]
        w = paired_difference(col(a, 'whisper_errors'), col(b, 'whisper_errors'), col(a, 'whisper_words'), col(b, 'whisper_words'))
        s = paired_difference(col(a, 'stoi'), col(b, 'stoi'))
        lines.append(f'| {rate} | {fmt_interval(*w, 100)} | {fmt_interval(*s, 1, 3)} |')
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', default='training/runs/v3/v3.pt')
    p.add_argument('--name', default='v3', help='the condition name the rows are stored under')
    p.add_argument('--rates', type=float, nargs='+', default=[12.5, 6.25, 3.0])
    p.add_argument('--fixed', action='store_true', help='constant-length segments instead of the similarity merge')
    p.add_argument('--merge-on', choices=['cepstra', 'whisper'], default=None,
                   help="what the merge compares: the model's cepstral stream, or Whisper tiny.en's features "
                        "(default: the model's own, V3Config.merge_on)")
    p.add_argument('--layout', choices=['', 'threshold', 'spread'], default='',
                   help="the dynamic layout (training/segments.py LAYOUTS; default: the model's own)")
    p.add_argument('--spread-length-penalty', type=float, default=None,
                   help="the spread layout's length penalty (default: the model's V3Config.spread_length_penalty)")
    p.add_argument('--groups', type=int, default=0,
                   help="code groups every segment carries (an ablation; default: the model's count at each rate)")
    p.add_argument('--asr-onnx', default='',
                   help="Whisper features from this ONNX file instead of the shipped asr.onnx (merge_features.use_onnx)")
    p.add_argument('--files', type=int, default=heldout.DEFAULT_FILE_COUNT)
    p.add_argument('--out', default=OUT)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--report', action='store_true')
    p.add_argument('--baseline', default='shipped', help='--report: the condition every other is paired with')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.report:
        print(rows_report(a.out, a.baseline))
        print()
        print(dynamic_vs_fixed(a.out, a.name))
        return
    if a.asr_onnx:
        from training.whisper.merge_features import use_onnx
        use_onnx(a.asr_onnx)
    run(a.ckpt, a.rates, a.files, a.out, a.fixed, a.name, a.merge_on, a.groups, a.layout, a.spread_length_penalty)


if __name__ == '__main__':
    main()
