"""Reference codecs: codec2 (c2enc/c2dec) and Opus (opus-tools) through their Debian command-line
tools, and libopus 1.6.1's neural stack through the native build (training/vocoder/dred.py): FARGAN
resynthesis of the original's LPCNet features (no coding) and Opus DRED as a stand-alone codec.

Every condition turns a list of 16 kHz wavs into {stem: (encoded file, decoded 16 kHz wav)}; the
encoded file is what bitrates are computed from, every byte of it (headers and containers included).
"""

from dataclasses import dataclass
from pathlib import Path
import subprocess

# codec2 runs at 8 kHz narrowband, signed 16-bit raw.
CODEC2_RATE_HZ = 8000
# The rate every decoded file is brought back to for scoring.
DECODED_RATE_HZ = 16000
# codec2 modes in the report.
CODEC2_MODES = ("700C", "1300", "3200")
# Opus target bitrates (kbit/s) and their maximum frame size (ms): longer frames cost fewer header bits.
OPUS_SETTINGS = ((6, 40), (9, 20))
# Opus DRED rows: the nominal bit/s of each, a key of training.vocoder.dred.REPORT_QUANTIZERS.
DRED_TARGETS_BPS = (300, 500, 1000, 2000)


def run_tool(args):
    """Run a command, raising with its stderr when it fails."""
    result = subprocess.run([str(a) for a in args], capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({result.returncode}): {result.stderr.decode(errors='replace')[-500:]}")


def _raw_args(rate_hz):
    return ["-t", "raw", "-r", str(rate_hz), "-e", "signed", "-b", "16", "-c", "1"]


@dataclass
class Codec2:
    """codec2 at one mode: sox -D to 8 kHz raw, c2enc to a .c2 file (with its 7-byte header), c2dec, sox -D back to 16 kHz."""

    mode: str

    family = "codec2"

    @property
    def label(self):
        return self.mode

    @property
    def name(self):
        return f"codec2 {self.mode}"

    def process(self, wavs, out_dir):
        """Encode and decode each wav; returns {stem: (encoded .c2, decoded wav)}."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        results = {}
        for wav in map(Path, wavs):
            raw_in = out_dir / f"{wav.stem}.in.raw"
            encoded = out_dir / f"{wav.stem}.c2"
            raw_out = out_dir / f"{wav.stem}.out.raw"
            decoded = out_dir / f"{wav.stem}.wav"
            run_tool(["sox", "-D", wav, *_raw_args(CODEC2_RATE_HZ), raw_in])
            run_tool(["c2enc", self.mode, raw_in, encoded])
            run_tool(["c2dec", self.mode, encoded, raw_out])
            run_tool(["sox", "-D", *_raw_args(CODEC2_RATE_HZ), raw_out, "-r", str(DECODED_RATE_HZ), "-b", "16", decoded])
            raw_in.unlink()
            raw_out.unlink()
            results[wav.stem] = (encoded, decoded)
        return results


@dataclass
class Opus:
    """Opus via opusenc (VBR, --speech, given bitrate and max frame size) and opusdec at 16 kHz; size counts the Ogg container."""

    kbps: int
    frame_ms: int

    family = "Opus"

    @property
    def label(self):
        return f"{self.kbps}k"

    @property
    def name(self):
        return f"Opus {self.kbps} kbps"

    def process(self, wavs, out_dir):
        """Encode and decode each wav; returns {stem: (encoded .opus, decoded wav)}."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        results = {}
        for wav in map(Path, wavs):
            encoded = out_dir / f"{wav.stem}.opus"
            decoded = out_dir / f"{wav.stem}.wav"
            run_tool(["opusenc", "--quiet", "--speech", "--bitrate", str(self.kbps), "--framesize", str(self.frame_ms), wav, encoded])
            run_tool(["opusdec", "--quiet", "--rate", str(DECODED_RATE_HZ), encoded, decoded])
            results[wav.stem] = (encoded, decoded)
        return results


def _read_and_write(wavs, out_dir, code):
    """Run code(16 kHz samples) -> (encoded bytes or None, decoded samples) over wavs; returns
    {stem: (encoded file or None, decoded wav)}."""
    from .audio import read_wav_at, write_wav

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for wav in map(Path, wavs):
        encoded, decoded = code(read_wav_at(wav, DECODED_RATE_HZ))
        encoded_path = None
        if encoded is not None:
            encoded_path = out_dir / f"{wav.stem}.fxd"
            encoded_path.write_bytes(encoded)
        write_wav(out_dir / f"{wav.stem}.wav", decoded, DECODED_RATE_HZ)
        results[wav.stem] = (encoded_path, out_dir / f"{wav.stem}.wav")
    return results


@dataclass
class FarganResynthesis:
    """The original's LPCNet features straight into FARGAN, nothing coded: the ceiling of any decoder
    that predicts vocoder features. No encoded file (bitrate —)."""

    family = "FARGAN"
    label = "resynthesis"
    name = "FARGAN resynthesis"

    def process(self, wavs, out_dir):
        """Resynthesise each wav; returns {stem: (None, decoded wav)}."""
        import numpy as np

        from training.vocoder import native

        return _read_and_write(wavs, out_dir, lambda x: (None, native.resynthesize(np.asarray(x, dtype=np.float32))))


@dataclass
class OpusDred:
    """Opus DRED as a stand-alone codec at one of the report's quantisers: a .fxd stream of 1-second
    DRED packets (training/vocoder/dred.py; every byte counted), decoded through FARGAN."""

    bps_target: int

    family = "Opus DRED"

    @property
    def quantizer(self):
        from training.vocoder.dred import REPORT_QUANTIZERS

        return REPORT_QUANTIZERS[self.bps_target]

    @property
    def label(self):
        return f"q{self.quantizer.q0}"

    @property
    def name(self):
        return f"Opus DRED {self.bps_target}"

    def process(self, wavs, out_dir):
        """Encode and decode each wav; returns {stem: (encoded .fxd, decoded wav)}."""
        from training.vocoder import dred

        def code(samples):
            encoded = dred.encode(samples, self.quantizer)
            return encoded, dred.decode(encoded)

        return _read_and_write(wavs, out_dir, code)


def baseline_conditions():
    """The reference codecs run through their command-line tools, in table order."""
    return [Codec2(mode) for mode in CODEC2_MODES] + [Opus(kbps, frame_ms) for kbps, frame_ms in OPUS_SETTINGS]


def vocoder_conditions():
    """libopus's neural stack, in table order: FARGAN resynthesis, then Opus DRED from the lowest rate."""
    return [FarganResynthesis()] + [OpusDred(bps) for bps in DRED_TARGETS_BPS]
