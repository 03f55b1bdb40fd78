"""The native vocoder library (build/vocoder/libfxvocoder.so, built by native/build.sh) through ctypes.

One process-wide handle: `load()` opens it once, checks its ABI version and declares each exported
function's argument and result types (native/vocoder_glue.c says what each one does).
"""

import ctypes
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Built by native/build.sh from the crates.io release tree of libopus 1.6.1.
LIBRARY_PATH = ROOT / "build" / "vocoder" / "libfxvocoder.so"
# The runtime's weights blob (PitchDNN + FARGAN records), also built by native/build.sh.
WEIGHTS_PATH = ROOT / "public" / "vocoder" / "libopus-vocoder.bin"
# The glue's ABI version this Python code was written against (FXV_ABI_VERSION).
ABI_VERSION = 1
# 10 ms frames at 16 kHz.
FRAME_SAMPLES = 160
# LPCNet features FARGAN reads per frame: 18 Bark cepstra, pitch period code, pitch correlation.
FEATURE_COUNT = 20

_p = ctypes.c_void_p
_f = ctypes.POINTER(ctypes.c_float)
SIGNATURES = {
    "fxv_abi_version": ([], ctypes.c_int),
    "fxv_frame_samples": ([], ctypes.c_int),
    "fxv_feature_count": ([], ctypes.c_int),
    "fxv_analysis_new": ([ctypes.c_char_p, ctypes.c_int], _p),
    "fxv_analysis_frame": ([_p, _f, _f], None),
    "fxv_analysis_free": ([_p], None),
    "fxv_fargan_new": ([ctypes.c_char_p, ctypes.c_int], _p),
    "fxv_fargan_start": ([_p, _f], None),
    "fxv_fargan_frame": ([_p, _f, _f], None),
    "fxv_fargan_free": ([_p], None),
    # native/dred_codec.c: Opus DRED as a stand-alone codec (training/vocoder/dred.py).
    "fxd_dframe_samples": ([], ctypes.c_int),
    "fxd_max_latents": ([], ctypes.c_int),
    "fxd_max_payload_bytes": ([], ctypes.c_int),
    "fxd_encoder_new": ([], _p),
    "fxd_encoder_push": ([_p, _f], None),
    "fxd_encoder_payload": ([_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int], ctypes.c_int),
    "fxd_encoder_free": ([_p], None),
    "fxd_decoder_new": ([], _p),
    "fxd_decoder_payload": ([_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, _f, ctypes.POINTER(ctypes.c_int)], ctypes.c_int),
    "fxd_decoder_free": ([_p], None),
}


class LibraryMissing(RuntimeError):
    """The native build is absent: run native/build.sh (part of .ci/setup)."""


@lru_cache(maxsize=1)
def load():
    """The checked ctypes handle of libfxvocoder.so."""
    if not LIBRARY_PATH.exists():
        raise LibraryMissing(f"{LIBRARY_PATH} is missing: run `bash native/build.sh`")
    lib = ctypes.CDLL(str(LIBRARY_PATH))
    for name, (args, result) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = result
    if lib.fxv_abi_version() != ABI_VERSION:
        raise RuntimeError(f"{LIBRARY_PATH}: ABI version {lib.fxv_abi_version()}, expected {ABI_VERSION}; rebuild it")
    if lib.fxv_frame_samples() != FRAME_SAMPLES or lib.fxv_feature_count() != FEATURE_COUNT:
        raise RuntimeError(f"{LIBRARY_PATH}: unexpected frame or feature size")
    return lib


@lru_cache(maxsize=1)
def weights():
    """The bytes of the runtime's weights blob."""
    if not WEIGHTS_PATH.exists():
        raise LibraryMissing(f"{WEIGHTS_PATH} is missing: run `bash native/build.sh`")
    return WEIGHTS_PATH.read_bytes()
