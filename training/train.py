"""Train the codec in two stages, resumably.

  stage semantic: the phone-classifier front end (cosine head) on TTS utterances with phone timings.
  stage codec:    acoustic encoder, quantizer and decoder, with the semantic front end frozen and
                  tau drawn per utterance so one model serves 3-12.5 Hz.

Usage:
  /usr/bin/python3 -m training.train --stage semantic --run training/runs/main --minutes 12
  /usr/bin/python3 -m training.train --stage codec --run training/runs/main --minutes 90
Each stage saves `<run>/<stage>.pt` (model, optimiser, step, seconds trained) every few minutes
and on exit, and continues from it when started again. `--init FILE` starts the codec stage from a
compact weights-only checkpoint (training/checkpoints/*.pt) when the run directory is new.
"""
import argparse
import dataclasses
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.dataset import Corpus, FrameFeatures, augment, build_vocab, phone_targets, read_manifest, seed_everything
from training.adversarial import MultiResolutionDiscriminator, discriminator_loss, generator_losses
from training.asr_loss import AsrLoss
from training.losses import PhoneLoss, SpectralLoss, asr_target_loss
from training.model import Codec, Config, tiny_config
from training.pitch import track as pitch_track


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--stage', choices=['semantic', 'codec'], required=True)
    p.add_argument('--run', required=True)
    p.add_argument('--corpus', default='training/data/corpus')
    p.add_argument('--minutes', type=float, default=10.0, help='wall-clock budget (of the schedule, see --schedule-start)')
    p.add_argument('--schedule-start', type=float, default=0.0,
                   help='unix time the --minutes budget and the lr schedule count from (0: this invocation\'s start); '
                        'lets a driver restart the process without restarting the schedule')
    p.add_argument('--process-minutes', type=float, default=0.0,
                   help='save and exit after this many minutes of this process (0: run to the budget)')
    p.add_argument('--max-steps', type=int, default=0, help='stop after this many steps in total (0: no limit)')
    p.add_argument('--batch', type=int, default=0)
    p.add_argument('--crop-frames', type=int, default=40, help='12.5 Hz frames per training crop')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--lr-final', type=float, default=0.0,
                   help='cosine-decay the learning rate to this over the --minutes budget (0: constant)')
    p.add_argument('--tiny', action='store_true', help='tiny config for the smoke test')
    p.add_argument('--init', default='', help='weights-only checkpoint to start a new codec run from')
    p.add_argument('--merge-on', choices=['semantic', 'log-mel', 'whisper'], default='log-mel',
                   help='merge stream of a new run (one started with --init keeps its checkpoint\'s unless given)')
    p.add_argument('--detail-subframes', type=int, default=None,
                   help='a new run\'s Config.detail_subframes: sub-frame log-mel detail for the quantizer '
                        '(0: none; one started with --init keeps its checkpoint\'s unless given)')
    p.add_argument('--asr-features', default='',
                   help="precomputed 12.5 Hz ASR features of the corpus (DIR/<file>.npy), for --merge-on whisper "
                        "(python -m training.whisper.corpus_features)")
    p.add_argument('--pitch', action='store_true',
                   help="a new run's Config.pitch: code a pitch level per 80 ms frame and add the harmonic synthesiser "
                        "(one started with --init from a model without it grows it, switched in gently)")
    p.add_argument('--fine-pitch-training', action='store_true',
                   help="the harmonic synthesiser gets the tracker's 10 ms F0 where it and the coded track are "
                        "voiced, so training stops silencing the harmonics the coded levels misplace "
                        "(model.pitch_inputs); the runtime and the format do not change")
    p.add_argument('--voiced-noise-gain', type=float, default=None,
                   help="a new pitch run's Config.voiced_noise_gain (gain of the iSTFT head in voiced frames)")
    p.add_argument('--envelope-hidden', type=int, default=None, help="a new pitch run's Config.envelope_hidden")
    p.add_argument('--dec-layers', type=int, default=None,
                   help="a new run's decoder Transformer depth; blocks beyond --init's start as the identity")
    p.add_argument('--grown-lr-scale', type=float, default=1.0,
                   help="learning-rate multiple for parameters --init did not have (blocks added by --dec-layers)")
    p.add_argument('--segment-trend', action='store_true',
                   help="a new run's Config.segment_trend: the quantizer also gets each segment's trend of both "
                        "streams (one started with --init from a model without it grows it, switched off at first)")
    p.add_argument('--train-only', default='',
                   help='comma-separated parameter name prefixes: train only these (e.g. decoder.env_head,decoder.env_mlp); '
                        'the rest stays as the checkpoint has it')
    p.add_argument('--reset-envelope', action='store_true',
                   help="a new pitch run started with --init: the harmonic envelope starts again from the iSTFT "
                        "head (and the envelope MLP's output from zero), as the first pitch model did, instead of "
                        "the checkpoint's envelope (with --fine-pitch-training: an envelope fitted to correctly "
                        "placed harmonics, not one that learnt to silence misplaced ones)")
    p.add_argument('--freeze', default='',
                   help='comma-separated parameter name prefixes kept as the checkpoint has them (e.g. decoder.head: '
                        'the iSTFT projection, so the trunk cannot simply turn the noise up over the harmonics)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--device', default='cpu', help='torch device, e.g. cuda when a GPU is lent (checkpoints stay portable)')
    p.add_argument('--save-every-s', type=float, default=300)
    p.add_argument('--snapshot-every-s', type=float, default=1200,
                   help='weights-only copies in <run>/snapshots/ for the learning curve (0: none)')
    p.add_argument('--phone-weight', type=float, default=0.0,
                   help='weight of the frozen phone recogniser\'s KL on the decoded audio (losses.PhoneLoss; 0: off)')
    p.add_argument('--asr-weight', type=float, default=0.0,
                   help='weight of the frozen Whisper tiny.en encoder distance on the decoded audio (asr_loss.AsrLoss; 0: off)')
    p.add_argument('--asr-crops', type=int, default=4,
                   help='crops of each batch the ASR loss sees (its encoder costs about as much as the codec step)')
    p.add_argument('--asr-target-weight', type=float, default=0.0,
                   help="weight of 1 - cosine between the decoder trunk's prediction (Config.asr_target, a run "
                        "started with --init grows the head) and the --asr-features of the clean crop (0: off)")
    p.add_argument('--delta-weight', type=float, default=0.0,
                   help='weight of the L1 on log-mel frame-to-frame changes (losses.SpectralLoss; 0: off)')
    p.add_argument('--adv-weight', type=float, default=0.0,
                   help='weight of the LSGAN term of a multi-resolution spectrogram discriminator (adversarial.py; 0: off)')
    p.add_argument('--fm-weight', type=float, default=0.0,
                   help="weight of the discriminator's feature matching (needs --adv-weight > 0)")
    p.add_argument('--adv-crops', type=int, default=4, help='crops of each batch the discriminator sees')
    p.add_argument('--disc-lr', type=float, default=2e-4, help="the discriminator's learning rate (constant)")
    p.add_argument('--disc-warmup-steps', type=int, default=200,
                   help='steps the discriminator trains alone before the codec gets its terms (a new discriminator only)')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    if a.fm_weight and not a.adv_weight:
        p.error('--fm-weight needs --adv-weight > 0 (the discriminator trains only with it)')
    return a


