"""Quality report on the held-out English set: our codec (Node CLI, shipped ONNX models) against codec2 and Opus.

    npm run quality            # = /usr/bin/python3 -m training.eval.quality_report
    /usr/bin/python3 -m training.eval.quality_report --limit 20 --no-ours

Every condition encodes the same files in the same run; each decoded file has its delay removed,
then STOI, log-mel distance and MCD are computed against the 16 kHz original, and pocketsphinx
transcribes it. Writes docs/QUALITY.md, docs/quality_bitrate_stoi.png and the raw numbers to
<work>/results.json.
"""

import argparse
import datetime
import json
from pathlib import Path
import shutil
import subprocess
import sys
import time

from .audio import SCORE_RATE_HZ, read_wav_at, write_wav
from .baselines import baseline_conditions
from .flexicodec_cli import cli_missing_reason, flexicodec_conditions, model_id
from .heldout import DEFAULT_FILE_COUNT, REPO_ROOT, heldout_manifest_path, load_manifest, select_items
from .metrics import bits_per_second
from .report_markdown import render_report, with_kept_section
from .report_plot import plot_bitrate_stoi
from .score import CachedRecognizer, mean_of, score_pair
from .text import corpus_wer

# the hand-written analysis under the generated tables, kept when the report is regenerated
NOTES_HEADING = "## Where it falls short"

# Scratch folder for inputs, encoded and decoded files (git-ignored).
DEFAULT_WORK_DIR = REPO_ROOT / "training/runs/quality"
# The report.
DEFAULT_REPORT = REPO_ROOT / "docs/QUALITY.md"
# The bitrate-vs-STOI plot.
DEFAULT_PLOT = REPO_ROOT / "docs/quality_bitrate_stoi.png"


def _slug(name):
    return "".join(c if c.isalnum() or c == "." else "_" for c in name)


def _log(message):
    print(message, file=sys.stderr, flush=True)


def score_condition(condition, items, input_wavs, references, recognizer, work_dir):
    """Run one codec over the items and score it; returns a result dict (with per-file rows)."""
    started = time.time()
    outputs = condition.process(input_wavs, work_dir / _slug(condition.name))
    achieved = condition.achieved_rates_hz([outputs[i.stem][0] for i in items]) if hasattr(condition, "achieved_rates_hz") else {}
    rows = []
    for item, reference in zip(items, references):
        encoded, decoded_path = outputs[item.stem]
        decoded = read_wav_at(decoded_path, SCORE_RATE_HZ)
        row = {"stem": item.stem, "duration_s": item.duration_s, "bytes": Path(encoded).stat().st_size}
        row["bps"] = bits_per_second(encoded, item.duration_s)
        row.update(score_pair(reference, decoded))
        row["hypothesis"] = recognizer.transcribe(decoded) if recognizer else None
        if item.stem in achieved:
            row["frame_rate_hz"] = achieved[item.stem]
        rows.append(row)
    total_s = sum(r["duration_s"] for r in rows)
    result = {
        "name": condition.name,
        "family": condition.family,
        "label": condition.label,
        "bps": sum(r["bytes"] for r in rows) * 8.0 / total_s,
        "stoi": mean_of(rows, "stoi"),
        "log_mel": mean_of(rows, "log_mel"),
        "mcd": mean_of(rows, "mcd"),
        "delay_ms": mean_of(rows, "delay_ms"),
        "wer": corpus_wer([i.text for i in items], [r["hypothesis"] for r in rows]) if recognizer else None,
        "frame_rate_hz": (sum(r["frame_rate_hz"] * r["duration_s"] for r in rows) / total_s) if achieved else None,
        "seconds": time.time() - started,
        "rows": rows,
    }
    return result


def _git_commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "training/eval", "src", "public/models"], capture_output=True, text=True, cwd=REPO_ROOT).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def prepare_inputs(items, input_dir):
    """Copy the selected originals as <stem>.wav into a folder of their own (the CLI encodes folders); returns references."""
    shutil.rmtree(input_dir, ignore_errors=True)
    input_dir.mkdir(parents=True)
    references = []
    for item in items:
        samples = read_wav_at(item.wav, SCORE_RATE_HZ)
        write_wav(input_dir / f"{item.stem}.wav", samples, SCORE_RATE_HZ)
        references.append(read_wav_at(input_dir / f"{item.stem}.wav", SCORE_RATE_HZ))
    return references


