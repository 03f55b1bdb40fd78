"""The A/B on the held-out English set: the shipped decoder against the feature decoder + FARGAN, on
the same frozen codes.

  .venv/bin/python -m training.featdec.evaluate --conditions original fargan shipped --rates 12.5 6.25
  .venv/bin/python -m training.featdec.evaluate --conditions featdec featdec-coded --ckpt training/runs/featdec/featdec.pt
  .venv/bin/python -m training.featdec.evaluate --report
  .venv/bin/python -m training.featdec.evaluate --diagnostics --files 30
  .venv/bin/python -m training.featdec.evaluate --spectrograms docs/feature_decoder_spectrograms.png

Per file and rate, the shipped encoder, the runtime's tau bisection and the shipped quantizer give the
codes (training/curve.py `quantize_at_rate`), and the pitch levels a .fxc file at that rate carries:
- shipped: the shipped PyTorch decoder (iSTFT + harmonic head), as training.compare decodes;
- featdec: the feature decoder's 20 features (pitch period code predicted) -> libopus FARGAN (native);
- featdec-coded: the same with the pitch period code taken from the coded F0 where that is voiced;
- featdec-gv: featdec with each cepstrum's motion over the file scaled up by `variance_gains`;
- fargan: FARGAN resynthesis of the original's own LPCNet features (the decoder's ceiling, no coding);
- original: the uncoded file (the judge's own WER).
Scores: the report's (training/eval/score.py with standard metrics: STOI, PESQ wb, ...) and the
Whisper base judge (its own transcript cache under --out). Each condition's per-file rows go to
<out>/<condition>-<rate>.json, so conditions can be run at different times on the same files;
--report prints the table with 95 % bootstrap intervals over files, and every condition paired
against the shipped decoder at the same rate (training/eval/bootstrap.py).
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from training.curve import quantize_at_rate
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.bootstrap import file_word_errors, paired_difference, ratio_interval
from training.eval.score import score_pair
from training.eval.whisper_judge import WhisperJudge, is_runaway, whisper_normalize
from training.checkpoint import load_codec
from training.featdec.data import SHIPPED
from training.featdec.model import CEPSTRA, FeatDecConfig, FeatureDecoder, with_coded_pitch
from training.model import frame_positions, pitch_inputs
from training.pitch import code as pitch_code
from training.pitch import track as pitch_track
from training.vocoder import native

RATE_FREE = ('original', 'fargan')  # conditions that do not depend on the rate
# The corpus's validation split in the decoder's cache (data.py), for `variance_gains`.
VALID_CACHE = 'training/data/cache/featdec/valid.npz'


def load_featdec(path):
    ck = torch.load(path, map_location='cpu')
    dec = FeatureDecoder(FeatDecConfig(**ck['config']))
    dec.load_state_dict({k: v.float() for k, v in ck['model'].items()})
    dec.eval()
    return dec, ck


def variance_gains(dec, codec, cache_path=VALID_CACHE, crops=64, seed=0):
    """Per cepstrum, how much more the true features vary inside a crop than the predicted ones (the
    mean over `crops` validation crops of std(true) / std(pred), each crop at a rate drawn as in
    training), measured on the corpus's 'valid' split, never on the held-out set -> (18,).

    L1 regression predicts something near the conditional median, so the cepstra come out smoother
    than speech; scaling each cepstrum's deviation from its utterance mean by this gain is the
    global-variance compensation of statistical parametric synthesis (Toda and Tokuda 2007)."""
    import random

    from training.featdec.data import FeatureCache
    from training.featdec.train import decode_batch, draw_tau

    cache, rng, nrng = FeatureCache(cache_path), random.Random(seed), np.random.default_rng(seed)
    ratios = []
    with torch.no_grad():
        for _ in range(crops // 16):
            merge, pooled, f0, lpc = cache.batch(nrng, 16, 32)
            pred, _ = decode_batch(dec, codec, merge, pooled, f0, draw_tau(merge, rng))
            ratios.append((lpc[..., :CEPSTRA].std(1) / pred[..., :CEPSTRA].std(1).clamp(min=1e-3)).numpy())
    return np.concatenate(ratios).mean(0).astype(np.float32)


def with_variance_gains(features, gains):
    """features (N, 20) with each cepstrum's deviation from its mean over the file scaled by gains (18,)."""
    out = features.copy()
    mean = out[:, :CEPSTRA].mean(0)
    out[:, :CEPSTRA] = mean + gains * (out[:, :CEPSTRA] - mean)
    return out


