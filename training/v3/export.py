"""Exports FlexiCodec v3 (model.py) to ONNX (opset 17) and public/models/models.json.

  .venv/bin/python -m training.v3.export --ckpt training/runs/v3/v3.pt --out public/models

The three models and what the runtime feeds them (models.json `models`):
- encoder.onnx: `features` [1, F, 20], libopus's LPCNet analysis of the audio (the runtime's vocoder
  wasm, F = 8 T) -> `semantic` [1, T, 18], the merge stream the WGSL kernels compare, and `acoustic`
  [1, T, 8 * enc_dim], the fine stream with each 80 ms frame's eight 10 ms rows side by side, so the
  runtime's frame windows and chunking carry it unchanged;
- quantizer.onnx: `acoustic` [1, T, 8 * enc_dim] of the window's frames and `segment_length` [1, K]
  -> `codes` [1, K, 7]: the segment pooling runs inside, on the layout it is given;
- decoder.onnx: `codes`, `segment_length`, `frame_segment`, `frame_position` and the coded 10 ms
  pitch track `f0` [1, F] -> `features` [1, F, 20] for the vocoder (models.json `vocoder`).
A model with the semantic stream (V3Config.semantic = 'whisper') is formatVersion 4: its encoder.onnx
also reads `asr` [1, T, 384], Whisper tiny.en's 12.5 Hz features of the same T frames, which the
runtime computes with asr.onnx (`--asr-onnx`, copied into the output folder and listed as
`models.asr`) by the window scheme of models.json `asrWindow` (training/whisper/windows.py). One
that also merges on those features (V3Config.merge_on = 'whisper') says `mergeFeatures:
"whisper-tiny.en"` with `semanticDim` 384, and its encoder.onnx gives `acoustic` alone: the runtime
cuts asr.onnx's rows of the kept frames, the rows the encoder read, so the two cannot differ.
The range coder's tables are measured on the corpus's 'train' split as for the earlier models
(training/entropy), the tau -> rate table on its 'valid' split, and models.json's `vocoder` section is
carried over from the models folder being replaced.
"""
import argparse
import json
import os

import numpy as np
import soundfile as sf
import torch

from training.dataset import read_manifest
from training.manifest import OPSET, manifest_head, pitch_section, sha256, spec, store_weights_fp16
from training.segments import merge_numpy
from training.v3.decoder import FEATURES
from training.v3.model import CEPSTRA, MERGE_ON, CodecV3, config_dict, with_merge_on
from training.v3.train import load
from training.vocoder import native

# models.json formatVersion of a model whose encoder reads vocoder features and whose quantizer
# pools the frames of each segment itself (docs/MODELS.md): older runtimes refuse it.
FORMAT_VERSION = 3
# ... and of one whose encoder also reads asr.onnx's features (`semanticInput`, V3Config.semantic): a
# runtime without that input refuses it by its version instead of failing inside onnxruntime.
SEMANTIC_FORMAT_VERSION = 4
# models.json `semanticInput` of each V3Config.semantic (src/core/manifest.ts SEMANTIC_INPUTS).
SEMANTIC_INPUTS = {'whisper': 'whisper-tiny.en'}
# The Whisper encoder shipped as asr.onnx: the file the semantic stream's features were computed with
# (asr_cache.py --onnx, merge_features.py), so the runtime feeds the encoder what training did.
ASR_ONNX = 'training/runs/whisper/whisper-asr-fp16.onnx'


# models.json `mergeFeatures` of each V3Config.merge_on (src/core/manifest.ts MERGE_FEATURES).
MERGE_FEATURES = {'cepstra': 'lpcnet-cepstra', 'fine': 'v3-fine-stream', 'whisper': 'whisper-tiny.en'}


def asr_window():
    """models.json `asrWindow`: the window scheme the features were computed by (windows.py `features`
    pads a file shorter than a window to a whole one, as Whisper does)."""
    from training.whisper import windows

    return {'windowFrames': windows.WINDOW_FRAMES, 'marginFrames': windows.MARGIN_FRAMES, 'padShortToWindow': True}


def asr_features_of(onnx_path):
    """audio (S,), S a multiple of 1280 -> Whisper's 12.5 Hz features (S / 1280, 384) by the runtime's
    window scheme through the asr.onnx at onnx_path: what the runtime feeds the encoder."""
    from training.whisper import features, windows

    run = features.window_runner(onnx_path, raw=False, use_torch=False)
    return lambda x: windows.features(run, x.astype(np.float32))


