"""Export a trained codec to ONNX (opset 17) + public/models/models.json (+ golden tensors for the
PyTorch-vs-onnxruntime-node agreement test).

  /usr/bin/python3 -m training.export --ckpt training/runs/main/codec.pt --out public/models
"""
import argparse
import dataclasses
import json
import os
import shutil

import numpy as np
import soundfile as sf
import torch

from training import golden_format
from training.checkpoint import load_codec
from training.entropy.measure import measure
from training.manifest import OPSET, manifest_head, pitch_section, sha256, spec, store_weights_fp16
from training.model import Codec, exact_transforms, trend_weights
from training.segments import merge_numpy

class EncoderOnnx(torch.nn.Module):
    def __init__(self, m: Codec):
        super().__init__()
        self.m = m

    def forward(self, audio):
        sem, ac = self.m.encode_frames(audio)
        return sem, ac


class PooledEncoderOnnx(torch.nn.Module):
    """encoder.onnx of a model that merges on ASR features: the pooled stream only (asr.onnx gives the merge stream)."""

    def __init__(self, m: Codec):
        super().__init__()
        self.m = m

    def forward(self, audio):
        mel = self.m.mel(audio)
        return self.m.pooled_whisper(mel, self.m.semantic(mel), self.m.acoustic(mel))


# Whisper's window scheme for the ASR stream (training/whisper/windows.py), written into models.json.
def asr_window():
    from training.whisper import windows

    return {'windowFrames': windows.WINDOW_FRAMES, 'marginFrames': windows.MARGIN_FRAMES, 'padShortToWindow': True}


def merge_stream(m, x):
    """The merge stream the runtime computes for audio x (S,), S a multiple of frame_samples -> (T, D)."""
    with torch.no_grad(), exact_transforms():  # the features the runtime will see
        if m.c.merge_on == 'whisper':
            from training.whisper.merge_features import asr_features

            return asr_features(x)
        return m.encode_frames(torch.from_numpy(x)[None])[0][0].numpy()


# The quantizer's extra inputs with `Config.segment_trend` (models.json formatVersion 2).
TREND_INPUTS = ['semantic_trend', 'acoustic_trend']


class QuantizerOnnx(torch.nn.Module):
    def __init__(self, m: Codec):
        super().__init__()
        self.q = m.quantizer

    def forward(self, semantic_mean, acoustic_mean, segment_length, semantic_trend=None, acoustic_trend=None):
        """With `Config.segment_trend`, also both streams' segment trends (src/core/merge.ts segmentTrends)."""
        z = self.q.latent_from_streams(semantic_mean, acoustic_mean, segment_length, semantic_trend, acoustic_trend)
        _, digits = self.q.quantize(z)
        return self.q.codes_from_digits(digits).to(torch.int32)


class DecoderOnnx(torch.nn.Module):
    def __init__(self, m: Codec):
        super().__init__()
        self.q, self.d = m.quantizer, m.decoder

    def forward(self, codes, segment_length, frame_segment, frame_position, f0=None, phase=None):
        """With `Config.pitch`, f0 and phase (1, 8T): the 10 ms F0 track rebuilt from the segments'
        pitch levels and each 10 ms frame's starting phase in cycles (src/core/pitch-code.ts)."""
        latent = self.q.dequantize_codes(codes.to(torch.float32))  # (1, K, latent)
        pitch = {'f0_frames': f0, 'phase_start': phase} if self.d.c.pitch else {}
        return self.d(latent[0], segment_length[0], frame_segment.to(torch.int64), frame_position, **pitch)


def decoder_pitch_example(lengths):
    """Example pitch inputs for tracing: a gliding voiced track over the frames of `lengths` (1, K)."""
    from training.pitch import code
    T = int(lengths.sum())
    levels = np.array([(20 + 3 * k) % 60 + 1 if k % 3 else 0 for k in range(T)])
    f0 = code.decoder_track(levels)
    return (torch.from_numpy(f0.astype(np.float32))[None],
            torch.from_numpy(code.phase_starts(f0).astype(np.float32))[None])


