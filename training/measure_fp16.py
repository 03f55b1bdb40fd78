"""Error of storing decoder / encoder weights as float16 (training/export.py store_weights_fp16), against
the float32 files, on held-out speech through onnxruntime (docs/MODELS.md, "Size").

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.measure_fp16 MODELS_DIR [MODELS_DIR ...]

MODELS_DIR holds float32 files (an export with --decoder-fp32); one JSON line per set."""
import json, os, sys, tempfile
import numpy as np, onnx, onnxruntime as ort, soundfile as sf

from training.whisper.export_encoder import weights_to_fp16
from training.segments import merge_numpy

TMP = tempfile.mkdtemp(prefix='fp16-')

def sess(p):
    o = ort.SessionOptions(); o.intra_op_num_threads = 2; o.inter_op_num_threads = 1
    return ort.InferenceSession(p, o, providers=['CPUExecutionProvider'])

def run(d, files, tau=0.6):
    man = json.load(open(f'{d}/models.json'))
    for role in ['decoder', 'encoder']:
        src = f"{d}/{man['models'][role]['file']}"
        dst = f'{TMP}/{os.path.basename(d)}-{role}-fp16.onnx'
        if not os.path.exists(dst): onnx.save(weights_to_fp16(onnx.load(src)), dst)
    enc, enc16 = sess(f'{d}/encoder.onnx'), sess(f'{TMP}/{os.path.basename(d)}-encoder-fp16.onnx')
    q, dec, dec16 = sess(f'{d}/quantizer.onnx'), sess(f'{d}/decoder.onnx'), sess(f'{TMP}/{os.path.basename(d)}-decoder-fp16.onnx')
    asr = sess(f'{d}/asr.onnx') if 'asr' in man['models'] else None
    sig = noise = 0.0; maxabs = 0.0; snrs = []; code_flips = 0; codes_n = 0; ac_max = 0.0; ac_rel = []
    for f in files:
        x, sr = sf.read(f, dtype='float32'); x = x[: len(x) // 1280 * 1280][: 375 * 1280]
        T = len(x) // 1280
        if T < 8: continue
        eo = enc.run(None, {'audio': x[None]}); names = [o.name for o in enc.get_outputs()]
        eo16 = dict(zip(names, enc16.run(None, {'audio': x[None]})))
        eo = dict(zip(names, eo))
        ac, ac16 = eo['acoustic'][0], eo16['acoustic'][0]
        ac_max = max(ac_max, float(np.abs(ac - ac16).max())); ac_rel.append(float(np.linalg.norm(ac - ac16) / np.linalg.norm(ac)))
        if asr:
            pad = np.zeros(375 * 1280, np.float32); pad[: len(x)] = x
            sem = asr.run(None, {'audio': pad[None]})[0][0][:T]
        else:
            sem = eo['semantic'][0]
        _, ids, lengths, pos = merge_numpy(sem, tau, 8)
        K = len(lengths)
        sm = np.stack([sem[ids == k].mean(0) for k in range(K)])[None].astype(np.float32)
        am = np.stack([ac[ids == k].mean(0) for k in range(K)])[None].astype(np.float32)
        am16 = np.stack([ac16[ids == k].mean(0) for k in range(K)])[None].astype(np.float32)
        L = np.asarray(lengths, np.float32)[None]
        codes = q.run(None, {'semantic_mean': sm, 'acoustic_mean': am, 'segment_length': L})[0]
        codes16 = q.run(None, {'semantic_mean': sm, 'acoustic_mean': am16, 'segment_length': L})[0]
        code_flips += int((codes != codes16).sum()); codes_n += codes.size
        feeds = {'codes': codes.astype(np.int32), 'segment_length': L, 'frame_segment': ids[None].astype(np.int32), 'frame_position': np.asarray(pos, np.float32)[None]}
        y, y16 = dec.run(None, feeds)[0][0], dec16.run(None, feeds)[0][0]
        s, n = float((y ** 2).sum()), float(((y - y16) ** 2).sum())
        sig += s; noise += n; snrs.append(10 * np.log10(s / max(n, 1e-20))); maxabs = max(maxabs, float(np.abs(y - y16).max()))
    sz = lambda p: os.path.getsize(p) / 1e6
    b = os.path.basename(d)
    return {'set': d, 'modelId': man['modelId'], 'clips': len(snrs), 'seconds': None,
            'decoder_MB': [sz(f'{d}/decoder.onnx'), sz(f'{TMP}/{b}-decoder-fp16.onnx')],
            'encoder_MB': [sz(f'{d}/encoder.onnx'), sz(f'{TMP}/{b}-encoder-fp16.onnx')],
            'decoder_snr_db_overall': 10 * np.log10(sig / noise), 'decoder_snr_db_min': min(snrs),
            'decoder_max_abs': maxabs,
            'encoder_acoustic_max_abs': ac_max, 'encoder_acoustic_rel_l2_max': max(ac_rel),
            'codes_changed_by_fp16_encoder': f'{code_flips}/{codes_n}'}

files = sorted(os.path.join('training/data/corpus/heldout', f) for f in os.listdir('training/data/corpus/heldout'))[::18][:20]
for d in sys.argv[1:]:
    print(json.dumps(run(d, files)), flush=True)
