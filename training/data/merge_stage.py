#!/usr/bin/python3
"""Merge a stage built into a staging folder into the corpus, without rebuilding anything.

  /usr/bin/python3 training/data/merge_stage.py training/data/cache/piper-en training/data/corpus [--dry-run]

The staging folder is a corpus of one stage (e.g. `build_corpus.py --out training/data/cache/piper-en
--only piper-en`): manifest.jsonl + wav/<speaker>/. Every staged row is checked (its wav exists and is
16 kHz mono PCM16 of the row's duration, split train/valid, a speaker the corpus does not have yet);
then the wavs are copied into CORPUS/wav/<speaker>/, and CORPUS/manifest.jsonl is rewritten as its old
lines followed by the staged rows (a temporary file renamed over it, so a reader sees either the old or
the new manifest, never a partial one; a training run that already read it keeps its rows). Side files
of the stage (e.g. piper-en.jsonl with the texts) are copied too, and a line is added to summary.md.
Refuses, changing nothing, if any staged speaker is already in the corpus (a second merge).
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import soundfile as sf

SAMPLE_RATE_HZ = 16000
# A row's duration must match its file to within this much.
DURATION_TOLERANCE_S = 0.002


def read_rows(path):
    """Rows of a manifest.jsonl."""
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def check_rows(staging, rows, corpus_speakers):
    """Problems with the staged rows (an empty list when they can be merged)."""
    problems = []
    clash = sorted({r["speaker"] for r in rows} & corpus_speakers)
    if clash:
        problems.append(f"speaker(s) already in the corpus (merged before?): {', '.join(clash)}")
    fields = {"file", "speaker", "language", "source", "duration_s", "split", "phones"}
    for r in rows:
        if set(r) != fields:
            problems.append(f"{r.get('file')}: fields {sorted(r)}, expected {sorted(fields)}")
            continue
        if r["split"] not in ("train", "valid") or not r["file"].startswith(f"wav/{r['speaker']}/"):
            problems.append(f"{r['file']}: split {r['split']!r} or path outside wav/{r['speaker']}/")
            continue
        path = staging / r["file"]
        if not path.exists():
            problems.append(f"{r['file']}: missing")
            continue
        info = sf.info(str(path))
        if (info.samplerate, info.channels, info.subtype) != (SAMPLE_RATE_HZ, 1, "PCM_16"):
            problems.append(f"{r['file']}: {info.samplerate} Hz, {info.channels} ch, {info.subtype}")
        elif abs(info.frames / SAMPLE_RATE_HZ - r["duration_s"]) > DURATION_TOLERANCE_S:
            problems.append(f"{r['file']}: {info.frames / SAMPLE_RATE_HZ:.4f} s, row says {r['duration_s']}")
    return problems


def merge(staging, corpus, dry_run=False):
    """Check, then copy the staged stage into the corpus; returns the number of rows merged."""
    staging, corpus = Path(staging).resolve(), Path(corpus).resolve()
    rows = read_rows(staging / "manifest.jsonl")
    manifest = corpus / "manifest.jsonl"
    old_text = manifest.read_text(encoding="utf-8")
    corpus_speakers = {json.loads(ln)["speaker"] for ln in old_text.splitlines() if ln.strip()}
    problems = check_rows(staging, rows, corpus_speakers)
    if problems:
        raise SystemExit("not merged:\n  " + "\n  ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))
    minutes = sum(r["duration_s"] for r in rows) / 60
    speakers = sorted({r["speaker"] for r in rows})
    print(f"{len(rows)} rows, {minutes:.1f} min, speakers {', '.join(speakers)}: checked")
    if dry_run:
        return len(rows)
    for r in rows:
        dst = corpus / r["file"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(staging / r["file"], dst)
    side_files = [p for p in staging.glob("*.jsonl") if p.name != "manifest.jsonl"]
    for p in side_files:
        shutil.copy2(p, corpus / p.name)
    tmp = manifest.with_name("manifest.jsonl.merging")
    new_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    tmp.write_text(old_text + ("" if old_text.endswith("\n") or not old_text else "\n") + new_lines, encoding="utf-8")
    os.replace(tmp, manifest)
    with open(corpus / "summary.md", "a", encoding="utf-8") as f:
        f.write(f"\nMerged {staging.name} on {time.strftime('%Y-%m-%d')}: {len(rows)} utterances, {minutes:.1f} min, "
                f"speakers {', '.join(speakers)} (merge_stage.py; side files: "
                f"{', '.join(p.name for p in side_files) or 'none'})\n")
    print(f"merged into {corpus}: manifest now {len(corpus_speakers) + len(speakers)} speakers")
    return len(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("staging", type=Path)
    p.add_argument("corpus", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check only")
    args = p.parse_args(argv)
    merge(args.staging, args.corpus, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
