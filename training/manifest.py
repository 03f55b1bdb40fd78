"""What every exported model set shares: the ONNX opset, models.json's head (format version, .fxc
version, model id), tensor specs, the pitch section, file hashes and float16 weight storage."""
import hashlib

OPSET = 17


def pitch_section():
    """models.json `pitch`: what the runtime's tracker and level code must be (src/core/pitch-code.ts)."""
    from training.pitch import code
    return {'formatVersion': 1, 'tracker': 'nccf-8k-v1', 'levels': code.LEVELS, 'f0MinHz': code.F0_MIN,
            'f0MaxHz': code.F0_MAX, 'subframes': code.SUBFRAMES, 'minVoicedShare': code.MIN_VOICED_SHARE}


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def store_weights_fp16(path):
    """Rewrites an exported ONNX file with its float32 weights of >= 1024 elements stored as float16,
    each cast back to float32 when the session starts (onnxruntime folds the Cast, so WebGPU without
    shader-f16 runs it too; compute stays float32). The decoder: 14.7 -> 7.4 MB, output within 54 dB
    SNR of float32's on held-out speech (docs/MODELS.md)."""
    import onnx

    from training.whisper.export_encoder import weights_to_fp16

    onnx.save(weights_to_fp16(onnx.load(path)), path)


def spec(type_, shape):
    return {'type': type_, 'shape': shape}


def manifest_head(hashes, codes_pitch, entropy=None, segment_trend=False, groups_in_header=False):
    """The first fields of models.json: formatVersion (2 when the quantizer also takes the segment
    trends, docs/MODELS.md, so that a runtime without them refuses the model), fxcVersion 4 for a model that codes pitch and
    has entropy tables (its encoder writes .fxc version 4, docs/FORMAT.md), and modelId: 8 hex digits
    of the sha256 of the ONNX files' hashes (in name order), followed for a version 4 model by its
    entropy tables' id, since a v4 header has no entropyId: the model id must name the tables.
    `groups_in_header`: the model's files carry fewer code groups at low rates (reducedCodeGroups),
    so they are version 5, version 4 with the file's codeGroups in the header."""
    v4 = bool(codes_pitch) and entropy is not None
    ids = ''.join(hashes[n] for n in sorted(hashes)) + (entropy['id'] if v4 else '')
    compact = {'fxcVersion': 5 if groups_in_header else 4} if v4 else {}
    return {'formatVersion': 2 if segment_trend else 1, **compact,
            'modelId': hashlib.sha256(ids.encode()).hexdigest()[:8]}
