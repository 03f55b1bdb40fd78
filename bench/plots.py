"""Draws the benchmark figures for docs/BENCHMARKS.md from the plot data bench/report.ts writes.

Usage: /usr/bin/python3 bench/plots.py PLOT_DATA.json OUT_DIR
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "flexicodec", "font.size": 9})


def save(fig, out: Path, name: str) -> None:
    fig.tight_layout()
    fig.savefig(out / name, metadata={"Date": None})
    plt.close(fig)


def rtf(d, out):
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for s in d["rtf"]["series"]:
        ax.plot(s["seconds"], s["rtf"], marker="o", label=s["label"])
    ax.axhline(d["rtf"]["targetRtf"], color="k", ls="--", lw=0.8, label=f"target {d['rtf']['targetRtf']} (60 s)")
    ax.axhline(1.0, color="r", ls=":", lw=0.8, label="real time")
    ax.set(xscale="log", yscale="log", xlabel="seconds of speech", ylabel="encode + decode time / audio time")
    ax.set_title(f"Real-time factor, 6.25 Hz ({d['subtitle']})")
    ax.legend(fontsize=7)
    save(fig, out, "rtf.svg")


def stages(d, out):
    names = list(d["stages"][0]["stages"].keys())
    fig, ax = plt.subplots(figsize=(7.6, 1.2 + 0.55 * len(d["stages"])))
    totals = [sum(s["stages"].values()) for s in d["stages"]]
    labels = [f"{s['label']}\n(RTF {t:.3g})" for s, t in zip(d["stages"], totals)]
    left = [0.0] * len(labels)
    for n in names:
        shares = [100 * s["stages"][n] / t for s, t in zip(d["stages"], totals)]
        ax.barh(labels, shares, left=left, label=n)
        left = [a + b for a, b in zip(left, shares)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of encode + decode time (%)")
    ax.set_title("Where the time goes, by stage")
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, out, "stages.svg")


def kernels(d, out):
    k = d["kernels"]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(k["frames"], k["twin"], marker="o", label="TypeScript twin")
    ax.plot(k["frames"], k["kernels"], marker="s", label="WGSL kernels, with upload + read-back")
    ax.plot(k["frames"], k["resident"], marker="^", label="WGSL merge, features resident")
    ax.set(xscale="log", yscale="log", xlabel="frames (750 = 1 min, 45,000 = 1 h)", ylabel="ms")
    ax.set_title(f"Merge: kernels vs twin (adapter: {k['adapter']})")
    ax.legend(fontsize=7)
    save(fig, out, "kernels.svg")


def codecs(d, out):
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for c in d["codecs"]:
        ax.scatter(c["bitrateBps"], c["rtf"], label=c["label"], s=30)
    ax.set(xscale="log", yscale="log", xlabel="bitrate (bit/s, whole stream)", ylabel="encode + decode RTF")
    ax.set_title("60 s of speech: speed and bitrate beside Opus")
    ax.legend(fontsize=7)
    save(fig, out, "codecs.svg")


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rtf(data, out)
    if data["stages"]:
        stages(data, out)
    if data["kernels"]["frames"]:
        kernels(data, out)
    if data["codecs"]:
        codecs(data, out)


if __name__ == "__main__":
    main()
