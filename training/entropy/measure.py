"""Frequency tables of the .fxc v2/v3 range coder, measured on the training corpus, into models.json.

Runs the model over a sample of 'train' utterances (every speaker, target rates drawn across
3-12.5 Hz, training.entropy.collect), fits the tables of training.entropy.tables, writes them as
the "entropy" section of models.json (the encoder then writes v2 files, or v4 for a model that
codes pitch: then the section has a pitch table too, fitted to the consecutive 80 ms frames' pitch
levels of the same utterances, and the model's id names the tables), and reports what each
probability model would cost on the corpus's 'valid' split at 12.5 / 8.3 / 6.25 / 3 Hz: bits per
segment and whole-file bit/s, and for pitch bits per frame and bit/s (a level per frame; v4 codes
one per two frames below 5 Hz, which the whole-file row counts). training.v3.export runs it on
every export. (The earlier family's command-line entry, which measured one of its checkpoints,
was retired with it; its code is in commit 1215a19.)
"""
import os

import numpy as np

from training.entropy import tables as tb
from training.entropy.collect import collect, load, save
from training.entropy.container import v4_overhead_bytes
from training.pitch.code import pitch_stride

# Rates of the report (the quality report's rates).
REPORT_RATES_HZ = [12.5, 8.3, 6.25, 3.0]
# Header and CRC bytes of a v1 and a v2 file (a v4 file's depend on its length: container.v4_overhead_bytes).
V1_OVERHEAD_BYTES, V2_OVERHEAD_BYTES = 24, 28


def cross_entropy(train_sym, train_ctx, test_sym, test_ctx, n_ctx, n_sym=8):
    """Bits of each test symbol under frequencies fitted to the train symbols in their contexts."""
    cnt = np.full((n_ctx, n_sym), tb.PSEUDO_COUNT)
    np.add.at(cnt, (train_ctx, train_sym), 1)
    f = np.stack([tb.quantise(c) for c in cnt])
    return -np.log2(f[test_ctx, test_sym] / (1 << tb.TOTAL_BITS))


def flatten(streams):
    """Per segment: length - 1, previous length - 1 (8 = none), rate bucket, digits, contexts."""
    keys = ['len', 'prev_len', 'bucket', 'digits', 'ctx', 'rate']
    cols = {k: [] for k in keys}
    # the digit models compare the channels every stream carries (rates with reduced code groups
    # carry only the first ones)
    width = min(s['digits'].shape[1] for s in streams)
    for s in streams:
        K = len(s['lengths'])
        cols['len'].append(s['lengths'] - 1)
        cols['prev_len'].append(np.concatenate([[8], s['lengths'][:-1] - 1]))
        cols['bucket'].append(np.full(K, tb.rate_bucket(round(s['rate'] * 100))))
        cols['digits'].append(s['digits'][:, :width])
        cols['ctx'].append(tb.contexts(s['lengths'], s['digits'][:, :width]))
        cols['rate'].append(np.full(K, s['rate']))
    return {k: np.concatenate(v) for k, v in cols.items()}


def utterance_pitch(streams):
    """The frame levels of each utterance once: its streams at several rates (consecutive, as
    training.entropy.collect writes them) share one level per frame, whatever the rate."""
    out = []
    for s in streams:
        if not out or not np.array_equal(out[-1]['pitch'], s['pitch']):
            out.append({'pitch': s['pitch']})
    return out


def pitch_bits(train, valid):
    """Bits per valid frame (N,) of each pitch model, fitted on the train frames: levels of
    consecutive 80 ms frames of each utterance (utterance_pitch)."""
    n = tb.PITCH_LEVELS
    tr, te = np.concatenate([s['pitch'] for s in train]), np.concatenate([s['pitch'] for s in valid])
    ptr = np.concatenate([tb.pitch_contexts(s['pitch']) for s in train])
    pte = np.concatenate([tb.pitch_contexts(s['pitch']) for s in valid])
    zt, ze = np.zeros(len(tr), int), np.zeros(len(te), int)
    return {f'fixed {int(np.log2(n))} bits': np.full(len(te), np.log2(n)),
            'marginal': cross_entropy(tr, zt, te, ze, 1, n),
            "previous frame's level": cross_entropy(tr, ptr, te, pte, n + 1, n)}


def model_bits(tr, te):
    """Bits per test segment (N,) of each length and digit model, fitted on tr."""
    zt, ze = np.zeros(len(tr['len']), int), np.zeros(len(te['len']), int)
    L = {'fixed 3 bits': np.full(len(ze), 3.0),
         'marginal': cross_entropy(tr['len'], zt, te['len'], ze, 1),
         'previous length': cross_entropy(tr['len'], tr['prev_len'], te['len'], te['prev_len'], 9),
         'target rate': cross_entropy(tr['len'], tr['bucket'], te['len'], te['bucket'], len(tb.RATE_BUCKETS_CENTI_HZ))}
    D = {f'fixed {3 * tr["digits"].shape[1]} bits': np.full(len(ze), 3.0 * tr['digits'].shape[1]), 'marginal per channel': 0, 'previous segment': 0,
         'previous segment + channel': 0}
    for c in range(tr['digits'].shape[1]):
        st, se = tr['digits'][:, c], te['digits'][:, c]
        pt, pe = tr['ctx'][:, c, 0], te['ctx'][:, c, 0]
        qt, qe = tr['ctx'][:, c, 1], te['ctx'][:, c, 1]
        D['marginal per channel'] = D['marginal per channel'] + cross_entropy(st, zt, se, ze, 1)
        D['previous segment'] = D['previous segment'] + cross_entropy(st, pt, se, pe, 9)
        D['previous segment + channel'] = D['previous segment + channel'] + cross_entropy(st, pt * 8 + qt, se, pe * 8 + qe, 72)
    return L, D


