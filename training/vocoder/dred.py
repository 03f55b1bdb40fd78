"""Opus DRED as a stand-alone speech codec: the neural peer the codec is judged against per bit.

libopus 1.6.1's DRED codes LPCNet features (20 per 10 ms) as RDO-VAE latents, one per 40 ms, and
a decoder state; FARGAN turns the decoded features back into speech (native/dred_codec.c says how
the payloads are cut). Here the audio is sent as **1-second packets**, each a DRED payload that
carries its second on its own: the decoder state at the second's end and its 25 latents.

Stream format (`.fxd`, version 1; every byte counts in the bitrate):

| field | size | meaning |
| --- | --- | --- |
| magic | 3 | ASCII `FXD` |
| version | 1 | `1` |
| sampleCount | 1–4 | samples the decoder returns, unsigned LEB128 (16 kHz mono, at most 4 h) |
| packets | … | per packet: its length in bytes (LEB128, 1–2 bytes, 1…1000), then the DRED payload |
| crc32 | 4 | CRC-32 (zlib) of every byte before it, u32 LE |

The packets cover `ceil((sampleCount + DELAY_SAMPLES) / 640)` latents, 25 a packet, the last one
the rest (the encoder pads the audio with zeros to that many 40 ms blocks). Each payload is
libopus's DRED bitstream as Opus sends it (`dred_encode_silk_frame`), its own header included:
the packet's quantiser (q0 over 16 values, dQ over 8, qmax when dQ > 0) and a position field
stand-alone use does not need (6 bits), then the state and the latents, newest first.

    python -m training.vocoder.dred encode in.wav out.fxd --bps-target 500
    python -m training.vocoder.dred decode out.fxd decoded.wav
"""

import argparse
import ctypes
from dataclasses import dataclass
import struct
import zlib

import numpy as np

from ..entropy.container import leb128
from . import library, native

# Audio in and out: 16 kHz mono floats in [-1, 1].
SAMPLE_RATE_HZ = 16000
# First bytes of every stream.
MAGIC = b"FXD"
# The container version this module writes and reads.
VERSION = 1
# Latents (40 ms each) in a full packet: one second.
PACKET_LATENTS = 25
# Samples one latent stands for (4 LPCNet frames of 10 ms).
LATENT_SAMPLES = 640
# Samples the encoder feeds DRED per call (one RDO-VAE step, 20 ms).
DFRAME_SAMPLES = 320
# Samples by which FARGAN's output lags the analysed input (native.py removes it). The stream codes
# this much audio past the end, so that the last samples are synthesised from their own features.
# Also measured here: the LPCNet features of the resynthesis match the input's best when the output
# is advanced by 240 samples (5 LJ Speech clips, 8-sample steps, all at 240).
DELAY_SAMPLES = native.DELAY_SAMPLES
# The LPCNet pitch feature's range: periods of 256 down to 32 samples (256 / 2^(f + 1.5)), which is
# all FARGAN's pitch buffer can index; decoded values outside it are clipped before FARGAN.
PITCH_FEATURE_RANGE = (-1.5, 1.5)
# Longest audio a stream may claim (4 h at 16 kHz), so a header cannot ask for a huge buffer.
MAX_SAMPLE_COUNT = 4 * 3600 * SAMPLE_RATE_HZ
# Largest DRED payload (libopus's DRED_MAX_DATA_SIZE); a packet length above it is corrupt.
MAX_PAYLOAD_BYTES = 1000
# Bytes of the trailing CRC-32.
CRC_BYTES = 4


@dataclass(frozen=True)
class Quantizer:
    """DRED's quantiser: level q0 (0 finest … 15 coarsest) for the newest latent, rising by dQ's
    step (0, 2, 3, 4, 6, 8, 12, 16 sixteenths of a level per latent) up to qmax for older ones."""

    q0: int
    dQ: int = 0
    qmax: int | None = None

    @property
    def levels(self):
        """(q0, dQ, qmax) as dred_encode_silk_frame takes them (qmax = q0 when dQ is 0)."""
        return self.q0, self.dQ, self.q0 if self.qmax is None else self.qmax