def run_report(limit=DEFAULT_FILE_COUNT, work_dir=DEFAULT_WORK_DIR, report_path=DEFAULT_REPORT, plot_path=DEFAULT_PLOT, with_ours=True, with_wer=True, manifest=None):
    """Measure every condition, write the markdown report and the plot; returns the results dict.

    manifest: a {file, duration_s, text} jsonl (default: the held-out set's).
    """
    work_dir = Path(work_dir)
    model_id_at_start = model_id()
    items = select_items(load_manifest(manifest or heldout_manifest_path()), limit)
    if not items:
        raise RuntimeError("no held-out files found")
    _log(f"[quality] {len(items)} files, {sum(i.duration_s for i in items) / 60:.1f} min")
    input_dir = work_dir / "input"
    references = prepare_inputs(items, input_dir)
    input_wavs = [input_dir / f"{i.stem}.wav" for i in items]
    recognizer = CachedRecognizer(work_dir / "asr_cache.json") if with_wer else None

    original_wer, original_hyps = None, None
    if recognizer:
        original_hyps = [recognizer.transcribe(r) for r in references]
        original_wer = corpus_wer([i.text for i in items], original_hyps)
        recognizer.save()
        _log(f"[quality] originals: WER {original_wer:.1f} %")

    conditions = baseline_conditions()
    skipped = {}
    missing = cli_missing_reason()
    if with_ours and missing is None:
        conditions += flexicodec_conditions()
    elif with_ours:
        skipped["FlexiCodec"] = missing
    else:
        skipped["FlexiCodec"] = "left out with --no-ours"

    results = []
    for condition in conditions:
        try:
            result = score_condition(condition, items, input_wavs, references, recognizer, work_dir)
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            skipped[condition.name] = str(err).splitlines()[0][:300]
            _log(f"[quality] {condition.name}: FAILED {skipped[condition.name]}")
            continue
        if recognizer:
            recognizer.save()
        results.append(result)
        wer = "-" if result["wer"] is None else f"{result['wer']:.1f} %"
        _log(f"[quality] {condition.name}: {result['bps']:.0f} bps, STOI {result['stoi']:.3f}, log-mel {result['log_mel']:.3f}, MCD {result['mcd']:.2f} dB, WER {wer} ({result['seconds']:.0f} s)")

    summary = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "model_id": model_id_at_start,
        "model_id_at_end": model_id(),
        "files": len(items),
        "minutes": sum(i.duration_s for i in items) / 60.0,
        "limit": limit,
        "original_wer": original_wer,
        "original_hypotheses": original_hyps,
        "texts": {i.stem: i.text for i in items},
        "results": results,
        "skipped": skipped,
    }
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "results.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    plot_bitrate_stoi(results, plot_path)
    text = with_kept_section(render_report(summary, plot_name=Path(plot_path).name), report_path, NOTES_HEADING)
    Path(report_path).write_text(text, encoding="utf-8")
    _log(f"[quality] wrote {report_path} and {plot_path}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description="Quality report on the held-out English set.")
    parser.add_argument("--limit", type=int, default=DEFAULT_FILE_COUNT, help=f"files scored (default {DEFAULT_FILE_COUNT}; 0 = all)")
    parser.add_argument("--work", default=str(DEFAULT_WORK_DIR), help="scratch folder")
    parser.add_argument("--out", default=str(DEFAULT_REPORT), help="markdown report")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help="bitrate vs STOI png")
    parser.add_argument("--no-ours", action="store_true", help="baselines only (no Node CLI)")
    parser.add_argument("--no-wer", action="store_true", help="skip pocketsphinx")
    args = parser.parse_args(argv)
    run_report(args.limit, Path(args.work), Path(args.out), Path(args.plot), with_ours=not args.no_ours, with_wer=not args.no_wer)


if __name__ == "__main__":
    main()