def merge_dim(c) -> int:
    """Width of the merge stream (models.json `semanticDim`): 18 cepstra, the fine stream's, or Whisper's
    (asr.onnx's rows, not an output of encoder.onnx)."""
    return {'cepstra': CEPSTRA, 'fine': c.enc_dim, 'whisper': c.semantic_dim}[c.merge_on]


def encoder_outputs(c) -> list:
    """encoder.onnx's outputs: the merge stream `semantic` and `acoustic`, or for a model that merges on
    Whisper's features `acoustic` alone (the runtime's merge stream is asr.onnx's rows; an output that
    copied the `asr` input would be a second source of the same rows)."""
    return ['acoustic'] if c.merge_on == 'whisper' else ['semantic', 'acoustic']


class EncoderOnnx(torch.nn.Module):
    def __init__(self, m: CodecV3):
        super().__init__()
        self.m = m

    def forward(self, features, asr=None):
        merge, fine = self.m.encode_streams(features, asr)
        return merge, fine.reshape(1, -1, self.m.c.upsample * self.m.c.enc_dim)


class AcousticOnnx(EncoderOnnx):
    """encoder.onnx of a model that merges on Whisper's features: EncoderOnnx's `acoustic` alone."""

    def forward(self, features, asr=None):
        return super().forward(features, asr)[1]


class QuantizerOnnx(torch.nn.Module):
    def __init__(self, m: CodecV3):
        super().__init__()
        self.m = m

    def forward(self, acoustic, segment_length):
        q = self.m.quantizer
        lengths = segment_length[0]
        starts = (torch.cumsum(lengths, 0) - lengths).to(torch.int64)
        z = q.latent(acoustic.reshape(-1, self.m.c.enc_dim), starts, lengths)
        _, digits = q.quantize(z)
        return q.codes_from_digits(digits).to(torch.int32)[None]


class DecoderOnnx(torch.nn.Module):
    def __init__(self, m: CodecV3):
        super().__init__()
        self.m = m

    def forward(self, codes, segment_length, frame_segment, frame_position, f0):
        # code -1: a group the file does not carry (models.json reducedCodeGroups), which reads as 0
        present = (codes >= 0).to(torch.float32)
        per_group = self.m.c.fsq_channels_per_group
        latent = self.m.quantizer.dequantize_codes(codes.clamp(min=0).to(torch.float32))
        latent = latent * present[..., None].expand(*present.shape, per_group).reshape(latent.shape)
        return self.m.decoder(latent[0], segment_length[0], frame_segment.to(torch.int64), frame_position, f0)


def analyse_frames(x: np.ndarray) -> np.ndarray:
    """x (S,) float32, S a multiple of 1280 -> LPCNet features (S / 160, 20), as the runtime's analysis."""
    return native.analyse(x).astype(np.float32)


def streams(m: CodecV3, x: np.ndarray, asr_features=None):
    """The merge stream the runtime cuts and the encoder's `acoustic` for audio x (S,), S a multiple of
    1280: merge (T, semanticDim), acoustic (T, 8 enc_dim). A model with the semantic stream also reads
    x's Whisper features (the runtime's window scheme), by `asr_features` (asr_features_of) or else
    merge_features.py's choice of encoder; one that merges on them (merge_on 'whisper') returns them as
    the merge stream, so its tables and tau curve are measured on the layouts the runtime cuts."""
    asr = None
    if m.c.semantic:
        if asr_features is None:
            from training.whisper.merge_features import asr_features
        asr = torch.from_numpy(asr_features(x).astype(np.float32))[None]
    with torch.no_grad():
        merge, acoustic = EncoderOnnx(m)(torch.from_numpy(analyse_frames(x))[None], asr)
    return merge[0].numpy(), acoustic[0].numpy()


