"""Trains FlexiCodec v3 (model.py) end to end in the LPCNet feature domain.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.v3.train --run training/runs/v3 \
      --minutes 90 --process-minutes 10 [--init-decoder training/checkpoints/featdec-fp16.pt]

Data: the feature cache of training/v3/data.py (per corpus utterance, libopus's 20 LPCNet
features per 10 ms and the codec pitch tracker's F0); nothing else is needed, so a step is an encoder,
a pooling and a decoder pass on 2.56 s crops. Each crop draws a target rate in 3-12.5 Hz (20 %:
12.5 Hz) and is cut at that rate by the model's layout (V3Config.layout: the threshold merge at the
tau the slider searches, or the spread layout's exact segment count) of its merge stream (V3Config.merge_on:
the cepstra, the fine stream, or the semantic stream's Whisper features from <split>-asr.npy), so one
model serves the slider. The decoder gets
the 10 ms pitch track rebuilt from the coded pitch levels, as at run time. Loss: L1 in the feature
domain, each cepstrum in units of its spread with c0-c5 first (model.py `weighted_feature_loss`;
`--loss raw`: training/v3/decoder.py `feature_loss`, the first 11 minutes of the shipped run).

Resumable: <run>/v3.pt (weights, optimiser, step, seconds, the schedule's start) is written
atomically every --save-every-s and on exit; a new process continues from it, and the cosine
learning rate runs over --minutes from the schedule's first start.
"""
import argparse
from dataclasses import replace
import json
import os
import random
import time

import numpy as np
import torch

from training.merge import draw_rates, rate_tau, taus_at_rates
from training.pitch.inputs import pitch_inputs
from training.v3 import asr_cache
from training.v3.data import FeatureCache, feature_stats
from training.v3.decoder import feature_loss
from training.v3.dred_arm import CodecV3Dred, is_dred_state, latent_loss
from training.v3.model import CodecV3, V3Config, config_dict, weighted_feature_loss, widen_code_groups
from training.v3.run import compact_run, deadline, learning_rate


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--run', default='training/runs/v3')
    p.add_argument('--cache', default='training/data/cache/featdec')
    p.add_argument('--minutes', type=float, default=90, help='wall-clock budget of the whole schedule')
    p.add_argument('--process-minutes', type=float, default=0, help='this process saves and exits after this long (0: never)')
    p.add_argument('--until', default='', help='UTC HH:MM: save and exit at this time')
    p.add_argument('--init', default='', help='a new run starts from these weights (compact(): fp16, weights only)')
    p.add_argument('--init-decoder', default='training/checkpoints/featdec-fp16.pt',
                   help="a new run's decoder starts from this feature decoder ('' : from scratch)")
    p.add_argument('--max-steps', type=int, default=0)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--crop-frames', type=int, default=32)
    p.add_argument('--min-rate', type=float, default=3.0)
    p.add_argument('--lr', type=float, default=4e-4)
    p.add_argument('--lr-final', type=float, default=4e-5)
    p.add_argument('--warmup', type=int, default=200)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--device', default='cpu', help="'cuda' on a lent GPU (training/gpu/run_on_device.sh)")
    p.add_argument('--save-every-s', type=float, default=180)
    p.add_argument('--valid-every', type=int, default=250)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--loss', choices=['weighted', 'raw'], default='weighted',
                   help="'weighted': model.weighted_feature_loss (c0-c5 first); 'raw': featdec's L1 in feature units")
    p.add_argument('--arm', choices=['v3', 'dred'], default='v3',
                   help="'dred': the decoder predicts DRED latents for libopus's frozen RDO-VAE decoder (dred_arm.py)")
    p.add_argument('--latent-weight', type=float, default=0.5, help="--arm dred: weight of the L1 to DRED's encoder's latents")
    p.add_argument('--head-steps', type=int, default=200,
                   help="--arm dred: the first steps train only the new DRED head, so its random start cannot disturb the rest")
    p.add_argument('--code-groups', type=int, default=None,
                   help="a new run: code groups a segment carries at full rate (default: --init's, else V3Config's; "
                        'an --init with fewer is widened)')
    p.add_argument('--reduced-groups', type=int, default=None,
                   help='a new run: code groups below --reduced-below-hz (0: all groups at every rate)')
    p.add_argument('--reduced-below-hz', type=float, default=None)
    p.add_argument('--layout', choices=['threshold', 'spread'], default=None,
                   help="a new run: how the merge stream is cut (V3Config.layout; default: --init's, else 'threshold')")
    p.add_argument('--spread-length-penalty', type=float, default=None, help='a new run: V3Config.spread_length_penalty')
    p.add_argument('--merge-on', choices=['cepstra', 'fine', 'whisper'], default=None,
                   help="a new run: what the layout cuts (V3Config.merge_on; default: --init's, else 'cepstra'); "
                        "'whisper': the semantic stream's Whisper features, so it needs --semantic whisper (or an --init with it)")
    p.add_argument('--semantic', choices=['', 'whisper'], default=None,
                   help="a new run: V3Config.semantic ('whisper': Whisper tiny.en's features feed the fine stream; "
                        'needs training/v3/asr_cache.py\'s <split>-asr.npy beside the cache; an --init without it '
                        'gains it at zero, coding exactly as before)')
    p.add_argument('--asr-onnx', default='training/runs/whisper/whisper-asr-fp16.onnx',
                   help="--semantic: the Whisper encoder the cache's features must come from (checked when present)")
    return p.parse_args(argv)