def coded(codec, x, rate):
    """The frozen path at `rate`: (n samples coded, decoder inputs dict, pitch inputs dict)."""
    zq, _, lengths, seg_id, flags = quantize_at_rate(codec, x, rate)
    n = flags.shape[1] * codec.c.frame_samples
    stride = pitch_code.pitch_stride(round(rate * 100))
    pitch = pitch_inputs(pitch_track.track(x[:n])[None], pitch_stride=stride)
    return n, (zq, lengths, seg_id, frame_positions(flags)), pitch


def decode(condition, x, rate, codec, dec, gains=None):
    """The audio a condition makes of x (S,) float32 at `rate` Hz, and its 20 features where it has them."""
    if condition == 'original':
        return x, None
    if condition == 'fargan':
        feats = native.analyse(x)
        return native.synthesize(feats)[: len(x)], feats
    n, inputs, pitch = coded(codec, x, rate)
    with torch.no_grad():
        if condition == 'shipped':
            return codec.decoder(*inputs, **pitch)[0].numpy(), None
        feats = dec(*inputs, pitch['f0_frames'])
        if condition == 'featdec-coded':
            feats = with_coded_pitch(feats, pitch['f0_frames'])
    feats = feats[0].numpy().astype(np.float32)
    if condition == 'featdec-gv':
        feats = with_variance_gains(feats, gains)
    return native.synthesize(feats)[:n], feats


def run(conditions, rates, files, out, ckpt):
    os.makedirs(out, exist_ok=True)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), files)
    codec, _ = load_codec(SHIPPED)
    dec = load_featdec(ckpt)[0] if any(c.startswith('featdec') for c in conditions) else None
    gains = variance_gains(dec, codec) if 'featdec-gv' in conditions else None
    if gains is not None:
        print('variance gains', np.round(gains, 2).tolist(), flush=True)
    judge = WhisperJudge(cache_path=os.path.join(out, 'whisper_cache.json'))
    for condition in conditions:
        for rate in ([0.0] if condition in RATE_FREE else rates):
            t0, rows = time.time(), []
            for it in items:
                x = read_wav_at(it.wav, 16000).astype(np.float32)
                y, _ = decode(condition, x, rate, codec, dec, gains)
                y = np.asarray(y, np.float32)
                s = score_pair(x[: len(y)], y, 16000, standard=True)
                hyp = judge.transcribe(y)
                errors, words = file_word_errors([it.text], [hyp], whisper_normalize)
                rows.append({'stem': it.stem, **{k: float(v) for k, v in s.items()}, 'hypothesis': hyp,
                             'whisper_errors': float(errors[0]), 'whisper_words': float(words[0]),
                             'runaway': is_runaway(hyp, it.text), 'bits_per_second': None})
            judge.save()
            meta = {'condition': condition, 'rate_hz': rate, 'files': len(items), 'ckpt': ckpt if condition.startswith('featdec') else SHIPPED,
                    'seconds': round(time.time() - t0, 1), 'rows': rows}
            with open(os.path.join(out, f'{condition}-{rate:g}.json'), 'w') as f:
                json.dump(meta, f, indent=0)
            print(f'{condition} at {rate:g} Hz: {len(items)} files in {time.time() - t0:.0f} s, '
                  f'Whisper WER {100 * sum(r["whisper_errors"] for r in rows) / sum(r["whisper_words"] for r in rows):.1f} %, '
                  f'STOI {np.mean([r["stoi"] for r in rows]):.3f}', flush=True)


def fmt_interval(point, low, high, scale=1.0, digits=1):
    return f'{scale * point:.{digits}f} [{scale * low:.{digits}f}, {scale * high:.{digits}f}]'


