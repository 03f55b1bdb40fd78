"""A stand-in decoder.onnx that predicts vocoder features: the decoder contract's inputs
(docs/MODELS.md, with f0, and phase where asked) and one output, `features` [1, 8T, 20], the first 8T rows of a
table of real LPCNet features. It lets the tests run the decode path decoder -> vocoder for real
before a trained model predicts features.

Usage: python features_decoder.py FEATURES.f32 CODE_GROUPS OUT.onnx [--phase]
  FEATURES.f32  float32 little-endian [N, 20]: the features to give (N >= 8T for every T decoded)
  --phase       also take a `phase` input, as the harmonic decoders did (the v3 decoder takes none)
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# 10 ms vocoder frames per 80 ms codec frame.
SUBFRAMES = 8


def main(features_path, code_groups, out, phase=False):
    table = np.fromfile(features_path, "<f4").reshape(1, -1, 20)
    f32, i32 = TensorProto.FLOAT, TensorProto.INT32
    inputs = [
        helper.make_tensor_value_info("codes", i32, [1, "K", code_groups]),
        helper.make_tensor_value_info("segment_length", f32, [1, "K"]),
        helper.make_tensor_value_info("frame_segment", i32, [1, "T"]),
        helper.make_tensor_value_info("frame_position", f32, [1, "T"]),
        helper.make_tensor_value_info("f0", f32, [1, "F"]),
    ] + ([helper.make_tensor_value_info("phase", f32, [1, "F"])] if phase else [])
    output = helper.make_tensor_value_info("features", f32, [1, "F", 20])
    init = [
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(np.array([0], np.int64), "zero"),
        numpy_helper.from_array(np.array([1], np.int64), "one"),
        numpy_helper.from_array(np.array([2], np.int64), "two"),
        numpy_helper.from_array(np.array([SUBFRAMES], np.int64), "subframes"),
    ]
    nodes = [
        helper.make_node("Shape", ["frame_segment"], ["shape"]),  # [1, T]
        helper.make_node("Slice", ["shape", "one", "two"], ["t"]),  # [T]
        helper.make_node("Mul", ["t", "subframes"], ["f"]),  # [8T]
        helper.make_node("Slice", ["table", "zero", "f", "one"], ["features"]),  # [1, 8T, 20]
    ]
    graph = helper.make_graph(nodes, "features_decoder", inputs, [output], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="flexicodec-test")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], "--phase" in sys.argv[4:])