def f0_track(f0, pitch_stride=1):
    """The coded 10 ms pitch track (B, 8T) the decoder gets, from the tracker's F0 (B, 8T) numpy."""
    return pitch_inputs(f0, pitch_stride=pitch_stride)['f0_frames']


compact = compact_run  # weights only, fp16: what `--init` starts a new machine from


def model_for(ck) -> CodecV3:
    """An untrained model of the arm (v3 or DRED-latent) and config a checkpoint holds."""
    return (CodecV3Dred if is_dred_state(ck['model']) else CodecV3)(V3Config(**ck['config']))


def load(path) -> CodecV3:
    """A v3 model (either arm) from a run checkpoint or a compact file, in eval mode."""
    ck = torch.load(path, map_location='cpu')
    m = model_for(ck)
    m.load_state_dict({k: v.float() for k, v in ck['model'].items()})
    return m.eval()


def save(path, m, opt, state):
    tmp = path + '.tmp'
    torch.save({'model': m.state_dict(), 'config': config_dict(m.c), 'optimizer': opt.state_dict(), **state}, tmp)
    os.replace(tmp, path)


def loss_of(a, m, pred, target):
    if getattr(a, 'loss', 'raw') == 'weighted':
        return weighted_feature_loss(pred, target, m.feat_std)
    return feature_loss(pred, target)


def arm_loss(a, m, pred, target, stats):
    """The feature loss, plus for the DRED arm the latent loss (`--latent-weight`)."""
    loss, parts = loss_of(a, m, pred, target)
    if isinstance(m, CodecV3Dred):
        latent = latent_loss(m, target, stats)
        loss, parts = loss + a.latent_weight * latent, {**parts, 'latent': float(latent)}
    return loss, parts


def validate(m, batches, a=None):
    out = {}
    dev = m.feat_mean.device
    m.eval()
    with torch.no_grad():
        for rate in (12.5, 6.25, 3.0):
            parts = []
            for sem, _, f0, lpc in batches:
                lpc, sem = lpc.to(dev), semantic_of(m, sem, dev)
                merge, _ = m.encode_streams(lpc, sem)
                rates = [rate] * len(lpc)
                # The shipped threshold layout keeps the tau the logs have always compared.
                flags = None if m.c.layout == 'threshold' else m.layout_flags(merge, rates)
                pred, _ = m(lpc, rate_tau(merge, rate).to(dev), f0_track(f0).to(dev), rates, flags, sem)
                parts.append(loss_of(a, m, pred, lpc)[1])
            out[f'valid_{rate:g}'] = {k: round(float(np.mean([p[k] for p in parts])), 4) for k in parts[0]}
    m.train()
    return out


def semantic_of(m, semantic, device):
    """A batch's semantic features for a model that reads them, else None."""
    return semantic.to(device) if m.c.semantic else None


def caches(a, semantic: bool):
    """The train and valid FeatureCaches, with their Whisper features when the model reads them."""
    def one(split):
        # the features must come from the encoder the runtime ships (checked where that file is present)
        onnx = getattr(a, 'asr_onnx', '')
        sem = asr_cache.load(a.cache, split, onnx if onnx and os.path.exists(onnx) else None) if semantic else None
        return FeatureCache(os.path.join(a.cache, f'{split}.npz'), sem)

    return one('train'), one('valid')


