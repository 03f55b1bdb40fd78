#!/usr/bin/python3
"""Build the FlexiCodec training corpus from Debian packages only (see README.md in this folder).

Writes 16 kHz mono PCM16 wavs under OUT/wav/<speaker>/, OUT/manifest.jsonl (incrementally, one
utterance a line), the held-out English set under OUT/heldout/ + OUT/heldout.jsonl, and OUT/summary.md.
"""

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import piper_en  # noqa: E402
import real  # noqa: E402
import shared_speech  # noqa: E402
import tts  # noqa: E402
from manifest import Manifest  # noqa: E402
from scheduler import Stream, run_streams  # noqa: E402
from texts import fortune_sentences, heldout_transcripts, split_sentences_generic  # noqa: E402

STAGES = ["festival-en", "real", "heldout", "flite-espeak", "real-extra", "festival-other", "real-en", "piper-en"]
# Share of the festival English sentences held out as a whole set (said by every voice, all "valid").
VALID_SENTENCE_FRACTION = 0.01


class Context:
    """What every work item needs: output dir, scratch dir, manifest, seed."""

    def __init__(self, out, manifest, seed):
        self.out = out
        self.tmp = out / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.manifest = manifest
        self.seed = seed


def parse_args(argv=None):
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "corpus")
    p.add_argument("--tts-minutes", type=float, default=75.0, help="festival English TTS audio budget (minutes)")
    p.add_argument("--flite-minutes", type=float, default=None, help="default: 0.27 x tts-minutes (~20)")
    p.add_argument("--espeak-minutes", type=float, default=None, help="default: 0.27 x tts-minutes (~20)")
    p.add_argument("--other-minutes", type=float, default=None,
                   help="per non-English festival language; default: 0.05 x tts-minutes (~4)")
    p.add_argument("--piper-minutes", type=float, default=None,
                   help="Piper joe voice (needs .venv's piper-tts); default: 0.53 x tts-minutes (~40)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--no-real", action="store_true", help="skip real speech and the held-out set")
    p.add_argument("--no-extra-real", action="store_true", help="skip klettres / gcin syllable recordings")
    p.add_argument("--no-other", action="store_true", help="skip non-English festival TTS")
    p.add_argument("--no-piper", action="store_true", help="skip the Piper neural voice")
    p.add_argument("--only", default=None,
                   help="comma-separated stages to (re)build, keeping the other stages' existing output: "
                        + ",".join(STAGES))
    args = p.parse_args(argv)
    if args.flite_minutes is None:
        args.flite_minutes = 0.27 * args.tts_minutes
    if args.espeak_minutes is None:
        args.espeak_minutes = 0.27 * args.tts_minutes
    if args.other_minutes is None:
        args.other_minutes = 0.05 * args.tts_minutes
    if args.piper_minutes is None:
        args.piper_minutes = 0.53 * args.tts_minutes
    args.only = set(args.only.split(",")) if args.only else None
    if args.only and args.only - set(STAGES):
        p.error(f"unknown stage(s) {args.only - set(STAGES)}; stages are {STAGES}")
    return args


def stage_of(entry):
    """Which build stage produced a manifest entry."""
    if entry["source"] == "tts-festival":
        return "festival-en" if entry["language"] == "en" else "festival-other"
    if entry["source"] in ("tts-flite", "tts-espeak"):
        return "flite-espeak"
    if entry["source"] == piper_en.SOURCE:
        return "piper-en"
    if entry["speaker"].startswith(("ljspeech", "sc-")):
        return "real-en"
    return "real-extra" if entry["speaker"].startswith(("klettres", "gcin")) else "real"


def read_previous(out):
    """Entries of an existing manifest (empty when there is none)."""
    path = out / "manifest.jsonl"
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _streams(specs):
    return [Stream(key, budget, items) for key, budget, items in specs]


