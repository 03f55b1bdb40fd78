"""Bitrate (log axis) against STOI, one point per codec and rate, one line per codec family."""

import math

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

# Marker and colour per codec family.
FAMILY_STYLE = {
    "codec2": ("s", "#1f77b4"),
    "Opus": ("^", "#2ca02c"),
    "FlexiCodec dynamic": ("o", "#d62728"),
    "FlexiCodec fixed": ("x", "#7f7f7f"),
}


def plot_bitrate_stoi(results, path):
    """Write the png: x = whole-file bit/s (log), y = mean STOI, each point labelled with its mode or rate."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    families = []
    for r in results:
        if r["family"] not in families:
            families.append(r["family"])
    for family in families:
        points = sorted((r for r in results if r["family"] == family and math.isfinite(r["stoi"])), key=lambda r: r["bps"])
        if not points:
            continue
        marker, colour = FAMILY_STYLE.get(family, ("D", "black"))
        ax.plot([p["bps"] for p in points], [p["stoi"] for p in points], marker=marker, color=colour, label=family, linestyle="-" if len(points) > 1 else "none")
        for p in points:
            # Fixed-rate points sit on top of a dynamic one: label them above, the rest below.
            offset = (5, 6) if family.endswith("fixed") else (5, -10)
            ax.annotate(p["label"], (p["bps"], p["stoi"]), textcoords="offset points", xytext=offset, fontsize=8, color=colour)
    ax.set_xscale("log")
    ax.set_xlabel("bitrate, whole encoded file (bit/s, log scale)")
    ax.set_ylabel("STOI (held-out English, delay removed)")
    ax.set_title("Bitrate vs intelligibility")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