def tau_calibration(m, files, c):
    """Mean achieved rate per tau over real speech files (what the slider's bisection walks along)."""
    taus = [1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.3, 0.0]
    rates = {t: [] for t in taus}
    for fpath in files:
        x, sr = sf.read(fpath, dtype='float32')
        x = x[: len(x) // c.frame_samples * c.frame_samples]
        if len(x) < c.frame_samples * 4:
            continue
        sem = merge_stream(m, x)
        for t in taus:
            _, _, lengths, _ = merge_numpy(sem, t, c.max_segment_frames)
            rates[t].append(12.5 * len(lengths) / sem.shape[0])
    return [{'tau': t, 'rateHz': round(float(np.mean(v)), 3)} for t, v in rates.items() if v]


def export(ckpt, out, calib_files, golden_wav=None, golden_out=None, asr_onnx=None, entropy_corpus=None, decoder_fp16=True,
           entropy_per_speaker=40):
    """asr_onnx: the exported Whisper encoder (training/whisper/export_encoder.py), shipped as
    asr.onnx, for a model that merges on ASR features."""
    m, ck = load_codec(ckpt)
    c = m.c
    whisper = c.merge_on == 'whisper'
    if whisper and not (asr_onnx and os.path.exists(asr_onnx)):
        raise SystemExit(f'a model that merges on Whisper features needs --asr-onnx (not found: {asr_onnx})')
    os.makedirs(out, exist_ok=True)
    S, T = c.frame_samples * 10, 10
    audio = torch.randn(1, S) * 0.1
    asr = torch.randn(1, T, c.asr_dim) if whisper else None
    sem, ac = m.encode_frames(audio, asr)
    if whisper:
        torch.onnx.export(PooledEncoderOnnx(m), (audio,), os.path.join(out, 'encoder.onnx'), opset_version=OPSET,
                          input_names=['audio'], output_names=['acoustic'],
                          dynamic_axes={'audio': {1: 'S'}, 'acoustic': {1: 'T'}})
        shutil.copyfile(asr_onnx, os.path.join(out, 'asr.onnx'))
    else:
        torch.onnx.export(EncoderOnnx(m), (audio,), os.path.join(out, 'encoder.onnx'), opset_version=OPSET,
                          input_names=['audio'], output_names=['semantic', 'acoustic'],
                          dynamic_axes={'audio': {1: 'S'}, 'semantic': {1: 'T'}, 'acoustic': {1: 'T'}})
    K = 6
    lengths = torch.tensor([[1.0, 2.0, 1.0, 3.0, 2.0, 1.0]])
    q_names = ['semantic_mean', 'acoustic_mean', 'segment_length'] + (TREND_INPUTS if c.segment_trend else [])
    # example trends: any values of the right shape trace the graph (the tensors are the same widths as the means)
    q_args = (sem[:, :K], ac[:, :K], lengths) + ((sem[:, :K].flip(1) * 0.5, ac[:, :K].flip(1) * 0.5) if c.segment_trend else ())
    torch.onnx.export(QuantizerOnnx(m), q_args, os.path.join(out, 'quantizer.onnx'),
                      opset_version=OPSET, input_names=q_names, output_names=['codes'],
                      dynamic_axes={**{n: {1: 'K'} for n in q_names}, 'codes': {1: 'K'}})
    codes = QuantizerOnnx(m)(*q_args)
    fseg = torch.tensor([[0, 1, 1, 2, 3, 3, 3, 4, 4, 5]], dtype=torch.int32)
    fpos = torch.tensor([[0, 0, 1, 0, 0, 1, 2, 0, 1, 0]], dtype=torch.float32)
    dec_args, dec_names = (codes, lengths, fseg, fpos), ['codes', 'segment_length', 'frame_segment', 'frame_position']
    dec_axes = {'codes': {1: 'K'}, 'segment_length': {1: 'K'}, 'frame_segment': {1: 'T'}, 'frame_position': {1: 'T'},
                'audio': {1: 'S'}}
    if c.pitch:
        dec_args, dec_names = dec_args + decoder_pitch_example(lengths), dec_names + ['f0', 'phase']
        dec_axes.update({'f0': {1: 'F'}, 'phase': {1: 'F'}})
    torch.onnx.export(DecoderOnnx(m), dec_args, os.path.join(out, 'decoder.onnx'), opset_version=OPSET,
                      input_names=dec_names, output_names=['audio'], dynamic_axes=dec_axes)
    if decoder_fp16:
        store_weights_fp16(os.path.join(out, 'decoder.onnx'))
    files = {n: f'{n}.onnx' for n in ['encoder', 'quantizer', 'decoder'] + (['asr'] if whisper else [])}
    hashes = {n: sha256(os.path.join(out, f)) for n, f in files.items()}
    entropy = entropy_section(m, entropy_corpus, entropy_per_speaker) if entropy_corpus else None
    head = manifest_head(hashes, c.pitch, entropy, c.segment_trend)
    sd, ad, G = c.merge_dim, c.pooled_dim, c.code_groups
    sigs = {
        'encoder': ({'audio': spec('float32', [1, 'S'])},
                    {'acoustic': spec('float32', [1, 'T', ad])} if whisper else
                    {'semantic': spec('float32', [1, 'T', sd]), 'acoustic': spec('float32', [1, 'T', ad])}),
        'asr': ({'audio': spec('float32', [1, 'S'])}, {'asr': spec('float32', [1, 'T', sd])}),
        'quantizer': ({'semantic_mean': spec('float32', [1, 'K', sd]), 'acoustic_mean': spec('float32', [1, 'K', ad]),
                       'segment_length': spec('float32', [1, 'K']),
                       **({'semantic_trend': spec('float32', [1, 'K', sd]), 'acoustic_trend': spec('float32', [1, 'K', ad])}
                          if c.segment_trend else {})},
                      {'codes': spec('int32', [1, 'K', G])}),
        'decoder': ({'codes': spec('int32', [1, 'K', G]), 'segment_length': spec('float32', [1, 'K']),
                     'frame_segment': spec('int32', [1, 'T']), 'frame_position': spec('float32', [1, 'T']),
                     **({'f0': spec('float32', [1, 'F']), 'phase': spec('float32', [1, 'F'])} if c.pitch else {})},
                    {'audio': spec('float32', [1, 'S'])}),
    }
    manifest = {
        **head,
        'sampleRateHz': c.sample_rate,
        'frameSamples': c.frame_samples,
        'frameRateHz': c.sample_rate / c.frame_samples,
        'maxSegmentFrames': c.max_segment_frames,
        'lengthBits': int(np.ceil(np.log2(c.max_segment_frames))),
        'semanticDim': sd,
        'acousticDim': ad,
        'codeGroups': G,
        'bitsPerCode': c.bits_per_code,
        'fsqLevels': [c.fsq_levels] * c.fsq_channels_per_group,
        'semanticCodeGroups': c.semantic_code_groups,
        'mergeFeatures': 'whisper-tiny.en' if whisper else c.merge_on,
        **({'asrWindow': asr_window()} if whisper else {}),
        **({'pitch': pitch_section()} if c.pitch else {}),
        'tauCalibration': tau_calibration(m, calib_files, c),
        **({'entropy': entropy} if entropy else {}),
        'models': {n: {'file': f, 'sha256': hashes[n], 'bytes': os.path.getsize(os.path.join(out, f)),
                       'inputs': sigs[n][0], 'outputs': sigs[n][1]} for n, f in files.items()},
        'training': {'steps': int(ck.get('step', 0)), 'hours': round(float(ck.get('seconds', 0)) / 3600, 3),
                     'config': dataclasses.asdict(c)},
    }
    with open(os.path.join(out, 'models.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    if golden_wav and golden_out:
        write_golden(m, golden_wav, golden_out, manifest)
    print(f'exported {out}: model {head["modelId"]}, ' + ', '.join(f'{n} {manifest["models"][n]["bytes"] / 1e6:.2f} MB'
                                                            for n in files))
    return manifest


def entropy_section(m, corpus, per_speaker=40):
    """The range coder's frequency tables, measured on the training corpus (training/entropy), so
    the new model's encoder writes .fxc version 2 (version 4 for a model that codes pitch)."""
    if not os.path.exists(os.path.join(corpus, 'manifest.jsonl')):
        raise SystemExit(f'no training corpus at {corpus} to measure the range coder\'s tables on: '
                         'build it (training/data/README.md), pass --corpus, or export with --no-entropy')
    section, text = measure(m, corpus, per_speaker)
    print(text)
    return section


def write_golden(m, wav, out_dir, manifest, tau=0.85, seconds=2.0):
    """PyTorch outputs of every model on a real clip, for test/models-golden.test.ts."""
    c = m.c
    x, _ = sf.read(wav, dtype='float32')
    n = int(seconds * c.sample_rate) // c.frame_samples * c.frame_samples
    x = x[:n]
    asr = torch.from_numpy(merge_stream(m, x))[None] if c.merge_on == 'whisper' else None
    with torch.no_grad(), exact_transforms():
        sem, ac = m.encode_frames(torch.from_numpy(x)[None], asr)
        s, a = sem[0].numpy(), ac[0].numpy()
        _, ids, lengths, pos = merge_numpy(s, tau, c.max_segment_frames)
        K = len(lengths)
        sm = np.stack([s[ids == k].mean(0) for k in range(K)]).astype(np.float32)
        am = np.stack([a[ids == k].mean(0) for k in range(K)]).astype(np.float32)
        L = torch.from_numpy(lengths)[None]
        trends = {}
        if c.segment_trend:
            w = (trend_weights(torch.from_numpy(pos), torch.from_numpy(lengths[ids])).numpy())[:, None]
            trends = {n: np.stack([(f * w)[ids == k].mean(0) for k in range(K)]).astype(np.float32)
                      for n, f in zip(TREND_INPUTS, (s, a))}
        codes = QuantizerOnnx(m)(torch.from_numpy(sm)[None], torch.from_numpy(am)[None], L,
                                 *(torch.from_numpy(trends[n])[None] for n in trends))
        pitch, extra = (), {}
        if c.pitch:  # the tracker's levels for these segments, and the decoder inputs built from them
            from training.pitch import code, track
            levels = code.frame_levels(track.track(x))
            track64 = code.decoder_track(levels)  # phases from float64, as the runtime computes them
            f0, phase = track64.astype(np.float32), code.phase_starts(track64).astype(np.float32)
            pitch = (torch.from_numpy(f0)[None], torch.from_numpy(phase)[None])
            extra = {'pitch_level': levels.astype(np.int32), 'f0': f0, 'phase': phase}
        audio = DecoderOnnx(m)(codes, L, torch.from_numpy(ids)[None], torch.from_numpy(pos)[None], *pitch)
    tensors = {'audio_in': x, 'semantic': s, 'acoustic': a, 'semantic_mean': sm, 'acoustic_mean': am, **trends,
               'segment_length': lengths, 'codes': codes[0].numpy().astype(np.int32),
               'frame_segment': ids, 'frame_position': pos, **extra, 'audio_out': audio[0].numpy()}
    golden_format.write(out_dir, tensors, {'modelId': manifest['modelId'], 'tau': tau, 'frames': int(s.shape[0]),
                                           'segments': K})


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--out', default='public/models')
    p.add_argument('--calib-dir', default='training/data/corpus/heldout',
                   help='real speech for the tau -> rate table (the held-out set is never trained on)')
    p.add_argument('--calib-files', type=int, default=40)
    p.add_argument('--golden-wav', default='test/fixtures/speech-en-6s.wav')
    p.add_argument('--golden-out', default='test/fixtures/golden')
    p.add_argument('--corpus', default='training/data/corpus', help="its 'train' split gives the entropy tables")
    p.add_argument('--no-entropy', action='store_true', help='no entropy tables: the encoder writes .fxc version 1')
    p.add_argument('--entropy-per-speaker', type=int, default=40,
                   help='training utterances per speaker the entropy tables are measured on')
    p.add_argument('--asr-onnx', default='training/runs/whisper/whisper-asr-fp16.onnx',
                   help='the Whisper encoder to ship as asr.onnx (models that merge on Whisper features)')
    p.add_argument('--decoder-fp32', action='store_true',
                   help='store the decoder weights as float32 (default: float16, cast to float32 at load)')
    a = p.parse_args()
    files = []
    if os.path.isdir(a.calib_dir):
        files = sorted(os.path.join(a.calib_dir, f) for f in os.listdir(a.calib_dir) if f.endswith('.wav'))
        files = files[:: max(1, len(files) // a.calib_files)][: a.calib_files]
    if not files:
        files = [a.golden_wav]
    export(a.ckpt, a.out, files, a.golden_wav, a.golden_out, a.asr_onnx, None if a.no_entropy else a.corpus,
           decoder_fp16=not a.decoder_fp32, entropy_per_speaker=a.entropy_per_speaker)


if __name__ == '__main__':
    main()
