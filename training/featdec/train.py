"""Trains the feature decoder (model.py) on the cached streams (data.py) against LPCNet targets.

  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.featdec.train --run training/runs/featdec \
      --minutes 80 --process-minutes 6 [--until 06:05]

Each step: random 2.56 s crops of the cache; per crop a target rate drawn in 3-12.5 Hz (20 %: 12.5 Hz)
sets tau from the crop's own similarities, as training/train.py does, so one decoder serves the
slider; the frozen shipped quantizer codes the merged segments; the decoder predicts the 20 LPCNet
features per 10 ms from the codes, lengths and coded pitch; L1 in the feature domain (model.feature_loss).

Resumable: <run>/featdec.pt (weights, optimiser, step, seconds, the schedule's start) is written
atomically every --save-every-s and on exit, and a new process continues from it. The cosine learning
rate runs over --minutes of wall clock from the schedule's first start, so a chain of short processes
(--process-minutes; training/README.md: a long process slows down on these machines) is one schedule.
"""
import argparse
import calendar
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.checkpoint import compact_run, load_codec
from training.featdec.data import SHIPPED, FeatureCache
from training.featdec.model import FeatDecConfig, FeatureDecoder, LossWeights, feature_loss
from training.model import frame_positions, merge_segments, pitch_inputs

# Share of crops coded at the full 12.5 Hz (tau = 1), as training/train.py.
FULL_RATE_SHARE = 0.2


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--run', default='training/runs/featdec')
    p.add_argument('--cache', default='training/data/cache/featdec')
    p.add_argument('--codec', default=SHIPPED, help='the frozen encoder + quantizer, and the trunk to start from')
    p.add_argument('--minutes', type=float, default=80, help='wall-clock budget of the whole schedule')
    p.add_argument('--process-minutes', type=float, default=0, help='this process saves and exits after this long (0: never)')
    p.add_argument('--until', default='', help='UTC HH:MM: save and exit at this time')
    p.add_argument('--init', default='', help='a new run starts from these weights (a compact file of compact(): fp16, weights only)')
    p.add_argument('--max-steps', type=int, default=0)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--crop-frames', type=int, default=32)
    p.add_argument('--min-rate', type=float, default=3.0)
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--lr-final', type=float, default=3e-5)
    p.add_argument('--head-lr-scale', type=float, default=3.0, help='learning-rate multiple of the new feature head')
    p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--save-every-s', type=float, default=180)
    p.add_argument('--valid-every', type=int, default=250)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def draw_tau(merge, rng: random.Random, min_rate=3.0):
    """Per crop, the tau that gives a random target rate in [min_rate, 12.5] Hz (FULL_RATE_SHARE: 12.5 Hz).
    merge (B, T, D) -> (B,)."""
    B, T, _ = merge.shape
    sim = F.cosine_similarity(merge[:, 1:], merge[:, :-1], dim=-1, eps=1e-8)  # (B, T-1)
    taus = []
    for b in range(B):
        if rng.random() < FULL_RATE_SHARE:
            taus.append(1.0)
            continue
        breaks = int(round(rng.uniform(min_rate, 12.5) / 12.5 * T)) - 1
        s = torch.sort(sim[b]).values
        taus.append(float(s[breaks - 1]) if breaks >= 1 else -2.0)
    return torch.tensor(taus)


def code_batch(codec, merge, pooled, tau):
    """The frozen shipped path: merge at tau, quantize. -> (zq (K, C), lengths (K,), seg_id (B, T), positions (B, T))."""
    with torch.no_grad():
        _, _, flags = merge_segments(merge, tau, codec.c.max_segment_frames)
        zq, _, lengths, seg_id = codec.quantize_segments(merge, pooled, flags)
    return zq, lengths, seg_id, frame_positions(flags)


def decode_batch(dec, codec, merge, pooled, f0, tau):
    """Features (B, 8T, 20) and the coded 10 ms F0 track (B, 8T) of a cached batch at tau."""
    zq, lengths, seg_id, pos = code_batch(codec, merge, pooled, tau)
    f0_frames = pitch_inputs(f0)['f0_frames']
    return dec(zq, lengths, seg_id, pos, f0_frames), f0_frames


def new_decoder(codec):
    """A feature decoder whose trunk is `codec`'s decoder's."""
    dec = FeatureDecoder(FeatDecConfig.from_codec(codec.c))
    dec.init_trunk_from(codec.decoder)
    return dec


def feature_stats(cache: FeatureCache, frames=200000, seed=0):
    """Mean and spread of the 20 targets over a sample of the cache's 10 ms frames -> (20,), (20,)."""
    idx = np.random.default_rng(seed).choice(len(cache.lpcnet), min(frames, len(cache.lpcnet)), replace=False)
    x = cache.lpcnet[np.sort(idx)]
    return torch.from_numpy(x.mean(0)), torch.from_numpy(x.std(0) + 1e-3)


def make_optimizer(dec, a):
    head = [p for n, p in dec.named_parameters() if n.startswith('feat_head.')]
    trunk = [p for n, p in dec.named_parameters() if not n.startswith('feat_head.')]
    return torch.optim.AdamW([{'params': trunk, 'lr_scale': 1.0}, {'params': head, 'lr_scale': a.head_lr_scale}],
                             lr=a.lr, weight_decay=0.0)