# The report's settings, by the bit/s they give on speech (LJ Speech and the held-out prompts'
# kind of read English; training/tests/test_eval_dred.py checks the bands). Uniform levels
# (dQ = 0): every second of a stand-alone stream is equally needed, unlike Opus's redundancy,
# where older latents matter less.
REPORT_QUANTIZERS = {
    300: Quantizer(13),
    500: Quantizer(9),
    1000: Quantizer(6),
    2000: Quantizer(1),
}


class CorruptStream(ValueError):
    """The bytes are not a whole, intact .fxd stream; the message says what is wrong."""


def _read_leb128(data, at, max_bytes, what):
    """(value, index after) of the minimal LEB128 number at data[at]."""
    value = 0
    for i in range(max_bytes):
        if at + i >= len(data):
            raise CorruptStream(f"truncated .fxd stream: {what} runs past the end")
        b = data[at + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if b == 0 and i > 0:
                raise CorruptStream(f"corrupt .fxd stream: {what} is not minimal LEB128")
            return value, at + i + 1
    raise CorruptStream(f"corrupt .fxd stream: {what} is longer than {max_bytes} LEB128 bytes")


def packet_latents(sample_count):
    """Latents per packet of a stream of `sample_count` samples: 25 each, the last one the rest."""
    total = -(-(sample_count + DELAY_SAMPLES) // LATENT_SAMPLES)
    full, rest = divmod(total, PACKET_LATENTS)
    return [PACKET_LATENTS] * full + ([rest] if rest else [])


def _floats(array):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def encode(audio, quantizer):
    """16 kHz mono audio (floats in [-1, 1]) -> the bytes of a .fxd stream."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if not 1 <= len(audio) <= MAX_SAMPLE_COUNT:
        raise ValueError(f"{len(audio)} samples: a stream holds 1 … {MAX_SAMPLE_COUNT}")
    q0, dq, qmax = quantizer.levels
    counts = packet_latents(len(audio))
    padded = np.zeros(sum(counts) * LATENT_SAMPLES, dtype=np.float32)
    padded[: len(audio)] = np.clip(audio, -1.0, 1.0)
    lib = library.load()
    encoder = lib.fxd_encoder_new()
    if not encoder:
        raise library.LibraryMissing("libfxvocoder.so has no DRED encoder weights: rebuild it with native/build.sh")
    out = bytearray(MAGIC + bytes([VERSION]) + leb128(len(audio)))
    payload = ctypes.create_string_buffer(MAX_PAYLOAD_BYTES)
    try:
        at = 0
        for latents in counts:
            for _ in range(2 * latents):
                lib.fxd_encoder_push(encoder, _floats(padded[at : at + DFRAME_SAMPLES]))
                at += DFRAME_SAMPLES
            size = lib.fxd_encoder_payload(encoder, latents, q0, dq, qmax, payload, MAX_PAYLOAD_BYTES)
            if size <= 0:
                raise RuntimeError(f"DRED refused quantiser {quantizer.levels} for {latents} latents (error {size})")
            out += leb128(size) + payload.raw[:size]
    finally:
        lib.fxd_encoder_free(encoder)
    return bytes(out + struct.pack("<I", zlib.crc32(out)))


@dataclass(frozen=True)
class Stream:
    """A parsed .fxd stream: sample count and each packet's DRED payload and latent count."""

    sample_count: int
    payloads: list
    latents: list


def parse(data):
    """The bytes of a .fxd stream -> Stream; CorruptStream says what is wrong."""
    data = bytes(data)
    if len(data) < len(MAGIC) + 2 + CRC_BYTES:
        raise CorruptStream(f"not a .fxd stream: {len(data)} bytes is shorter than any stream")
    if data[: len(MAGIC)] != MAGIC:
        raise CorruptStream(f"not a .fxd stream: magic {data[:len(MAGIC)]!r}, expected {MAGIC!r}")
    if data[len(MAGIC)] != VERSION:
        raise CorruptStream(f".fxd version {data[len(MAGIC)]} is not supported (this reader knows {VERSION})")
    body = data[:-CRC_BYTES]
    stored, actual = struct.unpack("<I", data[-CRC_BYTES:])[0], zlib.crc32(body)
    if stored != actual:
        raise CorruptStream(f"corrupt .fxd stream: CRC-32 mismatch (stored {stored:08x}, computed {actual:08x})")
    sample_count, at = _read_leb128(body, len(MAGIC) + 1, 4, "sampleCount")
    if not 1 <= sample_count <= MAX_SAMPLE_COUNT:
        raise CorruptStream(f"corrupt .fxd stream: sampleCount {sample_count} outside 1 … {MAX_SAMPLE_COUNT}")
    latents = packet_latents(sample_count)
    payloads = []
    for index in range(len(latents)):
        size, at = _read_leb128(body, at, 2, f"packet {index}'s length")
        if not 1 <= size <= MAX_PAYLOAD_BYTES or at + size > len(body):
            raise CorruptStream(f"corrupt .fxd stream: packet {index} claims {size} bytes, {len(body) - at} are left")
        payloads.append(body[at : at + size])
        at += size
    if at != len(body):
        raise CorruptStream(f"corrupt .fxd stream: {len(body) - at} bytes after the last of {len(latents)} packets")
    return Stream(sample_count, payloads, latents)


def decode_features(data):
    """The bytes of a .fxd stream -> (LPCNet features (frames, 20) float32, sampleCount, per-packet
    quantisers [(q0, dQ, highest level used)]). Frame k stands for the input's frame k, as
    native.analyse gives it; the frames run DELAY_SAMPLES or more past sampleCount."""
    stream = parse(data)
    lib = library.load()
    decoder = lib.fxd_decoder_new()
    if not decoder:
        raise library.LibraryMissing("libfxvocoder.so has no DRED decoder weights: rebuild it with native/build.sh")
    blocks, quantizers = [], []
    levels = (ctypes.c_int * 3)()
    try:
        for index, (payload, latents) in enumerate(zip(stream.payloads, stream.latents)):
            features = np.zeros((4 * latents, library.FEATURE_COUNT), dtype=np.float32)
            status = lib.fxd_decoder_payload(decoder, payload, len(payload), latents, _floats(features), levels)
            if status != 0:
                raise CorruptStream(f"corrupt .fxd stream: packet {index} does not decode as {latents} DRED latents (error {status})")
            blocks.append(features)
            quantizers.append(tuple(levels))
    finally:
        lib.fxd_decoder_free(decoder)
    return np.concatenate(blocks), stream.sample_count, quantizers


def decode(data):
    """The bytes of a .fxd stream -> 16 kHz float32 audio, sampleCount long and time-aligned with the
    encoder's input."""
    features, sample_count, _ = decode_features(data)
    features[:, native.PITCH_FEATURE] = np.clip(features[:, native.PITCH_FEATURE], *PITCH_FEATURE_RANGE)
    return native.synthesize(features)[:sample_count]


def main(argv=None):
    from training.eval.audio import read_wav_at, write_wav

    parser = argparse.ArgumentParser(description="Opus DRED as a stand-alone codec (.fxd streams of 1-second packets).")
    sub = parser.add_subparsers(dest="command", required=True)
    enc = sub.add_parser("encode", help="wav -> .fxd")
    enc.add_argument("wav")
    enc.add_argument("out")
    enc.add_argument("--bps-target", type=int, choices=sorted(REPORT_QUANTIZERS), default=500, help="one of the report's settings")
    enc.add_argument("--q0", type=int, help="quantiser level 0-15 instead (dQ 0)")
    dec = sub.add_parser("decode", help=".fxd -> 16 kHz wav")
    dec.add_argument("fxd")
    dec.add_argument("wav")
    args = parser.parse_args(argv)
    if args.command == "encode":
        quantizer = Quantizer(args.q0) if args.q0 is not None else REPORT_QUANTIZERS[args.bps_target]
        with open(args.out, "wb") as f:
            f.write(encode(read_wav_at(args.wav, SAMPLE_RATE_HZ), quantizer))
    else:
        with open(args.fxd, "rb") as f:
            write_wav(args.wav, decode(f.read()), SAMPLE_RATE_HZ)


if __name__ == "__main__":
    main()