def report(out):
    """Markdown tables of every condition scored under `out`, with bootstrap intervals."""
    runs = {}
    for name in sorted(os.listdir(out)):
        if name.endswith('.json') and name != 'whisper_cache.json':
            with open(os.path.join(out, name)) as f:
                r = json.load(f)
            runs[(r['condition'], r['rate_hz'])] = r
    lines = ['| condition | rate Hz | files | Whisper WER % [95 % CI] | runaways | STOI [95 % CI] | ESTOI | PESQ wb | gross pitch error | log-mel dist |',
             '|---|---:|---:|---|---:|---|---:|---:|---:|---:|']
    order = ['original', 'fargan', 'shipped', 'featdec', 'featdec-coded', 'featdec-gv']
    keys = sorted(runs, key=lambda k: (-k[1], order.index(k[0]) if k[0] in order else 99))
    for key in keys:
        rows = runs[key]['rows']
        err = [r['whisper_errors'] for r in rows]
        words = [r['whisper_words'] for r in rows]
        stoi = [r['stoi'] for r in rows]
        wer = 100 * sum(err) / sum(words)
        lo, hi = ratio_interval(err, words)
        slo, shi = ratio_interval(stoi)
        mean = lambda k: np.nanmean([r[k] for r in rows if r.get(k) is not None])
        lines.append(f"| {key[0]} | {key[1]:g} | {len(rows)} | {fmt_interval(wer / 100, lo, hi, 100)} | "
                     f"{sum(r['runaway'] for r in rows)} | {fmt_interval(np.mean(stoi), slo, shi, 1, 3)} | "
                     f"{mean('estoi'):.3f} | {mean('pesq'):.2f} | {mean('gpe'):.3f} | {mean('log_mel'):.3f} |")
    lines += ['', '| rate Hz | condition − shipped | Whisper WER points [95 % CI] | STOI [95 % CI] | PESQ [95 % CI] |',
              '|---:|---|---|---|---|']
    for (cond, rate), r in sorted(runs.items(), key=lambda kv: -kv[0][1]):
        base = runs.get(('shipped', rate))
        if cond == 'shipped' or base is None:
            continue
        a, b = r['rows'], base['rows']
        if [x['stem'] for x in a] != [x['stem'] for x in b]:
            continue
        col = lambda rows, k: [x[k] for x in rows]
        w = paired_difference(col(a, 'whisper_errors'), col(b, 'whisper_errors'), col(a, 'whisper_words'), col(b, 'whisper_words'))
        s = paired_difference(col(a, 'stoi'), col(b, 'stoi'))
        p = paired_difference(col(a, 'pesq'), col(b, 'pesq'))
        lines.append(f'| {rate:g} | {cond} | {fmt_interval(*w, 100)} | {fmt_interval(*s, 1, 3)} | {fmt_interval(*p, 1, 2)} |')
    # the rate-free conditions against the shipped decoder at each rate
    for rate in sorted({k[1] for k in runs if k[0] == 'shipped'}, reverse=True):
        for cond in RATE_FREE:
            r, base = runs.get((cond, 0.0)), runs[('shipped', rate)]
            if r is None or [x['stem'] for x in r['rows']] != [x['stem'] for x in base['rows']]:
                continue
            a, b = r['rows'], base['rows']
            col = lambda rows, k: [x[k] for x in rows]
            w = paired_difference(col(a, 'whisper_errors'), col(b, 'whisper_errors'), col(a, 'whisper_words'), col(b, 'whisper_words'))
            s = paired_difference(col(a, 'stoi'), col(b, 'stoi'))
            p = paired_difference(col(a, 'pesq'), col(b, 'pesq'))
            lines.append(f'| {rate:g} | {cond} (uncoded) | {fmt_interval(*w, 100)} | {fmt_interval(*s, 1, 3)} | {fmt_interval(*p, 1, 2)} |')
    return '\n'.join(lines)


