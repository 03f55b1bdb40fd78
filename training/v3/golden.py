"""Golden tensors of a v3 model (model.py) on a real clip, for test/models-golden.test.ts.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.v3.golden --ckpt training/runs/v3/v3.pt \
      --models public/models --out test/fixtures/golden

PyTorch's outputs of the three exported graphs (export.py's EncoderOnnx, QuantizerOnnx, DecoderOnnx)
on the first 2 s of test/fixtures/speech-en-6s.wav, in the runtime's order: the audio, its LPCNet
features (training/vocoder/native.py `analyse`, what the runtime's vocoder module computes), the
encoder's merge stream and fine stream, the merge at `--tau` (training's merge_numpy, the rule of
src/core/merge.ts), the codes of those segments, the coded pitch (the tracker's levels per 80 ms
frame and the 10 ms F0 track rebuilt from them, as training/export.py write_golden) and the decoded
features; for a model with the semantic stream (models.json formatVersion 4, `semanticInput`) also the
encoder's `asr` input, asr.onnx's features of the clip by the runtime's window scheme. The test runs
the ONNX files of `--models` on the same inputs with onnxruntime-node.

The decoder's ONNX file stores its large weights in float16 (export.py `store_weights_fp16`), so its
reference is computed with the same weights rounded to float16: the golden tensors then say what the
file should compute, not how far float16 storage moves it. The checkpoint must be the one the models
were exported from: the script refuses a models folder whose files its outputs do not match
(onnxruntime-python on the same inputs, the differences printed).

Writes golden.bin (each tensor's bytes, little-endian, one after another) and golden.json (modelId,
tau, frames, segments, and per tensor dtype, shape, byte offset).
"""
import argparse
import json
import os

import numpy as np
import soundfile as sf
import torch

from training.golden_format import write
from training.segments import merge_numpy
from training.v3.export import MERGE_FEATURES, DecoderOnnx, EncoderOnnx, QuantizerOnnx, analyse_frames, asr_features_of
from training.v3.model import with_merge_on
from training.v3.train import load

# Weights with at least this many elements are stored as float16 in decoder.onnx (MIN_CAST_ELEMENTS
# of training/whisper/export_encoder.py).
FP16_MIN_ELEMENTS = 1024
# 12.5 Hz frames at 16 kHz.
FRAME_SAMPLES = 1280
# Largest |PyTorch - onnxruntime-python| accepted per tensor before the script refuses the pair.
AGREEMENT = {'semantic': 1e-3, 'acoustic': 1e-3, 'features_out': 1e-2}


def round_decoder_fp16(m):
    """Rounds the decoder's tensors that decoder.onnx stores as float16 to float16 precision, in place."""
    with torch.no_grad():
        for t in list(m.decoder.parameters()) + list(m.decoder.buffers()):
            if t.is_floating_point() and t.numel() >= FP16_MIN_ELEMENTS:
                t.copy_(t.half().float())


def golden_tensors(m, x: np.ndarray, tau: float, asr_features=None) -> dict:
    """Every tensor the test compares, for audio x (S,), S a multiple of 1280; `asr_features` (export.py
    asr_features_of) computes the encoder's asr input of a model with the semantic stream."""
    from training.pitch import code, track

    features = analyse_frames(x)  # (8T, 20)
    asr = asr_features(x).astype(np.float32) if m.c.semantic else None  # (T, 384)
    with torch.no_grad():
        asr_in = torch.from_numpy(asr)[None] if asr is not None else None
        sem, ac = EncoderOnnx(m)(torch.from_numpy(features)[None], asr_in)  # (1, T, 18), (1, T, 8 enc_dim)
        s, a = sem[0].numpy(), ac[0].numpy()
        _, ids, lengths, pos = merge_numpy(s, tau, m.c.max_segment_frames)
        L = torch.from_numpy(lengths)[None]  # (1, K)
        codes = QuantizerOnnx(m)(ac, L)  # (1, K, 7) int32
        levels = code.frame_levels(track.track(x))  # (T,)
        f0 = code.decoder_track(levels).astype(np.float32)  # (8T,)
        out = DecoderOnnx(m)(codes, L, torch.from_numpy(ids)[None], torch.from_numpy(pos)[None],
                             torch.from_numpy(f0)[None])  # (1, 8T, 20)
    return {'audio_in': x, 'features_in': features, **({'asr_in': asr} if asr is not None else {}),
            'semantic': s, 'acoustic': a, 'segment_length': lengths,
            'codes': codes[0].numpy().astype(np.int32), 'frame_segment': ids.astype(np.int32),
            'frame_position': pos, 'pitch_level': levels.astype(np.int32), 'f0': f0,
            'features_out': out[0].numpy()}