def new_model(a, train_cache) -> CodecV3:
    dred = getattr(a, 'arm', 'v3') == 'dred'
    init = torch.load(a.init, map_location='cpu') if a.init else None
    # The config: the --init checkpoint's (else the default), with the options asked for, replaced at
    # once (merge_on 'whisper' is valid only together with semantic 'whisper')
    c = V3Config(**init['config']) if init and 'config' in init else V3Config()
    keys = ('code_groups', 'reduced_groups', 'reduced_below_hz', 'layout', 'spread_length_penalty', 'semantic', 'merge_on')
    try:
        c = replace(c, **{k: getattr(a, k) for k in keys if getattr(a, k, None) is not None})
    except ValueError as e:
        raise SystemExit(str(e)) from None
    m = CodecV3Dred(c) if dred else CodecV3(c)
    if init:
        weights = widen_code_groups({k: v.float() for k, v in init['model'].items()}, c)
        if dred and not is_dred_state(weights):
            # A v3 checkpoint: everything but the DRED head starts from it.
            m.load_state_dict({**m.state_dict(), **weights})
            m.set_dred_stats(train_cache.batch(np.random.default_rng(2), 64, a.crop_frames)[3])
        elif c.semantic and not any(k.startswith('encoder.semantic_') for k in weights):
            # A checkpoint without the semantic stream: it joins at zero (FineEncoder), the rest as it was.
            m.load_state_dict({**m.state_dict(), **weights})
        else:
            m.load_state_dict(weights)
        print(f'started from {a.init} (step {init["step"]}, {init["seconds"] / 60:.0f} training minutes)', flush=True)
        return m
    if dred:
        raise SystemExit('--arm dred starts from a trained v3 checkpoint (--init)')
    m.set_feature_stats(*feature_stats(train_cache))
    if a.init_decoder:
        # The feature decoder already turns 28 FSQ values a segment into FARGAN's features; only the
        # meaning of those values changes, so its trunk and head are a far better start than noise.
        dec = torch.load(a.init_decoder, map_location='cpu')['model']
        m.decoder.load_state_dict({k: v.float() for k, v in dec.items()})
        print(f'decoder from {a.init_decoder}', flush=True)
    return m


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    os.makedirs(a.run, exist_ok=True)
    t_process = time.time()
    rng = random.Random(a.seed + int(t_process))
    nrng = np.random.default_rng(a.seed + int(t_process))
    ckpt_path = os.path.join(a.run, 'v3.pt')
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location='cpu')
        m = model_for(ck)
        train, valid = caches(a, bool(m.c.semantic))
        m.load_state_dict(ck['model'])
        m.to(a.device)
        opt = torch.optim.AdamW(m.parameters(), lr=a.lr, weight_decay=0.0)
        opt.load_state_dict(ck['optimizer'])
        state = {k: ck[k] for k in ('step', 'seconds', 'schedule_start', 'args')}
        print(f'resumed at step {state["step"]}', flush=True)
    else:
        init_config = torch.load(a.init, map_location='cpu').get('config', {}) if a.init else {}
        semantic = a.semantic if a.semantic is not None else init_config.get('semantic', '')
        train, valid = caches(a, bool(semantic))
        m = new_model(a, train).to(a.device)
        opt = torch.optim.AdamW(m.parameters(), lr=a.lr, weight_decay=0.0)
        state = {'step': 0, 'seconds': 0.0, 'schedule_start': t_process, 'args': vars(a)}
    vbatches = [valid.batch(np.random.default_rng(1), 16, a.crop_frames) for _ in range(2)]
    stop_at = deadline(a, t_process)
    last_save = time.time()
    log = open(os.path.join(a.run, 'log.jsonl'), 'a')
    m.train()
    while True:
        now = time.time()
        frac = (now - state['schedule_start']) / (60 * a.minutes)
        if frac >= 1 or now >= stop_at or (a.max_steps and state['step'] >= a.max_steps):
            break
        lr = learning_rate(a, frac) * min(1.0, (state['step'] + 1) / a.warmup)
        for g in opt.param_groups:
            g['lr'] = lr
        t0 = time.time()
        sem, _, f0, lpc = train.batch(nrng, a.batch, a.crop_frames)
        lpc, sem = lpc.to(a.device), semantic_of(m, sem, a.device)
        with torch.no_grad():
            merge, _ = m.encode_streams(lpc, sem)
        rates = draw_rates(len(lpc), rng, a.min_rate)
        if m.c.layout == 'threshold':
            taus, flags = taus_at_rates(merge.cpu(), rates, m.c.max_segment_frames).to(a.device), None
        else:
            taus, flags = None, m.layout_flags(merge, rates)
        pred, stats = m(lpc, taus, f0_track(f0).to(a.device), rates, flags, sem)
        loss, parts = arm_loss(a, m, pred, lpc, stats)
        opt.zero_grad()
        loss.backward()
        if isinstance(m, CodecV3Dred) and state['step'] < a.head_steps:
            for name, p in m.named_parameters():
                if not name.startswith('dred_head.'):
                    p.grad = None
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        state['step'] += 1
        state['seconds'] += time.time() - t0
        step = state['step']
        if step % 25 == 0 or step == 1:
            row = {'step': step, 'minutes': round(state['seconds'] / 60, 2), 'loss': round(float(loss), 4),
                   **{k: round(v, 4) for k, v in parts.items()}, 'rate_hz': round(12.5 * stats['segments'] / stats['frames'], 2),
                   'lr': round(lr, 7), 'step_s': round(time.time() - t0, 3)}
            if step % a.valid_every == 0 or step == 1:
                row.update(validate(m, vbatches, a))
            print(json.dumps(row), flush=True)
            log.write(json.dumps(row) + '\n')
            log.flush()
        if time.time() - last_save > a.save_every_s:
            save(ckpt_path, m, opt, state)
            last_save = time.time()
    save(ckpt_path, m, opt, state)
    log.close()
    print(f'saved {ckpt_path} at step {state["step"]} ({state["seconds"] / 60:.1f} training minutes)', flush=True)


if __name__ == '__main__':
    main()
