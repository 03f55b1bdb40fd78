"""Quality report on the held-out English set: our codec (Node CLI, shipped ONNX models) against codec2,
Opus, and libopus 1.6.1's neural stack (FARGAN resynthesis, Opus DRED at 300–2000 bit/s).

    npm run quality            # = /usr/bin/python3 -m training.eval.quality_report
    /usr/bin/python3 -m training.eval.quality_report --limit 20 --no-ours

Every condition encodes the same files in the same run; each decoded file has its delay removed,
then it is scored against the 16 kHz original: STOI (ours and pystoi's), ESTOI, wideband PESQ,
pitch errors, log-mel distance, MCD, and DNSMOS (no reference); Whisper base (the judge) and
pocketsphinx transcribe it. Writes docs/QUALITY.md, docs/quality_bitrate.png (bitrate vs STOI and
vs Whisper WER), docs/quality_spectrograms.png (one clip under each codec) and the raw numbers
to <work>/results.json.
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
from .baselines import baseline_conditions, vocoder_conditions
from .flexicodec_cli import cli_missing_reason, flexicodec_conditions, model_id
from .heldout import DEFAULT_FILE_COUNT, REPO_ROOT, heldout_manifest_path, load_manifest, select_items
from .metrics import bits_per_second
from .report_markdown import render_report, with_kept_section
from .pitch import track_f0
from .standard_metrics import dnsmos
from .report_plot import plot_bitrate_quality, plot_spectrograms
from .score import CachedRecognizer, mean_of, score_pair
from .text import corpus_wer
from .whisper_judge import DEFAULT_JUDGE, WhisperJudge, whisper_wer

# the hand-written analysis under the generated tables, kept when the report is regenerated
NOTES_HEADING = "## Where it falls short"

# Scratch folder for inputs, encoded and decoded files (git-ignored).
DEFAULT_WORK_DIR = REPO_ROOT / "training/runs/quality"
# The report.
DEFAULT_REPORT = REPO_ROOT / "docs/QUALITY.md"
# The bitrate-vs-STOI and bitrate-vs-WER plot.
DEFAULT_PLOT = REPO_ROOT / "docs/quality_bitrate.png"
# The spectrograms of one clip under each codec (written beside the plot).
SPECTROGRAM_NAME = "quality_spectrograms.png"
# The conditions in the spectrogram figure, after the original.
SPECTROGRAM_CONDITIONS = ("FlexiCodec dynamic 12.5 Hz", "FlexiCodec dynamic 6.25 Hz", "FlexiCodec dynamic 3 Hz", "codec2 1300", "Opus 6 kbps", "Opus DRED 500")
# Per-file scores averaged into each condition's row.
MEAN_KEYS = ("stoi", "stoi_pystoi", "estoi", "pesq", "log_mel", "mcd", "f0_rmse_cents", "gpe", "vde", "periodicity", "periodicity_high", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808", "delay_ms")


def _slug(name):
    return "".join(c if c.isalnum() or c == "." else "_" for c in name)


def _log(message):
    print(message, file=sys.stderr, flush=True)


def score_condition(condition, items, input_wavs, references, reference_f0s, recognizer, judge, work_dir):
    """Run one codec over the items and score it; returns a result dict (with per-file rows)."""
    started = time.time()
    outputs = condition.process(input_wavs, work_dir / _slug(condition.name))
    achieved = condition.achieved_rates_hz([outputs[i.stem][0] for i in items]) if hasattr(condition, "achieved_rates_hz") else {}
    rows = []
    for item, reference, reference_f0 in zip(items, references, reference_f0s):
        encoded, decoded_path = outputs[item.stem]
        decoded = read_wav_at(decoded_path, SCORE_RATE_HZ)
        # A condition without an encoded file (FARGAN resynthesis codes nothing) has no bitrate.
        row = {"stem": item.stem, "duration_s": item.duration_s, "bytes": None if encoded is None else Path(encoded).stat().st_size, "decoded": str(decoded_path)}
        row["bps"] = None if encoded is None else bits_per_second(encoded, item.duration_s)
        row.update(score_pair(reference, decoded, standard=True, naturalness=True, reference_f0=reference_f0))
        row["hypothesis"] = recognizer.transcribe(decoded) if recognizer else None
        row["whisper"] = judge.transcribe(decoded) if judge else None
        if item.stem in achieved:
            row["frame_rate_hz"] = achieved[item.stem]
        rows.append(row)
    total_s = sum(r["duration_s"] for r in rows)
    result = {
        "name": condition.name,
        "family": condition.family,
        "label": condition.label,
        "bps": None if any(r["bytes"] is None for r in rows) else sum(r["bytes"] for r in rows) * 8.0 / total_s,
        **{key: mean_of(rows, key) for key in MEAN_KEYS},
        "wer": corpus_wer([i.text for i in items], [r["hypothesis"] for r in rows]) if recognizer else None,
        "whisper_wer": whisper_wer([i.text for i in items], [r["whisper"] for r in rows]) if judge else None,
        "frame_rate_hz": (sum(r["frame_rate_hz"] * r["duration_s"] for r in rows) / total_s) if achieved else None,
        "seconds": time.time() - started,
        "rows": rows,
    }
    return result


def _package_version(name):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def merge_features():
    """What the shipped codec merges on and takes features from (models.json `mergeFeatures`)."""
    try:
        return json.loads((REPO_ROOT / "public/models/models.json").read_text(encoding="utf-8")).get("mergeFeatures", "?")
    except (OSError, ValueError):
        return "?"


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


def spectrogram_panels(summary, original):
    """[(title, samples)] of the first file: the original, then SPECTROGRAM_CONDITIONS that ran."""
    stem = summary["spectrogram_stem"]
    panels = [(f"original ({stem})", original)]
    for name in SPECTROGRAM_CONDITIONS:
        result = next((r for r in summary["results"] if r["name"] == name), None)
        if result:
            row = next(r for r in result["rows"] if r["stem"] == stem)
            rate = "not coded" if row["bps"] is None else f"{row['bps']:.0f} bit/s"
            panels.append((f"{name}: {rate}", read_wav_at(row["decoded"], SCORE_RATE_HZ)))
    return panels


def report_conditions(with_ours=True, families=None):
    """(conditions in table order, {name: why not measured}): codec2 and Opus, libopus's FARGAN and
    DRED, then FlexiCodec where its CLI runs; only the given families (e.g. {"Opus DRED"}) if any."""
    conditions = baseline_conditions() + vocoder_conditions()
    skipped = {}
    missing = cli_missing_reason()
    if with_ours and missing is None:
        conditions += flexicodec_conditions()
    elif with_ours:
        skipped["FlexiCodec"] = missing
    else:
        skipped["FlexiCodec"] = "left out with --no-ours"
    if families is not None:
        conditions = [c for c in conditions if c.family in families]
    return conditions, skipped


def run_report(limit=DEFAULT_FILE_COUNT, work_dir=DEFAULT_WORK_DIR, report_path=DEFAULT_REPORT, plot_path=DEFAULT_PLOT, with_ours=True, with_wer=True, manifest=None, judge_model=DEFAULT_JUDGE, families=None):
    """Measure every condition, write the markdown report and the plot; returns the results dict.

    manifest: a {file, duration_s, text} jsonl (default: the held-out set's).
    families: only the conditions of these families (report_conditions), for a quick look.
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
    judge = WhisperJudge(judge_model, work_dir / "whisper_cache.json") if with_wer else None
    reference_f0s = [track_f0(r, SCORE_RATE_HZ) for r in references]
    texts = [i.text for i in items]
    original_naturalness = [dnsmos(r, SCORE_RATE_HZ) for r in references]
    original = {"dnsmos": {key: mean_of(original_naturalness, key) for key in original_naturalness[0]}}
    original_wer, original_hyps = None, None
    if recognizer:
        original_hyps = [recognizer.transcribe(r) for r in references]
        original_wer = corpus_wer(texts, original_hyps)
        recognizer.save()
        original["whisper"] = [judge.transcribe(r) for r in references]
        original["whisper_wer"] = whisper_wer(texts, original["whisper"])
        judge.save()
        _log(f"[quality] originals: Whisper {judge.model_name} WER {original['whisper_wer']:.1f} %, pocketsphinx WER {original_wer:.1f} %")

    conditions, skipped = report_conditions(with_ours, families)

    results = []
    for condition in conditions:
        try:
            result = score_condition(condition, items, input_wavs, references, reference_f0s, recognizer, judge, work_dir)
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            skipped[condition.name] = str(err).splitlines()[0][:300]
            _log(f"[quality] {condition.name}: FAILED {skipped[condition.name]}")
            continue
        if recognizer:
            recognizer.save()
            judge.save()
        results.append(result)
        wer = "-" if result["wer"] is None else f"Whisper {result['whisper_wer']:.1f} %, pocketsphinx {result['wer']:.1f} %"
        bps = "—" if result["bps"] is None else f"{result['bps']:.0f}"
        _log(f"[quality] {condition.name}: {bps} bps, STOI {result['stoi']:.3f}, PESQ {result['pesq']:.2f}, GPE {result['gpe']:.3f}, WER {wer} ({result['seconds']:.0f} s)")

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
        "original_whisper_wer": original.get("whisper_wer"),
        "original_whisper_hypotheses": original.get("whisper"),
        "original_dnsmos": original["dnsmos"],
        "judge": {"model": judge.model_name, "sha256": judge.model_sha256} if judge else None,
        "spectrogram_stem": items[0].stem,
        "faster_whisper": _package_version("faster-whisper"),
        "merge_features": merge_features(),
        "judge_shares_model": ("yes: " if judge and judge.model_name in merge_features() else "no") if judge else None,
        "texts": {i.stem: i.text for i in items},
        "results": results,
        "skipped": skipped,
    }
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "results.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    write_outputs(summary, references[0], report_path, plot_path)
    _log(f"[quality] wrote {report_path} and {plot_path}")
    return summary


