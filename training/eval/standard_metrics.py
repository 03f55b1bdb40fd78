"""Maintained implementations of the standard metrics, beside the project's own (score.py).

  pystoi_scores  STOI and extended STOI from `pystoi` (the reference Python port of Taal's and
                 Jensen's MATLAB code); our training/eval/stoi.py must agree with its STOI.
  pesq_wb        wideband PESQ (ITU-T P.862.2, MOS-LQO 1.04-4.64) from `pesq`, the paper's headline metric.
  dnsmos         DNSMOS P.835 (signal, background, overall) and P.808 from `speechmos`, whose ONNX
                 models ship inside the package: a non-intrusive naturalness estimate (no reference).
"""

import math

import numpy as np


def pystoi_scores(reference, aligned, rate_hz):
    """{stoi_pystoi, estoi} of a delay-aligned decoded signal (pystoi resamples to 10 kHz itself)."""
    from pystoi import stoi

    n = min(len(reference), len(aligned))
    ref, deg = np.asarray(reference[:n], dtype=np.float64), np.asarray(aligned[:n], dtype=np.float64)
    return {"stoi_pystoi": float(stoi(ref, deg, rate_hz, extended=False)), "estoi": float(stoi(ref, deg, rate_hz, extended=True))}


def pesq_wb(reference, aligned, rate_hz):
    """Wideband PESQ (MOS-LQO); NaN where PESQ finds no utterance (e.g. a silent decode)."""
    from pesq import PesqError, pesq

    if rate_hz != 16000:
        raise ValueError(f"wideband PESQ needs 16 kHz audio, got {rate_hz} Hz")
    n = min(len(reference), len(aligned))
    try:
        return float(pesq(rate_hz, np.asarray(reference[:n], dtype=np.float32), np.asarray(aligned[:n], dtype=np.float32), "wb"))
    except PesqError:
        return float("nan")


def dnsmos(samples, rate_hz):
    """{dnsmos_sig, dnsmos_bak, dnsmos_ovrl, dnsmos_p808} of a 16 kHz signal (clips to [-1, 1] first)."""
    from speechmos import dnsmos as speechmos_dnsmos

    audio = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if not np.any(audio):
        return {"dnsmos_sig": math.nan, "dnsmos_bak": math.nan, "dnsmos_ovrl": math.nan, "dnsmos_p808": math.nan}
    scores = speechmos_dnsmos.run(audio, sr=rate_hz)
    return {
        "dnsmos_sig": float(scores["sig_mos"]),
        "dnsmos_bak": float(scores["bak_mos"]),
        "dnsmos_ovrl": float(scores["ovrl_mos"]),
        "dnsmos_p808": float(scores["p808_mos"]),
    }