def report(train, valid, lf, df, frame_samples=1280, sample_rate=16000, pf=None, fxc_version=4):
    """Markdown: bits per segment of each model on the valid split, and whole-file bit/s of v1 and
    of v2 (v4 with the pitch table `pf`: its header, and below 5 Hz a level per two frames) with
    the shipped tables (payload bytes from the Python twin of the range coder; v1 has no pitch);
    with `pf`, a second table of the pitch models' bits per frame and bit/s (a level per 80 ms
    frame, as fitted)."""
    tr, te = flatten(train), flatten(valid)
    L, D = model_bits(tr, te)
    lines = ['| probability model | ' + ' | '.join(f'{r:g} Hz' for r in REPORT_RATES_HZ) + ' |',
             '| --- |' + ' --- |' * len(REPORT_RATES_HZ)]
    for kind, models in [('length', L), ('digits', D)]:
        for name, bits in models.items():
            lines.append(f'| {kind}: {name} | ' + ' | '.join(
                f'{bits[np.isclose(te["rate"], r)].mean():.2f}' for r in REPORT_RATES_HZ) + ' |')
    v1, v2, secs = {}, {}, {}
    for s in valid:
        r, K, samples = s['rate'], len(s['lengths']), int(s['lengths'].sum()) * frame_samples
        centi_hz = round(r * 100)
        codes = (s['digits'].reshape(K, -1, 4) * 8 ** np.arange(4)).sum(-1)
        if pf is None:
            payload, overhead = tb.encode_segments(lf, df, centi_hz, s['lengths'], codes), V2_OVERHEAD_BYTES
        else:
            payload = tb.encode_segments(lf, df, centi_hz, s['lengths'], codes, pf=pf, pitch=s['pitch'],
                                         pitch_stride=pitch_stride(centi_hz))
            overhead = v4_overhead_bytes(samples, fxc_version)
        # v1 bit-packs 3 length bits and 3 bits a digit: 87 bits a segment of 7 groups, 111 of 9
        segment_bits = 3 + 3 * s['digits'].shape[1]
        v1[r] = v1.get(r, 0) + V1_OVERHEAD_BYTES + -(-segment_bits * K // 8)
        v2[r] = v2.get(r, 0) + overhead + len(payload)
        secs[r] = secs.get(r, 0) + samples / sample_rate
    lines.append('| whole file, v1 (bit/s) | ' + ' | '.join(f'{8 * v1[r] / secs[r]:.0f}' for r in REPORT_RATES_HZ) + ' |')
    lines.append(f'| whole file, v{2 if pf is None else fxc_version} (bit/s) | ' + ' | '.join(f'{8 * v2[r] / secs[r]:.0f}' for r in REPORT_RATES_HZ) + ' |')
    if pf is not None:
        frames_per_second = sample_rate / frame_samples
        lines += ['', '| pitch probability model | bits per frame | bit/s |', '| --- | --- | --- |']
        for name, bits in pitch_bits(utterance_pitch(train), utterance_pitch(valid)).items():
            lines.append(f'| pitch: {name} | {bits.mean():.2f} | {bits.mean() * frames_per_second:.1f} |')
    return '\n'.join(lines), {str(r): round(8 * v2[r] / secs[r], 1) for r in REPORT_RATES_HZ}


def measure(m, corpus, per_speaker=40, rates_per_file=3, cache=None, segmenter=None, pitch=None, channels=28,
            fxc_version=4):
    """Collects (or loads from `cache`) the train and valid segments, fits the tables; returns the
    models.json section and the markdown report. `segmenter(m, x, rates)` codes an utterance
    (training.entropy.collect.collect); `pitch` says whether the model codes pitch (default: its
    config's `pitch`); `channels`: FSQ digits a segment of the full-rate model carries (a stream at a
    rate with reduced code groups carries only the first of them)."""
    if cache and os.path.exists(f'{cache}/train.npz'):
        train, valid = load(f'{cache}/train.npz'), load(f'{cache}/valid.npz')
    else:
        if segmenter is None:
            raise ValueError('measure: nothing cached, so it needs a segmenter to code the corpus')
        train = collect(m, corpus, 'train', per_speaker, rates_per_file, segmenter=segmenter)
        valid = collect(m, corpus, 'valid', 10 ** 6, fixed_rates=REPORT_RATES_HZ, segmenter=segmenter)
        if cache:
            os.makedirs(cache, exist_ok=True)
            save(f'{cache}/train.npz', train)
            save(f'{cache}/valid.npz', valid)
    pitch = getattr(m.c, 'pitch', False) if pitch is None else pitch
    if pitch and 'pitch' not in train[0]:
        raise SystemExit(f'{cache}: collected without pitch levels, but the model codes pitch; delete it or pick another --cache')
    lf, df = tb.fit(train, channels=channels)
    pf = tb.fit_pitch(utterance_pitch(train)) if pitch else None
    text, v2_bps = report(train, valid, lf, df, pf=pf, fxc_version=fxc_version)
    measured = {'split': 'train', 'utterances': len(train) // rates_per_file, 'segments': int(sum(len(s['lengths']) for s in train)),
                'rateRangeHz': [3.0, 12.5], 'validWholeFileBps': v2_bps}
    if pitch:
        measured['pitchFrames'] = int(sum(len(s['pitch']) for s in utterance_pitch(train)))
    return tb.section(lf, df, measured, pf), text
