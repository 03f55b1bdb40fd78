"""Stand-in for the `soundfile` package on a machine without it (the lent GPU machine's image has
PyTorch and numpy but no soundfile): `read` and `write` of PCM16 WAV, as much of soundfile's API as
training.dataset and training.export use. run_on_device.sh puts this folder on PYTHONPATH only when
`import soundfile` fails; training/tests/test_gpu_pack.py checks it reads what soundfile reads.
"""
import struct

import numpy as np

__shim__ = True


def _chunks(data):
    if data[:4] != b'RIFF' or data[8:12] != b'WAVE':
        raise RuntimeError('not a RIFF/WAVE file')
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos: pos + 4], struct.unpack('<I', data[pos + 4: pos + 8])[0]
        yield cid, data[pos + 8: pos + 8 + size]
        pos += 8 + size + (size & 1)


def read(file, dtype='float64', always_2d=False):
    with open(file, 'rb') as f:
        data = f.read()
    fmt = pcm = None
    for cid, body in _chunks(data):
        if cid == b'fmt ':
            fmt = struct.unpack('<HHIIHH', body[:16])
        elif cid == b'data':
            pcm = body
    if fmt is None or pcm is None:
        raise RuntimeError(f'{file}: no fmt or data chunk')
    tag, channels, rate, _, _, bits = fmt
    if tag not in (1, 0xFFFE) or bits != 16:
        raise RuntimeError(f'{file}: only 16-bit PCM WAV is supported here (format {tag}, {bits} bits)')
    x = np.frombuffer(pcm[: len(pcm) // (2 * channels) * 2 * channels], '<i2').reshape(-1, channels)
    if np.dtype(dtype) == np.int16:
        x = x.astype(np.int16)
    elif np.dtype(dtype).kind == 'f':
        x = x.astype(dtype) / 32768.0
    else:
        raise RuntimeError(f'dtype {dtype} not supported here')
    return (x if always_2d or channels > 1 else x[:, 0]), rate


def write(file, data, samplerate, subtype='PCM_16', format='WAV'):
    if subtype not in (None, 'PCM_16') or format not in (None, 'WAV'):
        raise RuntimeError('only 16-bit PCM WAV is supported here')
    x = np.asarray(data)
    if x.dtype.kind == 'f':
        x = np.clip(np.round(x * 32768.0), -32768, 32767)
    x = x.astype('<i2')
    channels = 1 if x.ndim == 1 else x.shape[1]
    pcm = x.tobytes()
    head = struct.pack('<4sI4s4sIHHIIHH4sI', b'RIFF', 36 + len(pcm), b'WAVE', b'fmt ', 16, 1, channels,
                       samplerate, samplerate * 2 * channels, 2 * channels, 16, b'data', len(pcm))
    with open(file, 'wb') as f:
        f.write(head + pcm)
