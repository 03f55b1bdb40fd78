"""LPCNet feature analysis and FARGAN synthesis through the native libopus 1.6.1 build (ctypes).

    features = analyse(audio)         # (N, 20) float32, one row per 10 ms frame
    audio2 = synthesize(features)     # (N * 160,) float32, time-aligned with `audio`

Timing. Feature frame i is computed from the 20 ms window [160 i - 160, 160 i + 160) of the input, so
it describes the 10 ms around sample 160 i. FARGAN's conditioning is a causal 3-frame convolution
centred on the frame before the newest one (libopus's fargan.c also takes the pitch lag of that
frame), so the 160 samples FARGAN returns for features i are the speech of frame i - 1. Fed every
frame in turn after its warm-up, FARGAN's output therefore lags the analysed input by DELAY_SAMPLES
(80 + 160). `synthesize` removes that delay as libopus's fargan_demo does: the warm-up consumes the
first frame, which is not synthesised again, the first 80 samples are dropped, and the last frame
is repeated to finish the tail, so `synthesize(analyse(x))[n]` is the resynthesis of `x[n]`.
"""

import ctypes

import numpy as np

from .library import FEATURE_COUNT, FRAME_SAMPLES, load, weights

# The only sample rate the analysis and FARGAN know.
SAMPLE_RATE_HZ = 16000
# Lag of FARGAN's output behind the analysed input when every frame is synthesised after the
# warm-up: half a frame from the analysis window's centre, one frame from the conditioning's.
# Measured: STOI of the resynthesis against the original peaks at a shift of 240-244 samples
# pooled over 13 files (speech-en-6s and LJ Speech), 236-244 per file.
DELAY_SAMPLES = FRAME_SAMPLES // 2 + FRAME_SAMPLES
# Samples of the first synthesised frame that fall before the input's first sample.
LEAD_SAMPLES = DELAY_SAMPLES - FRAME_SAMPLES
# Index of the pitch period code among the 20 features (18 Bark cepstra come first).
PITCH_FEATURE = 18
# Index of the pitch correlation (voicing) feature.
CORRELATION_FEATURE = 19

_floats = ctypes.POINTER(ctypes.c_float)


def _pointer(a: np.ndarray):
    return a.ctypes.data_as(_floats)


def check_audio(audio, rate_hz: int) -> np.ndarray:
    """`audio` as a contiguous float32 vector, or a clear error for what the analysis cannot take."""
    if rate_hz != SAMPLE_RATE_HZ:
        raise ValueError(f"the vocoder works at {SAMPLE_RATE_HZ} Hz; resample the {rate_hz} Hz audio first")
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a numpy array, not {type(audio).__name__}")
    if audio.dtype != np.float32:
        raise TypeError(f"audio must be float32 samples in [-1, 1], not {audio.dtype}")
    if audio.ndim != 1:
        raise ValueError(f"audio must be one channel, shape (samples,), not {audio.shape}")
    if audio.size == 0:
        raise ValueError("audio is empty")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio holds NaN or infinite samples")
    return np.ascontiguousarray(audio)


def check_features(features) -> np.ndarray:
    """`features` as a contiguous float32 (frames, 20) array, or a clear error."""
    if not isinstance(features, np.ndarray):
        raise TypeError(f"features must be a numpy array, not {type(features).__name__}")
    if features.dtype != np.float32:
        raise TypeError(f"features must be float32, not {features.dtype}")
    if features.ndim != 2 or features.shape[1] != FEATURE_COUNT:
        raise ValueError(f"features must have shape (frames, {FEATURE_COUNT}), not {features.shape}")
    if features.shape[0] == 0:
        raise ValueError("features hold no frame")
    if not np.all(np.isfinite(features)):
        raise ValueError("features hold NaN or infinite values")
    return np.ascontiguousarray(features)


def analyse(audio: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """LPCNet features of 16 kHz speech (PitchDNN pitch), one row per 10 ms frame.

    Args:
        audio: (samples,) float32 in [-1, 1]; the last frame is completed with zeros.
        rate_hz: the audio's sample rate; anything but 16000 is refused.
    Returns:
        (ceil(samples / 160), 20) float32: 18 Bark cepstra, the pitch period code, the pitch correlation.
    """
    audio = check_audio(audio, rate_hz)
    frames = -(-audio.size // FRAME_SAMPLES)
    padded = np.zeros(frames * FRAME_SAMPLES, np.float32)
    padded[: audio.size] = audio
    features = np.zeros((frames, FEATURE_COUNT), np.float32)
    lib, blob = load(), weights()
    state = lib.fxv_analysis_new(blob, len(blob))
    if not state:
        raise RuntimeError("the weights blob has no PitchDNN model")
    try:
        for i in range(frames):
            lib.fxv_analysis_frame(state, _pointer(padded[i * FRAME_SAMPLES :]), _pointer(features[i]))
    finally:
        lib.fxv_analysis_free(state)
    return features


def run_fargan(first: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """FARGAN's raw output: the warm-up on `first` (five copies over 20 ms of silence, as fargan_demo),
    then one 160-sample frame per row of `rows`, in order.

    Args:
        first: (20,) float32 features of the warm-up.
        rows: (frames, 20) float32 features to synthesise.
    Returns:
        (frames * 160,) float32. With first = rows[0] it lags the analysed input by DELAY_SAMPLES;
        the PyTorch FARGAN (fargan.py) is compared with it call by call.
    """
    rows = check_features(rows)
    first = check_features(np.asarray(first).reshape(1, -1))[0]
    out = np.zeros(rows.shape[0] * FRAME_SAMPLES, np.float32)
    lib, blob = load(), weights()
    state = lib.fxv_fargan_new(blob, len(blob))
    if not state:
        raise RuntimeError("the weights blob has no FARGAN model")
    try:
        lib.fxv_fargan_start(state, _pointer(first))
        for i in range(rows.shape[0]):
            lib.fxv_fargan_frame(state, _pointer(rows[i]), _pointer(out[i * FRAME_SAMPLES :]))
    finally:
        lib.fxv_fargan_free(state)
    return out


def aligned_schedule(features: np.ndarray) -> np.ndarray:
    """The rows fargan_demo synthesises after the warm-up on features[0]: rows 1.. and the last one twice more.

    The warm-up frame's own output would lie before the input, so it is not asked for; the two
    repeats finish the last 240 samples, which no later frame describes.
    """
    return np.concatenate([features[1:], features[-1:], features[-1:]])


def synthesize(features: np.ndarray) -> np.ndarray:
    """16 kHz speech from LPCNet features, time-aligned with the audio they were analysed from.

    Args:
        features: (frames, 20) float32, as `analyse` returns them.
    Returns:
        (frames * 160,) float32 in [-1, 1]; sample n is the resynthesis of input sample n.
    """
    features = check_features(features)
    raw = run_fargan(features[0], aligned_schedule(features))
    return raw[LEAD_SAMPLES : LEAD_SAMPLES + features.shape[0] * FRAME_SAMPLES]


def resynthesize(audio: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """analyse then synthesize, cut to the input's length: FARGAN's rendering of `audio`, aligned with it."""
    audio = check_audio(audio, rate_hz)
    return synthesize(analyse(audio))[: audio.size]