def segments_at_rates(m: CodecV3, x: np.ndarray, rates, asr_features=None, file=None, asr_rows=None):
    """training/entropy/collect.py's segmenter for v3: per rate, the lengths, FSQ digits and pitch levels.
    asr_rows: {corpus path: Whisper rows} (asr_cache.rows_by_file), used instead of `asr_features` for
    the utterance `file` where it has it: the same encoder's rows, an encoder pass saved per file."""
    from training.segments import layout_flags
    from training.pitch.code import frame_levels
    from training.pitch.track import track

    n = len(x) // 1280 * 1280
    if asr_rows is not None and file in asr_rows:
        rows = np.asarray(asr_rows[file][: n // 1280], np.float32)
        asr_features = lambda _: rows  # noqa: E731
    merge, acoustic = streams(m, x[:n], asr_features)
    levels = frame_levels(track(x[:n]))
    out = []
    with torch.no_grad():
        for rate in rates:
            flags = layout_flags(merge, rate, m.c.max_segment_frames, m.c.layout, m.c.spread_length_penalty)
            starts = np.flatnonzero(flags)
            lengths = np.diff(np.append(starts, len(flags))).astype(np.float32)
            z = m.quantizer.latent(torch.from_numpy(acoustic).reshape(-1, m.c.enc_dim), torch.from_numpy(starts),
                                   torch.from_numpy(lengths))
            _, digits = m.quantizer.quantize(z)
            kept = m.c.groups_at(float(rate)) * m.c.fsq_channels_per_group  # the groups a file at this rate carries
            out.append({'rate': float(rate), 'lengths': lengths.astype(np.int64), 'digits': digits[:, :kept].numpy().astype(np.int64),
                        'pitch': levels})
    return out


def tau_calibration(m, files, asr_features=None):
    """Mean achieved rate per tau over real speech files (what the slider's bisection walks along)."""
    taus = [1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.3, 0.0]
    rates = {t: [] for t in taus}
    for path in files:
        x, sr = sf.read(path, dtype='float32')
        x = x[: len(x) // 1280 * 1280]
        if sr != 16000 or len(x) < 4 * 1280:
            continue
        merge, _ = streams(m, x, asr_features)
        for t in taus:
            _, _, lengths, _ = merge_numpy(merge, t, m.c.max_segment_frames)
            rates[t].append(12.5 * len(lengths) / merge.shape[0])
    return [{'tau': t, 'rateHz': round(float(np.mean(v)), 3)} for t, v in rates.items() if v]


def example_inputs(m: CodecV3, T=10):
    feats = torch.from_numpy(analyse_frames((np.random.default_rng(0).standard_normal(T * 1280) * 0.05).astype(np.float32)))[None]
    # Whisper's features of the same T frames, for a model with the semantic stream (any values trace the graph)
    asr = torch.randn(1, T, m.c.semantic_dim, generator=torch.Generator().manual_seed(0)) if m.c.semantic else None
    lengths = torch.tensor([[1.0, 2.0, 1.0, 3.0, 2.0, 1.0]])
    fseg = torch.tensor([[0, 1, 1, 2, 3, 3, 3, 4, 4, 5]], dtype=torch.int32)
    fpos = torch.tensor([[0, 0, 1, 0, 0, 1, 2, 0, 1, 0]], dtype=torch.float32)
    f0 = torch.where(torch.arange(8 * T) % 7 < 4, 140.0, 0.0)[None]
    return feats, asr, lengths, fseg, fpos, f0


def export_onnx(m: CodecV3, out: str, decoder_fp16=True):
    feats, asr, lengths, fseg, fpos, f0 = example_inputs(m)
    merge, acoustic = EncoderOnnx(m)(feats, asr)
    # The semantic stream's encoder also reads `asr` [1, T, 384]; T is the same axis as `acoustic`'s.
    enc_args, enc_names = ((feats, asr), ['features', 'asr']) if asr is not None else ((feats,), ['features'])
    outputs = encoder_outputs(m.c)
    torch.onnx.export((AcousticOnnx if outputs == ['acoustic'] else EncoderOnnx)(m), enc_args,
                      os.path.join(out, 'encoder.onnx'), opset_version=OPSET, input_names=enc_names,
                      output_names=outputs,
                      dynamic_axes={'features': {1: 'F'}, **({'asr': {1: 'T'}} if asr is not None else {}),
                                    **{name: {1: 'T'} for name in outputs}})
    torch.onnx.export(QuantizerOnnx(m), (acoustic, lengths), os.path.join(out, 'quantizer.onnx'), opset_version=OPSET,
                      input_names=['acoustic', 'segment_length'], output_names=['codes'],
                      dynamic_axes={'acoustic': {1: 'T'}, 'segment_length': {1: 'K'}, 'codes': {1: 'K'}})
    codes = QuantizerOnnx(m)(acoustic, lengths)
    names = ['codes', 'segment_length', 'frame_segment', 'frame_position', 'f0']
    torch.onnx.export(DecoderOnnx(m), (codes, lengths, fseg, fpos, f0), os.path.join(out, 'decoder.onnx'),
                      opset_version=OPSET, input_names=names, output_names=['features'],
                      dynamic_axes={'codes': {1: 'K'}, 'segment_length': {1: 'K'}, 'frame_segment': {1: 'T'},
                                    'frame_position': {1: 'T'}, 'f0': {1: 'F'}, 'features': {1: 'F'}})
    if decoder_fp16:
        store_weights_fp16(os.path.join(out, 'decoder.onnx'))


def signatures(m: CodecV3):
    c, G = m.c, m.c.code_groups
    ad = c.upsample * c.enc_dim
    asr = {'asr': spec('float32', [1, 'T', c.semantic_dim])} if c.semantic else {}
    enc_out = {'semantic': spec('float32', [1, 'T', merge_dim(c)]), 'acoustic': spec('float32', [1, 'T', ad])}
    return {
        'encoder': ({'features': spec('float32', [1, 'F', FEATURES]), **asr},
                    {k: enc_out[k] for k in encoder_outputs(c)}),
        # Whisper's encoder, for a model with the semantic stream (the earlier family's asr.onnx, unchanged)
        **({'asr': ({'audio': spec('float32', [1, 'S'])}, asr)} if c.semantic else {}),
        'quantizer': ({'acoustic': spec('float32', [1, 'T', ad]), 'segment_length': spec('float32', [1, 'K'])},
                      {'codes': spec('int32', [1, 'K', G])}),
        'decoder': ({'codes': spec('int32', [1, 'K', G]), 'segment_length': spec('float32', [1, 'K']),
                     'frame_segment': spec('int32', [1, 'T']), 'frame_position': spec('float32', [1, 'T']),
                     'f0': spec('float32', [1, 'F'])},
                    {'features': spec('float32', [1, 'F', FEATURES])}),
    }


def semantic_fields(c) -> dict:
    """models.json's fields of a model with the semantic stream (docs/MODELS.md, formatVersion 4); {} otherwise."""
    if not c.semantic:
        return {}
    if c.semantic not in SEMANTIC_INPUTS:
        raise SystemExit(f'V3Config.semantic {c.semantic!r}: models.json knows {", ".join(SEMANTIC_INPUTS)}')
    return {'semanticInput': SEMANTIC_INPUTS[c.semantic], 'asrWindow': asr_window()}


def export(ckpt, out, calib_files, corpus, vocoder_section, per_speaker=40, entropy_cache=None, asr_onnx=ASR_ONNX,
           merge_on=None, asr_cache=None):
    """asr_onnx: the Whisper encoder shipped as asr.onnx with a model that has the semantic stream;
    merge_on: the merge stream the exported model cuts, when not the one it trained on (with_merge_on;
    models.json's training section keeps the trained one as `trainedMergeOn`); asr_cache: a folder of
    asr_cache.py's features of the corpus (built by asr_onnx, else refused) the tables read instead of
    running the encoder on each utterance again."""
    import functools
    import shutil

    from training.entropy.measure import measure

    m = load(ckpt)
    ck = torch.load(ckpt, map_location='cpu')
    trained_merge_on = m.c.merge_on
    if merge_on and merge_on != trained_merge_on:
        try:
            with_merge_on(m, merge_on)
        except ValueError as e:
            raise SystemExit(f'--merge-on {merge_on}: {e}')
    c = m.c
    if c.semantic and not os.path.exists(asr_onnx):
        raise SystemExit(f'a model with the semantic stream ships asr.onnx: --asr-onnx {asr_onnx} not found')
    os.makedirs(out, exist_ok=True)
    export_onnx(m, out)
    files = {n: f'{n}.onnx' for n in ('encoder', 'quantizer', 'decoder')}
    asr_features = None
    if c.semantic:
        shutil.copyfile(asr_onnx, os.path.join(out, 'asr.onnx'))
        files['asr'] = 'asr.onnx'
        # The tables and the tau curve are measured on the features of the very file shipped (for
        # merge_on 'whisper' also the merge stream they are cut on, as the runtime cuts it).
        asr_features = asr_features_of(os.path.join(out, 'asr.onnx'))
    asr_rows = None
    if c.semantic and asr_cache:
        from training.v3.asr_cache import rows_by_file

        asr_rows = rows_by_file(asr_cache, asr_onnx)
    # asr.onnx's hash joins the model id: the codes depend on it as on the encoder's.
    hashes = {n: sha256(os.path.join(out, f)) for n, f in files.items()}
    fxc_version = 5 if c.reduced_groups else 4
    entropy, text = measure(m, corpus, per_speaker, cache=entropy_cache,
                            segmenter=functools.partial(segments_at_rates, asr_features=asr_features, asr_rows=asr_rows), pitch=True,
                            channels=c.latent_channels, fxc_version=fxc_version)
    print(text)
    head = manifest_head(hashes, True, entropy, groups_in_header=fxc_version == 5)
    sigs = signatures(m)
    manifest = {
        **head,
        'formatVersion': SEMANTIC_FORMAT_VERSION if c.semantic else FORMAT_VERSION,
        'sampleRateHz': 16000,
        'frameSamples': 1280,
        'frameRateHz': 12.5,
        'maxSegmentFrames': c.max_segment_frames,
        'lengthBits': int(np.ceil(np.log2(c.max_segment_frames))),
        'semanticDim': merge_dim(c),
        'acousticDim': c.upsample * c.enc_dim,
        'codeGroups': c.code_groups,
        **({'reducedCodeGroups': {'codeGroups': c.reduced_groups, 'belowRateHz': c.reduced_below_hz}}
           if c.reduced_groups else {}),
        'bitsPerCode': int(round(c.fsq_channels_per_group * np.log2(c.fsq_levels))),
        'fsqLevels': [c.fsq_levels] * c.fsq_channels_per_group,
        'semanticCodeGroups': 0,
        'mergeFeatures': MERGE_FEATURES[c.merge_on],
        # How the encoder cuts the merge stream (V3Config.layout; absent in older models: 'threshold').
        'layout': c.layout,
        **({'layoutLengthPenalty': c.spread_length_penalty} if c.layout == 'spread' else {}),
        'encoderInput': 'vocoder-features',
        **semantic_fields(c),
        'pitch': pitch_section(),
        'tauCalibration': tau_calibration(m, calib_files, asr_features),
        'entropy': entropy,
        'vocoder': vocoder_section,
        'models': {n: {'file': f, 'sha256': hashes[n], 'bytes': os.path.getsize(os.path.join(out, f)),
                       'inputs': sigs[n][0], 'outputs': sigs[n][1]} for n, f in files.items()},
        'training': {'family': 'v3', 'steps': int(ck.get('step', 0)), 'hours': round(float(ck.get('seconds', 0)) / 3600, 3),
                     'config': config_dict(c),
                     **({'trainedMergeOn': trained_merge_on} if trained_merge_on != c.merge_on else {})},
    }
    with open(os.path.join(out, 'models.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'exported {out}: model {head["modelId"]}, ' + ', '.join(f'{n} {manifest["models"][n]["bytes"] / 1e6:.2f} MB' for n in files))
    return manifest


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', required=True)
    p.add_argument('--out', default='public/models')
    p.add_argument('--vocoder-from', default='public/models/models.json', help="models.json whose `vocoder` section to carry over")
    p.add_argument('--calib-files', type=int, default=60, help="the corpus's 'valid' utterances the tau -> rate table is measured on")
    p.add_argument('--corpus', default='training/data/corpus', help="its 'train' split gives the entropy tables")
    p.add_argument('--per-speaker', type=int, default=40)
    p.add_argument('--entropy-cache', default=None)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--asr-onnx', default=ASR_ONNX,
                   help='the Whisper encoder shipped as asr.onnx with a model that has the semantic stream')
    p.add_argument('--merge-on', choices=MERGE_ON, default=None,
                   help="the merge stream the exported model cuts (default: the one it trained on); evaluate.py's "
                        '--merge-on measures the choice first')
    p.add_argument('--asr-cache', default=None,
                   help="a model with the semantic stream: training/v3/asr_cache.py's folder (e.g. "
                        'training/data/cache/featdec), whose rows the entropy tables read instead of running '
                        '--asr-onnx on each corpus utterance (~0.5 s each on one core)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.vocoder_from) as f:
        vocoder = json.load(f).get('vocoder')
    if not vocoder:
        raise SystemExit(f'{a.vocoder_from} has no vocoder section to carry over')
    rows = read_manifest(a.corpus, 'valid')
    files = [os.path.join(a.corpus, r['file']) for r in rows[:: max(1, len(rows) // a.calib_files)][: a.calib_files]]
    export(a.ckpt, a.out, files, a.corpus, vocoder, a.per_speaker, a.entropy_cache, a.asr_onnx, a.merge_on, a.asr_cache)


if __name__ == '__main__':
    main()