def load_or_make_config(run, tiny, vocab, merge_on, detail_subframes, pitch=False, segment_trend=False):
    path = os.path.join(run, 'config.json')
    if os.path.exists(path):
        with open(path) as f:
            return Config(**json.load(f))
    kw = dict(n_phones=len(vocab), merge_on=merge_on, detail_subframes=detail_subframes or 0, pitch=pitch,
              segment_trend=segment_trend)
    c = tiny_config(**kw) if tiny else Config(**kw)
    with open(path, 'w') as f:
        json.dump(dataclasses.asdict(c), f, indent=1)
    return c


def save_ckpt(path, model, opt, step, seconds, extra=None):
    tmp = path + '.tmp'
    torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step, 'seconds': seconds,
                **(extra or {})}, tmp)
    os.replace(tmp, path)  # atomic: a kill mid-save never corrupts the checkpoint


def save_snapshot(run, model, c, step, seconds):
    os.makedirs(os.path.join(run, 'snapshots'), exist_ok=True)
    path = os.path.join(run, 'snapshots', f'codec-step{step:06d}.pt')
    torch.save({'model': {k: v.half() for k, v in model.state_dict().items()}, 'config': dataclasses.asdict(c),
                'step': step, 'seconds': seconds}, path)


def last_snapshot_time(run):
    """When the newest snapshot was written (None: never), so the interval survives a driver's restarts."""
    d = os.path.join(run, 'snapshots')
    times = [os.path.getmtime(os.path.join(d, f)) for f in os.listdir(d)] if os.path.isdir(d) else []
    return max(times, default=None)


