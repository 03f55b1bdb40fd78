"""Export the 12.5 Hz Whisper features (AsrFeatures) to ONNX, opset 17, in three variants.

  audio float32 [1, S] (16 kHz, S a multiple of 1280, at most 480000) -> asr float32 [1, S / 1280, 384]

  whisper-asr.onnx       fp32 weights
  whisper-asr-fp16.onnx  fp16 weights, each cast to float32 when the session starts (all compute
                         is float32, so WASM and WebGPU run the same graph)
  whisper-asr-int8.onnx  MatMul and Conv weights int8, symmetric, one scale per output channel,
                         through DequantizeLinear (weight-only: activations and compute stay
                         float32); the rest as in the fp16 file. onnxruntime's own
                         quantize_dynamic would quantise the activations too, but its tool needs
                         the PyPI package ml_dtypes, which is not installed here.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.whisper.export_encoder --out training/runs/whisper
"""
import argparse
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from training.whisper.asr_features import AsrFeatures

OPSET = 17
MIN_CAST_ELEMENTS = 1024  # smaller tensors stay float32: a Cast would cost more than it saves


def export_fp32(model, path, seconds=4.0):
    """Trace with a real-length input and dynamic S; write the fp32 file."""
    audio = torch.zeros(1, int(seconds * 16000) // 1280 * 1280)
    torch.onnx.export(model, (audio,), path, opset_version=OPSET, input_names=['audio'], output_names=['asr'],
                      dynamic_axes={'audio': {1: 'S'}, 'asr': {1: 'T'}}, do_constant_folding=True)


def _constants_to_initializers(graph):
    """Float Constant nodes -> initializers, so one pass can halve every weight."""
    keep = []
    for node in graph.node:
        if node.op_type == 'Constant' and len(node.attribute) == 1 and node.attribute[0].name == 'value':
            t = node.attribute[0].t
            if t.data_type == TensorProto.FLOAT:
                t.name = node.output[0]
                graph.initializer.append(t)
                continue
        keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)


def weights_to_fp16(model_proto, skip=()):
    """Store each float32 initializer of >= 1024 elements as float16 with a Cast back to float32
    in front of its users (onnxruntime folds the Cast once, when the session is created).
    skip: names left as they are (e.g. already quantised)."""
    g = model_proto.graph
    _constants_to_initializers(g)
    casts, inits = [], []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or init.name in skip or np.prod(init.dims) < MIN_CAST_ELEMENTS:
            inits.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + '_fp16')
        inits.append(half)
        casts.append(helper.make_node('Cast', [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + '_cast'))
    del g.initializer[:]
    g.initializer.extend(inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return model_proto


def weights_to_int8(model_proto, min_elements=16384):
    """Each float32 MatMul / Conv weight initializer of >= min_elements -> int8 + DequantizeLinear,
    symmetric, one scale per output channel (MatMul weights are (in, out): axis 1; Conv (out, in, k):
    axis 0). Returns (model_proto, names of the replaced initializers)."""
    g = model_proto.graph
    _constants_to_initializers(g)
    weights = {n.input[1]: n.op_type for n in g.node if n.op_type in ('MatMul', 'Conv') and len(n.input) > 1}
    inits, nodes, done = [], [], set()
    for init in g.initializer:
        if (init.name not in weights or init.data_type != TensorProto.FLOAT or np.prod(init.dims) < min_elements
                or init.name.startswith('mel.')):  # the DFT basis keeps fp16: the log-mel's floor is 80 dB down
            inits.append(init)
            continue
        w = numpy_helper.to_array(init)
        axis = 1 if weights[init.name] == 'MatMul' else 0
        amax = np.abs(w).max(axis=tuple(i for i in range(w.ndim) if i != axis))
        scale = np.maximum(amax, 1e-8).astype(np.float32) / 127.0  # (channels,)
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        names = [init.name + s for s in ('_int8', '_scale', '_zero')]
        inits += [numpy_helper.from_array(q, names[0]), numpy_helper.from_array(scale, names[1]),
                  numpy_helper.from_array(np.zeros_like(scale, np.int8), names[2])]
        nodes.append(helper.make_node('DequantizeLinear', names, [init.name], axis=axis, name=init.name + '_dq'))
        done.add(init.name)
    del g.initializer[:]
    g.initializer.extend(inits)
    all_nodes = nodes + list(g.node)
    del g.node[:]
    g.node.extend(all_nodes)
    return model_proto, done


def constant_tensors(graph):
    """Names of the tensors onnxruntime can compute once, at load: initializers, Constant outputs,
    and outputs of nodes whose inputs all are such (Shape-dependent ones are not: S is dynamic)."""
    const = {i.name for i in graph.initializer} | {''}
    for node in graph.node:  # ONNX nodes are in topological order
        if node.op_type == 'Constant' or (node.op_type != 'Shape' and node.input and all(i in const for i in node.input)):
            const.update(node.output)
    return const


def runtime_fp16_casts(model_proto):
    """Cast nodes to or from float16 that run on every call (not foldable at load): each needs a
    WebGPU device with shader-f16. The export has none; returns their names."""
    g = model_proto.graph
    const = constant_tensors(g)
    fp16 = {i.name for i in g.initializer if i.data_type == TensorProto.FLOAT16}
    for node in g.node:
        if node.op_type == 'Cast' and any(a.name == 'to' and a.i == TensorProto.FLOAT16 for a in node.attribute):
            fp16.update(node.output)
    return [n.name for n in g.node if n.op_type == 'Cast' and not all(i in const for i in n.input)
            and (set(n.input) & fp16 or any(a.name == 'to' and a.i == TensorProto.FLOAT16 for a in n.attribute))]


def export_fp16(path, fp32=None):
    """The runtime's file (whisper-asr-fp16.onnx, the shipped asr.onnx) at `path`, through the fp32
    export, kept at `fp32` where given (main's other variants start from it), else removed."""
    torch.set_num_threads(2)
    keep = fp32 is not None
    fp32 = fp32 or path + '.fp32.onnx'
    try:
        with torch.no_grad():
            export_fp32(AsrFeatures().eval(), fp32)
        proto = onnx.load(fp32)
        onnx.checker.check_model(proto)
        onnx.save(weights_to_fp16(proto), path)
    finally:
        if not keep and os.path.exists(fp32):
            os.remove(fp32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', default='training/runs/whisper')
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    fp32 = os.path.join(a.out, 'whisper-asr.onnx')
    fp16 = os.path.join(a.out, 'whisper-asr-fp16.onnx')
    export_fp16(fp16, fp32)
    int8 = os.path.join(a.out, 'whisper-asr-int8.onnx')
    m8, _ = weights_to_int8(onnx.load(fp32))
    onnx.save(weights_to_fp16(m8), int8)
    for f in (fp32, fp16, int8):
        left = runtime_fp16_casts(onnx.load(f))
        if left:
            raise SystemExit(f'{f}: float16 Casts computed at run time: {left}')
        print(f'{f}: {os.path.getsize(f)} bytes')


if __name__ == '__main__':
    main()