def diagnostics(files, rates, ckpt):
    """Feature-domain errors of the decoder against the original's own LPCNet features on held-out
    files: cepstral L1 (c0 alone and c1-c17), how much of the true frame-to-frame motion of the
    cepstra the prediction keeps (std of the predicted changes / std of the true ones), voicing
    agreement (pitch correlation above 0.5) and the pitch code's error in frames both call voiced
    (octaves), for the predicted and the coded pitch."""
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), files)
    codec, _ = load_codec(SHIPPED)
    dec = load_featdec(ckpt)[0]
    lines = ['| rate Hz | c0 L1 | c1-c17 L1 | cepstral motion kept | voicing agreement | pitch error, predicted (oct) | pitch error, coded (oct) |',
             '|---:|---:|---:|---:|---:|---:|---:|']
    for rate in rates:
        acc = {k: [] for k in ('c0', 'ceps', 'dp', 'dt', 'vag', 'pp', 'pc')}
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            n, inputs, pitch = coded(codec, x, rate)
            with torch.no_grad():
                pred = dec(*inputs, pitch['f0_frames'])
            cod = with_coded_pitch(pred, pitch['f0_frames'])[0].numpy()
            pred = pred[0].numpy()
            true = native.analyse(x[:n])
            acc['c0'].append(np.abs(pred[:, 0] - true[:, 0]))
            acc['ceps'].append(np.abs(pred[:, 1:18] - true[:, 1:18]).mean(1))
            acc['dp'].append(np.diff(pred[:, :18], axis=0))
            acc['dt'].append(np.diff(true[:, :18], axis=0))
            acc['vag'].append((pred[:, 19] > 0) == (true[:, 19] > 0))
            both = (pred[:, 19] > 0) & (true[:, 19] > 0)
            acc['pp'].append(np.abs(pred[both, 18] - true[both, 18]))
            acc['pc'].append(np.abs(cod[both, 18] - true[both, 18]))
        cat = {k: np.concatenate(v) for k, v in acc.items()}
        motion = float(np.mean(cat['dp'].std(0) / cat['dt'].std(0)))
        lines.append(f"| {rate:g} | {cat['c0'].mean():.3f} | {cat['ceps'].mean():.3f} | {motion:.2f} | {cat['vag'].mean():.3f} | "
                     f"{np.median(cat['pp']):.3f} (>1/4: {np.mean(cat['pp'] > 0.25):.3f}) | {np.median(cat['pc']):.3f} (>1/4: {np.mean(cat['pc'] > 0.25):.3f}) |")
    return '\n'.join(lines)


def spectrograms(path, rates, ckpt, file_index=0):
    """One held-out file decoded by each condition at each rate, as the quality report draws codecs."""
    from training.eval.report_plot import plot_spectrograms

    it = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()))[file_index]
    codec, _ = load_codec(SHIPPED)
    dec = load_featdec(ckpt)[0]
    x = read_wav_at(it.wav, 16000).astype(np.float32)
    panels = [(f'original ({it.stem})', x), ('FARGAN resynthesis of the original (no coding)', decode('fargan', x, 0, codec, dec)[0])]
    for rate in rates:
        panels.append((f'shipped decoder at {rate:g} Hz', decode('shipped', x, rate, codec, dec)[0]))
        panels.append((f'feature decoder + FARGAN at {rate:g} Hz', decode('featdec', x, rate, codec, dec)[0]))
    plot_spectrograms(panels, 16000, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--conditions', nargs='+', default=['original', 'fargan', 'shipped', 'featdec', 'featdec-coded'])
    p.add_argument('--rates', type=float, nargs='+', default=[12.5, 6.25])
    p.add_argument('--files', type=int, default=heldout.DEFAULT_FILE_COUNT)
    p.add_argument('--ckpt', default='training/runs/featdec/featdec.pt')
    p.add_argument('--out', default='training/runs/featdec/eval')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--report', action='store_true', help='print the tables of what --out holds')
    p.add_argument('--spectrograms', default='', help='PNG: the first held-out file under each condition and rate')
    p.add_argument('--diagnostics', action='store_true', help="print the decoder's feature-domain errors on --files held-out files")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.report:
        print(report(a.out))
        return
    if a.spectrograms:
        spectrograms(a.spectrograms, a.rates, a.ckpt)
        return
    if a.diagnostics:
        print(diagnostics(a.files, a.rates, a.ckpt))
        return
    run(a.conditions, a.rates, a.files, a.out, a.ckpt)


if __name__ == '__main__':
    main()