def onnx_agreement(models: str, t: dict) -> dict:
    """onnxruntime-python's outputs of the models folder on the golden inputs, against the golden tensors."""
    import onnxruntime as ort

    def run(name, feeds):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        session = ort.InferenceSession(os.path.join(models, f'{name}.onnx'), opts)
        return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))

    asr = {'asr': t['asr_in'][None]} if 'asr_in' in t else {}
    enc = run('encoder', {'features': t['features_in'][None], **asr})
    # A model that merges on Whisper's features (mergeFeatures "whisper-tiny.en") has no `semantic`
    # output: its merge stream is the asr input itself.
    sem = enc['semantic'][0] if 'semantic' in enc else t['asr_in']
    K = len(t['segment_length'])
    codes = run('quantizer', {'acoustic': t['acoustic'][None], 'segment_length': t['segment_length'][None]})['codes']
    out = run('decoder', {'codes': t['codes'][None], 'segment_length': t['segment_length'][None],
                          'frame_segment': t['frame_segment'][None], 'frame_position': t['frame_position'][None],
                          'f0': t['f0'][None]})['features']
    return {'semantic': float(np.abs(sem - t['semantic']).max()),
            'acoustic': float(np.abs(enc['acoustic'][0] - t['acoustic']).max()),
            'codes_differing': int((codes[0] != t['codes']).sum()), 'codes': K * t['codes'].shape[1],
            'features_out': float(np.abs(out[0] - t['features_out']).max())}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--ckpt', required=True, help='the v3 checkpoint public/models was exported from')
    p.add_argument('--models', default='public/models', help='its exported models folder (models.json, *.onnx)')
    p.add_argument('--out', default='test/fixtures/golden')
    p.add_argument('--wav', default='test/fixtures/speech-en-6s.wav')
    p.add_argument('--seconds', type=float, default=2.0)
    p.add_argument('--tau', type=float, default=0.5, help='merge threshold of the golden segments')
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.models, 'models.json')) as f:
        manifest = json.load(f)
    # 4: a v3 model whose encoder also reads asr.onnx's features (semanticInput)
    if manifest.get('formatVersion') not in (3, 4):
        raise SystemExit(f"{a.models}/models.json is formatVersion {manifest.get('formatVersion')}, not a v3 model")
    m = load(a.ckpt)
    if bool(m.c.semantic) != ('semanticInput' in manifest):
        raise SystemExit(f'{a.ckpt} and {a.models}/models.json disagree on the semantic stream: export first')
    # The merge stream the export cut (export.py --merge-on may differ from the trained one).
    if manifest.get('mergeFeatures') == MERGE_FEATURES['whisper'] and m.c.merge_on != 'whisper':
        with_merge_on(m, 'whisper')
    asr_features = asr_features_of(os.path.join(a.models, manifest['models']['asr']['file'])) if m.c.semantic else None
    round_decoder_fp16(m)
    x, sr = sf.read(a.wav, dtype='float32')
    if sr != 16000 or x.ndim != 1:
        raise SystemExit(f'{a.wav}: need 16 kHz mono')
    x = np.ascontiguousarray(x[: int(a.seconds * sr) // FRAME_SAMPLES * FRAME_SAMPLES])
    t = golden_tensors(m, x, a.tau, asr_features)
    agreement = onnx_agreement(a.models, t)
    print('onnxruntime-python against PyTorch:', agreement)
    bad = [k for k, tol in AGREEMENT.items() if agreement[k] > tol]
    if bad or agreement['codes_differing'] > agreement['codes'] // 100:
        raise SystemExit(f'{a.models} does not compute what {a.ckpt} does ({", ".join(bad) or "codes"}): '
                         'export the models from this checkpoint first')
    T, K = t['semantic'].shape[0], len(t['segment_length'])
    write(a.out, t, {'modelId': manifest['modelId'], 'formatVersion': manifest['formatVersion'], 'tau': a.tau,
                     'frames': T, 'segments': K})
    print(f"wrote {a.out}/golden.{{bin,json}}: model {manifest['modelId']}, {T} frames, {K} segments at tau {a.tau}")


if __name__ == '__main__':
    main()