def main(argv=None):
    """Build everything; English festival TTS first so the most useful part lands earliest."""
    args = parse_args(argv)
    out = args.out.resolve()
    run = (lambda name: name in args.only) if args.only else (lambda name: True)
    previous = read_previous(out) if args.only else []
    kept = [e for e in previous if not run(stage_of(e))]
    for e in previous:
        if run(stage_of(e)):
            shutil.rmtree(out / "wav" / e["speaker"], ignore_errors=True)
    for sub in (() if args.only else ("wav",)) + ((".tmp", "heldout") if run("heldout") else (".tmp",)):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out / "manifest.jsonl", args.seed)
    for e in kept:
        manifest.add_existing(e)
    ctx = Context(out, manifest, args.seed)
    t0 = time.time()

    sentences = fortune_sentences(args.seed)
    n_valid = max(1, math.ceil(VALID_SENTENCE_FRACTION * args.tts_minutes * 60 / tts.EST_UTT_S))
    # The Piper stage says the last PIPER_POOL sentences (from the end); the other stages read from the front.
    valid_sentences, train_iter = sentences[:n_valid], iter(sentences[n_valid:-piper_en.PIPER_POOL])
    print(f"{len(sentences)} fortune sentences; {n_valid} held out as a whole set", flush=True)

    def stage(name, specs):
        t = time.time()
        run_streams(_streams(specs), args.jobs, name)
        print(f"[{name}] done in {time.time() - t:.0f} s", flush=True)

    if run("festival-en"):
        stage("festival-en", tts.festival_english_streams(ctx, train_iter, valid_sentences, args.tts_minutes))
    else:
        # Skip the sentences the kept festival part used, so later stages still get unseen text.
        for _ in range(sum(stage_of(e) == "festival-en" for e in kept) + 200):
            next(train_iter, None)
    if not args.no_real and run("real"):
        real_specs = [("festvox-ru", math.inf, real.festvox_ru_items(ctx))]
        for voice_dir, (speaker, lang) in real.ASTERISK_TRAIN.items():
            real_specs.append((speaker, math.inf, real.asterisk_items(ctx, voice_dir, speaker, lang)))
        stage("real", real_specs)
    if not args.no_real and run("heldout"):
        t = time.time()
        held = real.build_heldout(ctx, heldout_transcripts())
        print(f"[heldout] {len(held)} clips, {sum(e['duration_s'] for e in held) / 60:.1f} min "
              f"in {time.time() - t:.0f} s", flush=True)
    if run("flite-espeak"):
        stage("flite-espeak", tts.flite_streams(ctx, train_iter, args.flite_minutes)
              + tts.espeak_streams(ctx, train_iter, args.espeak_minutes))
    if not args.no_real and not args.no_extra_real and run("real-extra"):
        stage("real-extra", [("klettres", math.inf, real.klettres_items(ctx)),
                             ("gcin", math.inf, real.gcin_items(ctx))])
    if not args.no_other and run("festival-other"):
        stage("festival-other", tts.festival_other_streams(ctx, args.other_minutes, split_sentences_generic))
    if not args.no_real and run("real-en") and shared_speech.SHARED_DATA.exists():
        stage("real-en", [("ljspeech", math.inf, shared_speech.ljspeech_items(ctx)),
                          ("speech-commands", math.inf, shared_speech.speech_commands_items(ctx))])
    if not args.no_piper and run("piper-en"):
        why_not = piper_en.unavailable_reason()
        if why_not:
            print(f"[piper-en] skipped: {why_not}", flush=True)
        else:
            (out / piper_en.TEXTS_FILE).unlink(missing_ok=True)
            shutil.rmtree(out / "wav" / piper_en.SPEAKER, ignore_errors=True)
            stage("piper-en", piper_en.piper_streams(ctx, args.piper_minutes,
                                                     piper_en.stage_sentences(args.seed, sentences)))
    manifest.close()
    shutil.rmtree(ctx.tmp, ignore_errors=True)

    summary = manifest.summary_table()
    speakers = manifest.speaker_table()
    heldout_path = out / "heldout.jsonl"
    held_line = ""
    if heldout_path.exists():
        lines = heldout_path.read_text(encoding="utf-8").splitlines()
        held_s = sum(json.loads(ln)["duration_s"] for ln in lines)
        held_line = f"\nHeld-out (en_US Allison, never trained on): {len(lines)} clips, {held_s / 60:.1f} min\n"
    text = (f"# Corpus summary\n\nBuilt in {(time.time() - t0) / 60:.1f} min with {args.jobs} jobs.\n\n"
            f"{summary}\n{held_line}\nSpeakers:\n{speakers}\n")
    (out / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
