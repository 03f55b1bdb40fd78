"""The runtime's window scheme for the Whisper features (the reference for the TypeScript side).

A file of T frames (1280 samples each) up to 375 frames (30 s) is one window, padded with zeros
to 30 s as Whisper itself pads, and its first T frames are kept. A longer file is cut into 30 s
windows every `hop` frames, the last one ending at the file's end; where two windows overlap,
each frame is taken from the window whose edge is farther (the split is the overlap's middle).
With the default margin of 31 frames (2.48 s) a frame is never nearer than 2.48 s to a window
edge that is not the file's own start or end (measured: features within 0.5 s of an edge drift,
beyond 1 s they do not; a 5 s margin measured no better; docs/SEMANTIC.md).
"""
import numpy as np

WINDOW_FRAMES = 375  # 30 s of 1280-sample frames: Whisper's window
MARGIN_FRAMES = 31  # 2.48 s of context kept on each side of the part of a window that is used


def plan(T, window=WINDOW_FRAMES, margin=MARGIN_FRAMES):
    """Windows for a file of T frames. -> list of (start, end, keep_from, keep_to) frame indices:
    run the encoder on frames [start, end) and keep frames [keep_from, keep_to) of the file."""
    if T <= window:
        return [(0, T, 0, T)]
    hop = window - 2 * margin
    starts = list(range(0, T - window, hop)) + [T - window]
    out = []
    for i, s in enumerate(starts):
        lo = 0 if i == 0 else (s + starts[i - 1] + window) // 2  # middle of the overlap with the previous
        hi = T if i == len(starts) - 1 else (starts[i + 1] + s + window) // 2
        out.append((s, s + window, lo, hi))
    return out


def features(run_window, audio, frame_samples=1280, window=WINDOW_FRAMES, margin=MARGIN_FRAMES):
    """12.5 Hz features of a whole file by the window scheme.

    run_window: audio (W * 1280,) float32 -> (W, D), W <= 375 (e.g. the ONNX model or AsrFeatures).
    audio (S,) float32, S a multiple of 1280 -> (S / 1280, D) float32."""
    T = len(audio) // frame_samples
    out = None
    for s, e, lo, hi in plan(T, window, margin):
        x = audio[s * frame_samples : e * frame_samples]
        if e - s < window:  # a short file: pad to 30 s as Whisper does, keep its own frames
            x = np.concatenate([x, np.zeros(window * frame_samples - len(x), np.float32)])
        f = run_window(x)[: e - s]
        if out is None:
            out = np.zeros((T, f.shape[1]), np.float32)
        out[lo:hi] = f[lo - s : hi - s]
    return out