def log(run, row):
    with open(os.path.join(run, 'log.jsonl'), 'a') as f:
        f.write(json.dumps(row) + '\n')


def semantic_batch(corpus, vocab, rng, batch, frames):
    samples = frames * 1280
    xs, ys = [], []
    for _ in range(batch):
        x, i, off = corpus.crop(rng, samples)
        ys.append(phone_targets(corpus.rows[i]['phones'], off / 16000, frames, vocab))
        xs.append(augment(x, rng))
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def semantic_loss(model, x, y):
    emb = model.semantic(model.mel(x))
    logp = F.log_softmax(model.semantic.phone_logits(emb), -1)
    mask = (y.sum(-1) > 0).float()
    loss = -(y * logp).sum(-1)
    acc = ((logp.argmax(-1) == y.argmax(-1)).float() * mask).sum() / mask.sum().clamp(min=1)
    return (loss * mask).sum() / mask.sum().clamp(min=1), float(acc)


def grow_state(state, target):
    """Old weights into a model whose layers grew: a tensor that got wider keeps its old values in
    the leading slice and zeros elsewhere (new inputs start switched off, so the function is unchanged)."""
    out = dict(state)
    for k, v in state.items():
        t = target.get(k)
        if t is None or t.shape == v.shape:
            continue
        if t.dim() != v.dim() or any(a > b for a, b in zip(v.shape, t.shape)):
            raise SystemExit(f'{k}: cannot grow {tuple(v.shape)} into {tuple(t.shape)}')
        grown = torch.zeros_like(t)
        grown[tuple(slice(0, n) for n in v.shape)] = v
        out[k] = grown
        print(f'grew {k} {tuple(v.shape)} -> {tuple(t.shape)}')
    return out


