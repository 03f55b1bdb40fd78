"""Audio helpers for the corpus builder: decode, resample, trim, save as 16 kHz PCM16."""

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

# Every corpus wav is 16 kHz mono PCM16.
SAMPLE_RATE_HZ = 16000
# Silence kept before the first and after the last loud frame when trimming.
KEEP_SILENCE_S = 0.2
# Frame used for the energy-based silence detector.
TRIM_FRAME_S = 0.01
# A frame is "speech" when it is within this many dB of the loudest frame ...
TRIM_REL_DB = 40.0
# ... and louder than this absolute floor (dBFS).
TRIM_FLOOR_DBFS = -55.0


def decode_to_16k(src, fmt=None, extra_filters=None):
    """Decode any file ffmpeg understands into a float32 mono 16 kHz array."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if fmt:
        cmd += ["-f", fmt]
    cmd += ["-i", str(src), "-ac", "1", "-ar", str(SAMPLE_RATE_HZ)]
    if extra_filters:
        cmd += ["-af", extra_filters]
    cmd += ["-f", "f32le", "-"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype="<f4").copy()


def decode_many_to_16k(srcs, tmp_dir, fmt=None):
    """Decode several files with ONE ffmpeg process (its start-up dominates on a busy machine); float32 arrays."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    for src in srcs:
        cmd += (["-f", fmt] if fmt else []) + ["-i", str(src)]
    outs = []
    for i in range(len(srcs)):
        outs.append(Path(tmp_dir) / f"{i}.wav")
        cmd += ["-map", f"{i}:a", "-ac", "1", "-ar", str(SAMPLE_RATE_HZ), "-c:a", "pcm_f32le", str(outs[-1])]
    subprocess.run(cmd, check=True, capture_output=True)
    return [sf.read(str(o), dtype="float32", always_2d=True)[0].mean(axis=1) for o in outs]


def sox_to_16k(src, dst, pitch_cents=0):
    """Resample (and optionally pitch-shift, which keeps timing) a wav with sox into PCM16 16 kHz mono."""
    cmd = ["sox", "-D", str(src), "-r", str(SAMPLE_RATE_HZ), "-c", "1", "-b", "16", str(dst)]
    if pitch_cents:
        cmd += ["pitch", str(int(pitch_cents))]
    cmd += ["rate", "-h", str(SAMPLE_RATE_HZ)]
    subprocess.run(cmd, check=True, capture_output=True)


def read_wav(path):
    """Read a wav as float32 mono and its rate."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.mean(axis=1), rate


def write_wav(path, samples):
    """Write float samples as 16 kHz mono PCM16, clipping to [-1, 1]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(samples, -1.0, 1.0), SAMPLE_RATE_HZ, subtype="PCM_16")


def speech_bounds(samples):
    """(start, end) sample indices of the region to keep: loud frames plus KEEP_SILENCE_S either side."""
    frame = int(TRIM_FRAME_S * SAMPLE_RATE_HZ)
    n_frames = len(samples) // frame
    if n_frames == 0:
        return 0, len(samples)
    frames = samples[: n_frames * frame].reshape(n_frames, frame)
    rms_db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    threshold_db = max(rms_db.max() - TRIM_REL_DB, TRIM_FLOOR_DBFS)
    loud = np.nonzero(rms_db > threshold_db)[0]
    if len(loud) == 0:
        return 0, 0
    keep = int(KEEP_SILENCE_S * SAMPLE_RATE_HZ)
    start = max(0, loud[0] * frame - keep)
    end = min(len(samples), (loud[-1] + 1) * frame + keep)
    return start, end
