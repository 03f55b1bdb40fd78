"""The .fxc version 4 header (twin of src/core/bitstream.ts; docs/FORMAT.md): "FXC", version 4, the
modelId u32 LE, sampleCount as unsigned LEB128 (1..4 bytes, minimal), the target rate in centi-Hz
u16 LE. Version 3's 24 header bytes shrink to 11..14: the sample rate and layout bytes are the
model's, and a v4 model's modelId names its entropy tables too (training/manifest.py manifest_head).
The range-coded payload and a CRC-32 of everything before it follow.
"""
import struct

MAGIC = b'FXC'
VERSION = 4
# 4 h at 16 kHz: the largest sampleCount any version accepts; it fits in 4 LEB128 bytes (< 2^28).
MAX_SAMPLES = 4 * 3600 * 16000
MAX_LEB128_BYTES = 4
MAX_CENTI_HZ = 1250
# magic, version, modelId and target rate; sampleCount's LEB128 bytes come on top.
FIXED_HEADER_BYTES = 10
CRC_BYTES = 4


def leb128(n):
    """n >= 0 -> its unsigned LEB128 bytes: 7 bits a byte, least significant group first, bit 7 set
    on every byte but the last."""
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_leb128(data, at):
    """-> (value, bytes read) of the LEB128 number at data[at]; refuses more than 4 bytes, a number
    cut off by the end of data, and a non-minimal one (a last byte 0x00 after others), so that one
    sampleCount has one header."""
    value = 0
    for i in range(MAX_LEB128_BYTES):
        if at + i >= len(data):
            raise ValueError('truncated .fxc header: sampleCount runs past the end')
        b = data[at + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if b == 0 and i > 0:
                raise ValueError('corrupt .fxc header: sampleCount is not minimal LEB128 (a last byte 0x00)')
            return value, i + 1
    raise ValueError(f'corrupt .fxc header: sampleCount is longer than {MAX_LEB128_BYTES} LEB128 bytes')


def check_ranges(sample_count, centi_hz):
    if not 1 <= sample_count <= MAX_SAMPLES:
        raise ValueError(f'sampleCount {sample_count} outside 1..{MAX_SAMPLES} (4 h at 16 kHz)')
    if not 1 <= centi_hz <= MAX_CENTI_HZ:
        raise ValueError(f'target rate {centi_hz} centi-Hz outside 1..{MAX_CENTI_HZ}')


def v4_header(model_id_hex, sample_count, centi_hz):
    """The header bytes (10 + 1..4) of a version 4 file of model `model_id_hex` (8 hex digits)."""
    check_ranges(sample_count, centi_hz)
    return (MAGIC + bytes([VERSION]) + struct.pack('<I', int(model_id_hex, 16)) + leb128(sample_count)
            + struct.pack('<H', centi_hz))


def parse_v4_header(data):
    """A version 4 file's bytes (or its header's) -> {modelId, sampleCount, targetRateCentiHz,
    headerBytes: where the payload starts}; ValueError says what is wrong."""
    if len(data) < FIXED_HEADER_BYTES + 1 or data[:3] != MAGIC or data[3] != VERSION:
        raise ValueError('not a .fxc version 4 header')
    sample_count, n = read_leb128(data, 8)
    end = 8 + n + 2
    if len(data) < end:
        raise ValueError('truncated .fxc header: no target rate after sampleCount')
    centi_hz = struct.unpack_from('<H', data, 8 + n)[0]
    check_ranges(sample_count, centi_hz)
    return {'modelId': f"{struct.unpack_from('<I', data, 4)[0]:08x}", 'sampleCount': sample_count,
            'targetRateCentiHz': centi_hz, 'headerBytes': end}


def v4_overhead_bytes(sample_count, version=VERSION):
    """Header and CRC bytes of a version 4 file of `sample_count` samples: all it holds besides the
    payload; version 5 (a model with reduced code groups, docs/FORMAT.md) adds the codeGroups byte."""
    return FIXED_HEADER_BYTES + len(leb128(sample_count)) + CRC_BYTES + (1 if version == 5 else 0)