def corpus_mel_mean(model, corpus, rng, utterances=300):
    """Mean log-mel band energies over random training utterances (un-augmented)."""
    picks = rng.sample(range(len(corpus.rows)), min(utterances, len(corpus.rows)))
    device = model.mel_centre.device
    total, frames = torch.zeros(model.c.n_mels, device=device), 0
    with torch.no_grad():
        for i in picks:
            x = corpus.utterance(i)
            x = x[: len(x) // model.c.frame_samples * model.c.frame_samples]
            if len(x):
                mel = model.mel(torch.from_numpy(x)[None].to(device))[0]
                total += mel.sum(1)
                frames += mel.shape[1]
    return total / max(1, frames)


def grown_parameter_names(a, model):
    """Names of the parameters a new run from --init adds (its checkpoint lacks them); they take
    --grown-lr-scale. Written to <run>/grown.json when the run starts, so every resumed process
    builds the same parameter groups (and the optimiser's moments still fit them)."""
    path = os.path.join(a.run, 'grown.json')
    if os.path.exists(path):
        with open(path) as f:
            return set(json.load(f))
    if not a.init or os.path.exists(os.path.join(a.run, 'codec.pt')):
        return set()
    have = torch.load(a.init, map_location='cpu')['model'].keys()
    names = sorted(n for n, _ in model.named_parameters() if n not in have)
    with open(path, 'w') as f:
        json.dump(names, f, indent=1)
    return set(names)


def learning_rate(a, frac):
    """Constant, or a cosine from --lr to --lr-final over the wall-clock budget (frac in [0, 1]):
    the budget, not a step count, is what a session on a shared machine can promise."""
    if not a.lr_final:
        return a.lr
    return a.lr_final + (a.lr - a.lr_final) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def draw_tau(sem, rng):
    """Per crop, a tau that gives a random target rate in [2.5, 12.5] Hz (20%: tau = 1, i.e. 12.5 Hz).

    Drawing the rate rather than tau keeps the whole slider range in training whatever the
    similarity distribution of the front end looks like."""
    B, T, _ = sem.shape
    sim = F.cosine_similarity(sem[:, 1:], sem[:, :-1], dim=-1, eps=1e-8)
    taus = []
    for b in range(B):
        if rng.random() < 0.2:
            taus.append(1.0)
            continue
        rate = rng.uniform(2.5, 12.5)
        breaks = int(round(rate / 12.5 * T)) - 1
        s = torch.sort(sim[b]).values
        taus.append(float(s[breaks - 1]) if breaks >= 1 else -2.0)
    return torch.tensor(taus)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)  # tiny gradients and Adam moments must not fall to slow denormal maths
    seed_everything(a.seed)
    os.makedirs(a.run, exist_ok=True)
    rng = random.Random(a.seed + int(time.time()))

    vocab_path = os.path.join(a.run, 'vocab.json')
    if a.init and not os.path.exists(vocab_path):  # a new run continues a compact checkpoint's model
        init = torch.load(a.init, map_location='cpu')
        with open(vocab_path, 'w') as f:
            json.dump(init['vocab'], f)
        if '--merge-on' in (argv if argv is not None else sys.argv):
            init['config']['merge_on'] = a.merge_on
        if a.detail_subframes is not None:
            init['config']['detail_subframes'] = a.detail_subframes
        if a.pitch:
            init['config']['pitch'] = True
        if a.segment_trend:
            init['config']['segment_trend'] = True
        if a.asr_target_weight:
            init['config']['asr_target'] = True
        for key in ('voiced_noise_gain', 'envelope_hidden', 'dec_layers'):
            if getattr(a, key) is not None:
                init['config'][key] = getattr(a, key)
        with open(os.path.join(a.run, 'config.json'), 'w') as f:
            json.dump(init['config'], f, indent=1)
    if os.path.exists(vocab_path):
        with open(vocab_path) as f:
            vocab = json.load(f)
    else:
        vocab = build_vocab(read_manifest(a.corpus, 'train', with_phones=True))
        with open(vocab_path, 'w') as f:
            json.dump(vocab, f)
    c = load_or_make_config(a.run, a.tiny, vocab, a.merge_on, a.detail_subframes, a.pitch, a.segment_trend)
    device = torch.device(a.device)
    model = Codec(c).to(device)

    if a.stage == 'semantic':
        params = list(model.semantic.parameters())
        rows = read_manifest(a.corpus, 'train', with_phones=True)
        batch = a.batch or 16
    else:
        params = [p for n, p in model.named_parameters() if not n.startswith('semantic.')]
        if a.train_only:
            keep = tuple(a.train_only.split(','))
            for n, p in model.named_parameters():
                p.requires_grad_(n.startswith(keep))
            params = [p for n, p in model.named_parameters() if n.startswith(keep)]
            if not params:
                raise SystemExit(f'--train-only {a.train_only}: no parameter has these prefixes')
        if a.freeze:
            drop = tuple(a.freeze.split(','))
            if not any(n.startswith(drop) for n, _ in model.named_parameters()):
                raise SystemExit(f'--freeze {a.freeze}: no parameter has these prefixes')
            for n, p in model.named_parameters():
                if n.startswith(drop):
                    p.requires_grad_(False)
            params = [p for p in params if p.requires_grad]
        rows = read_manifest(a.corpus, 'train')
        batch = a.batch or 8
    grown = grown_parameter_names(a, model) if a.stage == 'codec' else set()
    named = {id(p): n for n, p in model.named_parameters()}
    groups = [{'params': [p for p in params if named[id(p)] not in grown], 'lr_scale': 1.0},
              {'params': [p for p in params if named[id(p)] in grown], 'lr_scale': a.grown_lr_scale}]
    opt = torch.optim.AdamW([g for g in groups if g['params']], lr=a.lr, betas=(0.8, 0.99), weight_decay=0.01)

    if a.reset_envelope and not (a.init and c.pitch and a.stage == 'codec'):
        raise SystemExit('--reset-envelope is for a pitch codec run started with --init')
    ckpt_path = os.path.join(a.run, f'{a.stage}.pt')
    step, seconds, resumed = 0, 0.0, False
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location='cpu')
        model.load_state_dict(ck['model'])
        step, seconds, resumed = ck['step'], ck['seconds'], True
        try:
            opt.load_state_dict(ck['opt'])
        except ValueError:  # another parameter set (--train-only changed): the weights carry on, the moments start again
            resumed = False
            print('optimiser state is for other parameters: fresh moments, with warm-up')
        print(f'resumed {ckpt_path} at step {step} ({seconds / 3600:.2f} h)')
    elif a.stage == 'codec':
        src = a.init or os.path.join(a.run, 'semantic.pt')
        ck = torch.load(src, map_location='cpu')
        state = grow_state({k: v.float() for k, v in ck['model'].items()}, model.state_dict())
        missing = model.load_state_dict(state, strict=False)
        old_layers = len({k.split('.')[2] for k in state if k.startswith('decoder.blocks.')})
        if old_layers < c.dec_layers:
            model.decoder.start_blocks_as_identity(old_layers)
            print(f'decoder blocks {old_layers}..{c.dec_layers - 1} added, starting as the identity')
        if c.pitch and ('decoder.env_head.weight' in missing.missing_keys or a.reset_envelope):
            model.decoder.init_envelope_from_istft()
            print('harmonic envelope head started from the iSTFT head')
        if a.init:  # the learning curve continues from the compact checkpoint's step and hours
            step, seconds = int(ck.get('step', 0)), float(ck.get('seconds', 0.0))
        print(f'initialised from {src}; missing {len(missing.missing_keys)} keys')
    elif a.init:
        raise SystemExit('--init is for the codec stage')

    if a.asr_features:  # only utterances whose features exist (a partly precomputed corpus; the same rows for an A/B control)
        rows = [r for r in rows if os.path.exists(os.path.join(a.asr_features, os.path.splitext(r['file'])[0] + '.npy'))]
    corpus = Corpus(a.corpus, rows)
    asr = None
    if a.asr_target_weight and not (a.stage == 'codec' and c.asr_target):
        raise SystemExit('--asr-target-weight needs a codec run whose config has asr_target (start it with --init)')
    if a.stage == 'codec' and (c.merge_on == 'whisper' or a.asr_target_weight):
        if not a.asr_features:
            raise SystemExit('--merge-on whisper and --asr-target-weight need --asr-features DIR')
        asr = FrameFeatures(a.asr_features, corpus)
        if asr.dim != c.asr_dim:
            raise SystemExit(f'{a.asr_features}: {asr.dim}-d features, the model expects {c.asr_dim}')
    if a.stage == 'codec' and c.sends_mel_mean and not model.mel_centre.abs().sum():
        model.mel_centre.copy_(corpus_mel_mean(model, corpus, rng))
        print(f'merge stream centred on the corpus log-mel mean ({float(model.mel_centre.mean()):.3f} on average)')
    print(f'{a.stage}: {len(corpus.rows)} utterances, {corpus.hours:.2f} h, batch {batch}, {c.n_phones} phones')
    spectral = SpectralLoss(c.sample_rate, delta_weight=a.delta_weight).to(device)
    phone = PhoneLoss(model) if a.stage == 'codec' and a.phone_weight else None
    asr_loss = AsrLoss().to(device) if a.stage == 'codec' and a.asr_weight else None
    if a.stage == 'codec':
        model.semantic.requires_grad_(False)  # frozen: the phone loss reaches the decoder through it
    disc, d_opt, disc_steps = None, None, 0
    if a.stage == 'codec' and a.adv_weight:
        disc = MultiResolutionDiscriminator().to(device)
        d_opt = torch.optim.AdamW(disc.parameters(), lr=a.disc_lr, betas=(0.8, 0.99), weight_decay=0.01)
        if 'disc' in ck:  # the discriminator goes on with the codec it has been judging
            disc.load_state_dict(ck['disc'])
            d_opt.load_state_dict(ck['disc_opt'])
            disc_steps = int(ck['disc_steps'])
        print(f'discriminator: {sum(p.numel() for p in disc.parameters())} parameters, {disc_steps} steps so far')
    def extra():
        return {'vocab': vocab, **({'disc': disc.state_dict(), 'disc_opt': d_opt.state_dict(), 'disc_steps': disc_steps}
                                   if disc is not None else {})}
    model.train()
    model.semantic.train(a.stage == 'semantic')
    t_process = last_save = time.time()
    t_start = a.schedule_start or t_process
    last_snap = last_snapshot_time(a.run)
    if a.stage == 'codec' and a.snapshot_every_s and last_snap is None:  # the curve's first point: where it starts
        save_snapshot(a.run, model, c, step, seconds)
        last_snap = time.time()
    samples = a.crop_frames * c.frame_samples
    # warm up whenever the optimiser starts without moments (a new run, or one from a compact checkpoint)
    warmup, first_step = (0 if resumed else 200), step
    def schedule_done():
        return time.time() - t_start > a.minutes * 60 or (a.max_steps and step >= a.max_steps)

    while True:
        elapsed = time.time() - t_start
        if schedule_done():
            break
        if a.process_minutes and time.time() - t_process > a.process_minutes * 60:
            break
        lr = learning_rate(a, elapsed / (a.minutes * 60)) * (min(1.0, (step - first_step + 1) / warmup) if warmup else 1.0)
        for g in opt.param_groups:
            g['lr'] = lr * g.get('lr_scale', 1.0)
        t0 = time.time()
        if a.stage == 'semantic':
            x, y = (t.to(device) for t in semantic_batch(corpus, vocab, rng, batch, a.crop_frames))
            loss, acc = semantic_loss(model, x, y)
            parts = {'acc': acc}
        else:
            crops = [corpus.crop(rng, samples, align=c.frame_samples if asr else 1) for _ in range(batch)]
            x = torch.from_numpy(np.stack([augment(cr[0], rng) for cr in crops])).to(device)
            # the ASR features are of the clean crop: the frozen encoder is not retrained for the augmentation
            feats = torch.from_numpy(np.stack([asr.crop(i, off, a.crop_frames) for _, i, off in crops])).to(device) if asr else None
            with torch.no_grad():
                tau = draw_tau(model.encode_frames(x, feats)[0], rng).to(device)
            # the pitch tracker hears what the runtime's would: the augmented crop
            f0_sub = np.stack([pitch_track.track(r) for r in x.cpu().numpy()]) if c.pitch else None
            y_hat, st = model(x, tau, feats, f0_sub, fine_pitch=a.fine_pitch_training)
            loss, parts = spectral(y_hat, x)
            if a.asr_target_weight:
                d = asr_target_loss(st.pop('asr_pred'), feats)
                loss, parts['asr_target'] = loss + a.asr_target_weight * d, float(d)
            if asr_loss is not None:
                d = asr_loss(y_hat[: a.asr_crops], x[: a.asr_crops])
                loss, parts['asr'] = loss + a.asr_weight * d, float(d)
            if phone is not None:
                kl, parts['phone_agree'] = phone(y_hat, x)
                loss, parts['phone_kl'] = loss + a.phone_weight * kl, float(kl)
            if disc is not None:
                real, fake = x[: a.adv_crops], y_hat[: a.adv_crops]
                d_loss = discriminator_loss(disc, real, fake)
                d_opt.zero_grad()
                d_loss.backward()
                torch.nn.utils.clip_grad_norm_(disc.parameters(), 1.0)
                d_opt.step()
                disc_steps += 1
                parts['disc'] = float(d_loss)
                if disc_steps > a.disc_warmup_steps:  # a fresh discriminator first learns to tell them apart
                    adv, fm = generator_losses(disc, real, fake)
                    loss = loss + a.adv_weight * adv + a.fm_weight * fm
                    parts['adv'], parts['fm'] = float(adv), float(fm)
            parts['rate_hz'] = 12.5 * st['segments'] / st['frames']
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        if not torch.isfinite(norm):  # one bad batch must not poison the weights (seen through the ASR loss's encoder)
            # the parameters whose gradient is inf/NaN; none when finite gradients only overflow the norm
            bad = [n for n, p in model.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
            print(json.dumps({'step': step, 'skipped': 'non-finite gradient norm', 'loss': float(loss), 'params': bad[:4]}), flush=True)
            opt.zero_grad()
            continue
        opt.step()
        step += 1
        seconds += time.time() - t0
        if step % 25 == 0 or step == 1 or step == a.max_steps:
            row = {'step': step, 'hours': round(seconds / 3600, 4), 'loss': round(float(loss), 4),
                   **{k: round(v, 4) for k, v in parts.items()}, 'step_s': round(time.time() - t0, 3)}
            print(json.dumps(row), flush=True)
            log(a.run, {'stage': a.stage, **row})
        if time.time() - last_save > a.save_every_s:
            save_ckpt(ckpt_path, model, opt, step, seconds, extra())
            last_save = time.time()
        if a.stage == 'codec' and a.snapshot_every_s and time.time() - last_snap > a.snapshot_every_s:
            save_snapshot(a.run, model, c, step, seconds)
            last_snap = time.time()
    save_ckpt(ckpt_path, model, opt, step, seconds, extra())
    if a.stage == 'codec' and a.snapshot_every_s and (schedule_done() or time.time() - last_snap > a.snapshot_every_s):
        save_snapshot(a.run, model, c, step, seconds)
    print(f'saved {ckpt_path} at step {step}')


if __name__ == '__main__':
    main()
