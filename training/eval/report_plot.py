"""The quality report's plots: bitrate (log axis) against STOI and against Whisper WER, one point per
codec and rate, one line per codec family, a level line for a condition that codes nothing (FARGAN
resynthesis); and the spectrograms of one held-out clip."""

import math

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .mel import magnitude_spectrogram  # noqa: E402

# Marker and colour per codec family.
FAMILY_STYLE = {
    "codec2": ("s", "#1f77b4"),
    "Opus": ("^", "#2ca02c"),
    "FlexiCodec dynamic": ("o", "#d62728"),
    "FlexiCodec fixed": ("x", "#7f7f7f"),
    "Opus DRED": ("v", "#9467bd"),
}
# Colour of the level line of conditions without a bitrate.
UNCODED_COLOUR = "#8c564b"
# The spectrogram figure's STFT (the one the issues describe): 512-point Hann, 0-8 kHz, dB.
SPECTROGRAM_FFT = 512
SPECTROGRAM_HOP = 128
# Colour scale of every panel: this many dB below the original's loudest bin up to it.
SPECTROGRAM_RANGE_DB = 80.0


def _families(results):
    families = []
    for r in results:
        if r["family"] not in families:
            families.append(r["family"])
    return families


def _finite(value):
    return value is not None and math.isfinite(value)


def _plot_metric(ax, results, key, ylabel, title, original=None):
    for family in _families(results):
        points = sorted((r for r in results if r["family"] == family and r.get("bps") is not None and _finite(r.get(key))), key=lambda r: r["bps"])
        if not points:
            continue
        marker, colour = FAMILY_STYLE.get(family, ("D", "black"))
        ax.plot([p["bps"] for p in points], [p[key] for p in points], marker=marker, color=colour, label=family, linestyle="-" if len(points) > 1 else "none")
        for p in points:
            # Fixed-rate points sit on top of a dynamic one: label them above, the rest below.
            offset = (5, 6) if family.endswith("fixed") else (5, -10)
            ax.annotate(p["label"], (p["bps"], p[key]), textcoords="offset points", xytext=offset, fontsize=8, color=colour)
    for r in results:
        if r.get("bps") is None and _finite(r.get(key)):
            ax.axhline(r[key], color=UNCODED_COLOUR, linestyle="--", linewidth=1, label=f"{r['name']} (not coded)")
    if original is not None and math.isfinite(original):
        ax.axhline(original, color="black", linestyle=":", linewidth=1, label="uncoded original")
    ax.set_xscale("log")
    ax.set_xlabel("bitrate, whole encoded file (bit/s, log scale)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)


def plot_bitrate_quality(results, path, original_whisper_wer=None):
    """Write the png: bitrate vs STOI (left) and bitrate vs Whisper WER (right; skipped without WER)."""
    with_wer = any(r.get("whisper_wer") is not None for r in results)
    fig, axes = plt.subplots(1, 2 if with_wer else 1, figsize=(13 if with_wer else 7.5, 4.8), dpi=110, squeeze=False)
    _plot_metric(axes[0][0], results, "stoi", "STOI (held-out English, delay removed)", "Bitrate vs intelligibility (STOI)")
    axes[0][0].legend(loc="lower right", fontsize=8)
    if with_wer:
        _plot_metric(axes[0][1], results, "whisper_wer", "Whisper WER (%)", "Bitrate vs words lost (Whisper WER)", original_whisper_wer)
        axes[0][1].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_spectrograms(panels, rate_hz, path):
    """Spectrograms of one clip under several codecs, one row each, on the same axes and colour scale.

    panels: [(title, samples)], the first being the original (its loudest bin sets the scale).
    """
    specs = [20.0 * np.log10(magnitude_spectrogram(np.asarray(x, dtype=np.float64), SPECTROGRAM_FFT, SPECTROGRAM_HOP) + 1e-9) for _, x in panels]
    top = float(np.max(specs[0]))
    frames = max(s.shape[0] for s in specs)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.9 * len(panels)), dpi=100, sharex=True, squeeze=False)
    extent = (0.0, frames * SPECTROGRAM_HOP / rate_hz, 0.0, rate_hz / 2000.0)
    for ax, (title, _), spec in zip(axes[:, 0], panels, specs):
        padded = np.full((frames, spec.shape[1]), top - SPECTROGRAM_RANGE_DB)
        padded[: spec.shape[0]] = spec
        image = ax.imshow(padded.T, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=top - SPECTROGRAM_RANGE_DB, vmax=top)
        ax.set_ylabel("kHz")
        ax.set_title(title, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time (s)")
    fig.colorbar(image, ax=axes[:, 0].tolist(), label="dB", shrink=0.6)
    fig.savefig(path)
    plt.close(fig)
