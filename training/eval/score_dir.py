"""Score a folder of decoded wavs against a folder of reference wavs with the same names (learning curves).

    /usr/bin/python3 -m training.eval.score_dir REF_DIR DECODED_DIR [--wer] [--transcripts heldout.jsonl] [--json]

Prints mean STOI, log-mel distance, MCD (delay removed per file) and, with --wer, the pocketsphinx
WER of the decoded files and of the references on the same files. Transcripts come from a
{file, duration_s, text} jsonl (default: the held-out manifest), matched by file stem.
"""

import argparse
import json
from pathlib import Path

from .audio import SCORE_RATE_HZ, read_wav_at
from .score import CachedRecognizer, mean_of, score_pair
from .text import corpus_wer


def load_transcripts(jsonl_path=None):
    """{stem: text} from a manifest jsonl (default: the held-out set's)."""
    from .heldout import heldout_manifest_path, load_manifest

    return {item.stem: item.text for item in load_manifest(jsonl_path or heldout_manifest_path())}


def score_dir(reference_dir, decoded_dir, wer=False, transcripts=None, recognizer=None):
    """Mean scores over the wavs present in both folders.

    Returns {"files", "stoi", "log_mel", "mcd", "wer", "reference_wer", "per_file"}; the WER entries
    are None unless wer=True. transcripts: {stem: text}, needed for WER (default: held-out manifest).
    """
    reference_dir, decoded_dir = Path(reference_dir), Path(decoded_dir)
    stems = sorted(p.stem for p in reference_dir.glob("*.wav") if (decoded_dir / p.name).exists())
    if not stems:
        raise FileNotFoundError(f"no wav in {decoded_dir} matches one in {reference_dir}")
    if wer and transcripts is None:
        transcripts = load_transcripts()
    if wer:
        stems = [s for s in stems if s in transcripts]
        recognizer = recognizer or CachedRecognizer()
    rows, refs, hyps, ref_hyps = [], [], [], []
    for stem in stems:
        reference = read_wav_at(reference_dir / f"{stem}.wav", SCORE_RATE_HZ)
        decoded = read_wav_at(decoded_dir / f"{stem}.wav", SCORE_RATE_HZ)
        row = {"stem": stem, **score_pair(reference, decoded)}
        if wer:
            row["hypothesis"] = recognizer.transcribe(decoded)
            refs.append(transcripts[stem])
            hyps.append(row["hypothesis"])
            ref_hyps.append(recognizer.transcribe(reference))
        rows.append(row)
    return {
        "files": len(rows),
        "stoi": mean_of(rows, "stoi"),
        "log_mel": mean_of(rows, "log_mel"),
        "mcd": mean_of(rows, "mcd"),
        "wer": corpus_wer(refs, hyps) if wer else None,
        "reference_wer": corpus_wer(refs, ref_hyps) if wer else None,
        "per_file": rows,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference_dir")
    parser.add_argument("decoded_dir")
    parser.add_argument("--wer", action="store_true", help="also run pocketsphinx (slow: about real time)")
    parser.add_argument("--transcripts", help="{file, duration_s, text} jsonl; default: the held-out manifest")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args(argv)
    transcripts = load_transcripts(args.transcripts) if args.wer else None
    result = score_dir(args.reference_dir, args.decoded_dir, wer=args.wer, transcripts=transcripts)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    line = f"files {result['files']}  STOI {result['stoi']:.3f}  log-mel {result['log_mel']:.3f}  MCD {result['mcd']:.2f} dB"
    if args.wer:
        line += f"  WER {result['wer']:.1f} %  (references {result['reference_wer']:.1f} %)"
    print(line)


if __name__ == "__main__":
    main()
