"""Reads a libopus weights blob (dnn/parse_lpcnet_weights.c's format) into numpy arrays.

A blob is a run of records, each a 64-byte header and its data padded to the header's block size:

    "DNNw"  int32 version  int32 type  int32 size (bytes)  int32 block_size  char name[44] (NUL-terminated)

all little-endian. Types (dnn/nnet.h): 0 float32, 1 int32, 2 "qweight" (not used by libopus 1.6.1's
models), 3 int8. `linear()` turns one layer's records into the float matrix and bias that
libopus's `compute_linear` applies, whichever of float or int8 weights the blob holds.
"""

import struct
from dataclasses import dataclass

import numpy as np

# Header bytes before each record's data (WEIGHT_BLOCK_SIZE).
HEADER_BYTES = 64
# Bytes of the NUL-terminated name at the end of the header.
NAME_BYTES = 44
# Blob format version libopus 1.6.1 writes and accepts (WEIGHT_BLOB_VERSION).
BLOB_VERSION = 0
# numpy dtype of each record type libopus defines (WEIGHT_TYPE_*); 2 (qweight) is refused.
RECORD_DTYPES = {0: np.float32, 1: np.int32, 3: np.int8}
# int8 matrices are stored in blocks of 8 outputs x 4 inputs (dnn/vec.h's cgemv8x4).
INT8_BLOCK_ROWS, INT8_BLOCK_COLS = 8, 4
# Activations feeding an int8 matrix are coded as 127 + round(127 x), so one step is 1/127.
ACTIVATION_STEPS = 127


class BlobError(ValueError):
    """The bytes are not a libopus weights blob, or lack a record a model needs."""


def read_blob(data: bytes) -> dict[str, np.ndarray]:
    """Every record of a blob, by name, as a 1-d numpy array of its type (copies, writable)."""
    arrays = {}
    pos = 0
    while pos < len(data):
        if len(data) - pos < HEADER_BYTES:
            raise BlobError(f"truncated record header at byte {pos}")
        head, version, kind, size, block = struct.unpack_from("<4siiii", data, pos)
        name = data[pos + 20 : pos + HEADER_BYTES]
        if head != b"DNNw":
            raise BlobError(f"no 'DNNw' record header at byte {pos}")
        if version != BLOB_VERSION:
            raise BlobError(f"record at byte {pos}: version {version}, expected {BLOB_VERSION}")
        if size <= 0 or block < size or pos + HEADER_BYTES + block > len(data) or name[-1] != 0:
            raise BlobError(f"corrupt record at byte {pos}")
        if kind not in RECORD_DTYPES:
            raise BlobError(f"record at byte {pos}: unsupported type {kind}")
        name = name.split(b"\0", 1)[0].decode()
        dtype = np.dtype(RECORD_DTYPES[kind])
        if size % dtype.itemsize:
            raise BlobError(f"record {name}: {size} bytes is not a whole number of {dtype}")
        start = pos + HEADER_BYTES
        arrays[name] = np.frombuffer(data, dtype=dtype, count=size // dtype.itemsize, offset=start).copy()
        pos = start + block
    return arrays


@dataclass
class Linear:
    """One libopus LinearLayer as the float computation it stands for: out = weight @ x + bias.

    For an int8 layer `weight` is the dequantized matrix (127 * scale * int8) and `bias` the bias the
    layer was trained with; libopus computes the same thing on 8-bit activations, which is why
    `quantized` is set (its inputs are rounded to steps of 1/127 before the product).
    """

    weight: np.ndarray  # (outputs, inputs) float32
    bias: np.ndarray  # (outputs,) float32, zeros where the layer has none
    quantized: bool


def _array(arrays, name, count, dtype):
    if name not in arrays:
        raise BlobError(f"weights blob lacks the record {name}")
    a = arrays[name]
    if a.dtype != dtype or a.size != count:
        raise BlobError(f"record {name}: {a.size} x {a.dtype}, expected {count} x {np.dtype(dtype)}")
    return a


def linear(arrays: dict[str, np.ndarray], prefix: str, inputs: int, outputs: int) -> Linear:
    """The layer `prefix` (records prefix_weights_float | prefix_weights_int8 + _scale + _subias, prefix_bias).

    libopus (nnet_arch.h's compute_linear) uses the float matrix when the blob holds one, else the
    int8 one; on x86 it then adds `subias`, the bias less the product of the matrix with the +127
    offset of its unsigned activations. Where the layer has no `_bias` record (the GRUs), the trained
    bias is recovered from `subias` by adding that product back.
    """
    float_name, int8_name = f"{prefix}_weights_float", f"{prefix}_weights_int8"
    if float_name in arrays:
        # sgemv's layout: column-major, weights[j * outputs + i] multiplies input j into output i.
        weight = _array(arrays, float_name, inputs * outputs, np.float32).reshape(inputs, outputs).T
        quantized = False
        bias_name = f"{prefix}_bias"
        bias = _array(arrays, bias_name, outputs, np.float32) if bias_name in arrays else np.zeros(outputs, np.float32)
    elif int8_name in arrays:
        if outputs % INT8_BLOCK_ROWS or inputs % INT8_BLOCK_COLS:
            raise BlobError(f"{prefix}: {outputs} x {inputs} is not made of 8 x 4 blocks")
        q = _array(arrays, int8_name, inputs * outputs, np.int8).astype(np.float64)
        # (row blocks, column blocks, 8 rows, 4 columns) -> (outputs, inputs)
        q = q.reshape(outputs // INT8_BLOCK_ROWS, inputs // INT8_BLOCK_COLS, INT8_BLOCK_ROWS, INT8_BLOCK_COLS)
        q = q.transpose(0, 2, 1, 3).reshape(outputs, inputs)
        scale = _array(arrays, f"{prefix}_scale", outputs, np.float32).astype(np.float64)
        subias = _array(arrays, f"{prefix}_subias", outputs, np.float32).astype(np.float64)
        weight = ACTIVATION_STEPS * scale[:, None] * q
        bias = subias + weight.sum(axis=1)  # undo the offset: 127 * scale * sum(q) per output
        quantized = True
    else:
        raise BlobError(f"weights blob lacks {float_name} and {int8_name}")
    return Linear(np.ascontiguousarray(weight, dtype=np.float32), np.asarray(bias, dtype=np.float32), quantized)