def learning_rate(a, frac):
    return a.lr_final + (a.lr - a.lr_final) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


compact = compact_run  # weights only, fp16: what `--init` starts a new machine from


def save(path, dec, opt, state):
    tmp = path + '.tmp'
    torch.save({'model': dec.state_dict(), 'config': dec.c.__dict__, 'optimizer': opt.state_dict(), **state}, tmp)
    os.replace(tmp, path)


def valid_batches(cache, batch, frames, seed=1):
    """Fixed validation crops, each decoded at 12.5 and 6.25 Hz."""
    rng = np.random.default_rng(seed)
    return [cache.batch(rng, batch, frames) for _ in range(2)]


def rate_tau(merge, rate):
    """tau per crop for a fixed target rate (as draw_tau, no randomness)."""
    B, T, _ = merge.shape
    if rate >= 12.5:
        return torch.ones(B)
    sim = F.cosine_similarity(merge[:, 1:], merge[:, :-1], dim=-1, eps=1e-8)
    breaks = int(round(rate / 12.5 * T)) - 1
    return torch.sort(sim, dim=1).values[:, breaks - 1]


def validate(dec, codec, batches):
    out = {}
    dec.eval()
    with torch.no_grad():
        for rate in (12.5, 6.25):
            parts = []
            for merge, pooled, f0, lpc in batches:
                pred, _ = decode_batch(dec, codec, merge, pooled, f0, rate_tau(merge, rate))
                parts.append(feature_loss(pred, lpc)[1])
            out[f'valid_{rate:g}'] = {k: round(float(np.mean([p[k] for p in parts])), 4) for k in parts[0]}
    dec.train()
    return out


def deadline(a, t_process):
    """Unix time this process must stop by (--process-minutes, --until HH:MM UTC today)."""
    ends = [math.inf]
    if a.process_minutes:
        ends.append(t_process + 60 * a.process_minutes)
    if a.until:
        h, m = map(int, a.until.split(':'))
        now = time.gmtime()
        ends.append(calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, h, m, 0)))
    return min(ends)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    os.makedirs(a.run, exist_ok=True)
    t_process = time.time()
    rng = random.Random(a.seed + int(t_process))
    nrng = np.random.default_rng(a.seed + int(t_process))
    codec, _ = load_codec(a.codec)
    codec.requires_grad_(False)
    train = FeatureCache(os.path.join(a.cache, 'train.npz'))
    valid = FeatureCache(os.path.join(a.cache, 'valid.npz'))
    ckpt_path = os.path.join(a.run, 'featdec.pt')
    dec = new_decoder(codec)
    opt = make_optimizer(dec, a)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location='cpu')
        dec.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        state = {k: ck[k] for k in ('step', 'seconds', 'schedule_start', 'args')}
        print(f'resumed at step {state["step"]}', flush=True)
    else:
        dec.feat_mean, dec.feat_std = feature_stats(train)
        state = {'step': 0, 'seconds': 0.0, 'schedule_start': t_process, 'args': vars(a)}
        if a.init:
            # A new machine resumes the weights; the optimiser restarts (its warm-up covers it).
            init = torch.load(a.init, map_location='cpu')
            dec.load_state_dict({k: v.float() for k, v in init['model'].items()})
            print(f'started from {a.init} (step {init["step"]}, {init["seconds"] / 60:.0f} training minutes)', flush=True)
    vbatches = valid_batches(valid, 16, a.crop_frames)
    stop_at = deadline(a, t_process)
    last_save = time.time()
    weights = LossWeights()
    log = open(os.path.join(a.run, 'log.jsonl'), 'a')
    while True:
        now = time.time()
        frac = (now - state['schedule_start']) / (60 * a.minutes)
        if frac >= 1 or now >= stop_at or (a.max_steps and state['step'] >= a.max_steps):
            break
        lr = learning_rate(a, frac) * min(1.0, (state['step'] + 1) / a.warmup)
        for g in opt.param_groups:
            g['lr'] = lr * g['lr_scale']
        t0 = time.time()
        merge, pooled, f0, lpc = train.batch(nrng, a.batch, a.crop_frames)
        tau = draw_tau(merge, rng, a.min_rate)
        pred, _ = decode_batch(dec, codec, merge, pooled, f0, tau)
        loss, parts = feature_loss(pred, lpc, weights)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        state['step'] += 1
        state['seconds'] += time.time() - t0
        step = state['step']
        if step % 25 == 0 or step == 1:
            row = {'step': step, 'minutes': round(state['seconds'] / 60, 2), 'loss': round(float(loss), 4),
                   **{k: round(v, 4) for k, v in parts.items()}, 'lr': round(lr, 7), 'step_s': round(time.time() - t0, 3)}
            if step % a.valid_every == 0 or step == 1:
                row.update(validate(dec, codec, vbatches))
            print(json.dumps(row), flush=True)
            log.write(json.dumps(row) + '\n')
            log.flush()
        if time.time() - last_save > a.save_every_s:
            save(ckpt_path, dec, opt, state)
            last_save = time.time()
    save(ckpt_path, dec, opt, state)
    log.close()
    print(f'saved {ckpt_path} at step {state["step"]} ({state["seconds"] / 60:.1f} training minutes)', flush=True)


if __name__ == '__main__':
    main()