def render_from_results(work_dir=DEFAULT_WORK_DIR, report_path=DEFAULT_REPORT, plot_path=DEFAULT_PLOT):
    """Re-render the report and plots from <work>/results.json (no codec runs, no scoring)."""
    summary = json.loads((Path(work_dir) / "results.json").read_text(encoding="utf-8"))
    items = select_items(load_manifest(heldout_manifest_path()), 0)
    original = next(read_wav_at(i.wav, SCORE_RATE_HZ) for i in items if i.stem == summary["spectrogram_stem"])
    write_outputs(summary, original, report_path, plot_path)
    return summary


def write_outputs(summary, first_original, report_path, plot_path):
    """The plots (beside plot_path) and the markdown report (keeping its hand-written section)."""
    Path(plot_path).parent.mkdir(parents=True, exist_ok=True)
    plot_bitrate_quality(summary["results"], plot_path, summary["original_whisper_wer"])
    spectrogram_path = Path(plot_path).parent / SPECTROGRAM_NAME
    plot_spectrograms(spectrogram_panels(summary, first_original), SCORE_RATE_HZ, spectrogram_path)
    text = with_kept_section(render_report(summary, plot_name=Path(plot_path).name, spectrogram_name=spectrogram_path.name), report_path, NOTES_HEADING)
    Path(report_path).write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Quality report on the held-out English set.")
    parser.add_argument("--limit", type=int, default=DEFAULT_FILE_COUNT, help=f"files scored (default {DEFAULT_FILE_COUNT}; 0 = all)")
    parser.add_argument("--work", default=str(DEFAULT_WORK_DIR), help="scratch folder")
    parser.add_argument("--out", default=str(DEFAULT_REPORT), help="markdown report")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help="bitrate vs STOI and WER png (the spectrograms go beside it)")
    parser.add_argument("--judge", default=DEFAULT_JUDGE, help=f"Whisper model that judges WER (default {DEFAULT_JUDGE})")
    parser.add_argument("--no-ours", action="store_true", help="baselines only (no Node CLI)")
    parser.add_argument("--no-wer", action="store_true", help="skip the recognisers (Whisper and pocketsphinx)")
    parser.add_argument("--families", help="comma-separated condition families only, for a quick look (e.g. 'FARGAN,Opus DRED')")
    parser.add_argument("--render-only", action="store_true", help="re-render the report from <work>/results.json")
    args = parser.parse_args(argv)
    if args.render_only:
        render_from_results(Path(args.work), Path(args.out), Path(args.plot))
        return
    run_report(args.limit, Path(args.work), Path(args.out), Path(args.plot), with_ours=not args.no_ours, with_wer=not args.no_wer, judge_model=args.judge,
               families=None if args.families is None else {f.strip() for f in args.families.split(",")})


if __name__ == "__main__":
    main()
