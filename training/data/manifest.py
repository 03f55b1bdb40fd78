"""Incremental manifest writer (one JSON line per utterance) with deterministic train/valid split and summary."""

import hashlib
import json
import threading
from collections import defaultdict

# Share of each speaker's utterances put in "valid" (deterministic per seed, speaker and utterance id).
VALID_FRACTION = 0.03


def is_valid(seed, speaker, utt_id):
    """Deterministic ~VALID_FRACTION draw, independent of the order utterances are produced in."""
    digest = hashlib.sha1(f"{seed}:{speaker}:{utt_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < VALID_FRACTION


class Manifest:
    """Appends entries to manifest.jsonl as soon as they exist, so a partial build is already usable."""

    def __init__(self, path, seed):
        self.path = path
        self.seed = seed
        self.lock = threading.Lock()
        self.file = open(path, "w", encoding="utf-8")
        self.stats = defaultdict(lambda: {"seconds": 0.0, "utts": 0, "valid": 0, "phones": 0, "speakers": set()})
        self.seconds_by_speaker = defaultdict(float)

    def add(self, *, file, speaker, language, source, duration_s, phones, utt_id, force_valid=False):
        """Write one utterance; split is "valid" when force_valid or the seeded draw says so."""
        split = "valid" if force_valid or is_valid(self.seed, speaker, utt_id) else "train"
        entry = {
            "file": file,
            "speaker": speaker,
            "language": language,
            "source": source,
            "duration_s": round(duration_s, 4),
            "split": split,
            "phones": phones,
        }
        with self.lock:
            self.file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self.file.flush()
            self._count(entry)

    def add_existing(self, entry):
        """Copy an entry from a previous build unchanged (used by --only)."""
        with self.lock:
            self.file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._count(entry)

    def _count(self, entry):
        st = self.stats[(entry["source"], entry["language"])]
        st["seconds"] += entry["duration_s"]
        st["utts"] += 1
        st["valid"] += entry["split"] == "valid"
        st["phones"] += entry["phones"] is not None
        st["speakers"].add(entry["speaker"])
        self.seconds_by_speaker[entry["speaker"]] += entry["duration_s"]

    def close(self):
        """Flush and close the manifest file."""
        self.file.close()

    def summary_table(self):
        """Markdown table of hours, speakers and utterances per source and language."""
        rows = ["| source | language | hours | minutes | speakers | utterances | valid | with phones |",
                "|---|---|---:|---:|---:|---:|---:|---:|"]
        total_s = total_u = 0
        for (source, language), st in sorted(self.stats.items()):
            rows.append(
                f"| {source} | {language} | {st['seconds'] / 3600:.2f} | {st['seconds'] / 60:.1f} | "
                f"{len(st['speakers'])} | {st['utts']} | {st['valid']} | {st['phones']} |"
            )
            total_s += st["seconds"]
            total_u += st["utts"]
        n_spk = len(self.seconds_by_speaker)
        rows.append(f"| **all** | | {total_s / 3600:.2f} | {total_s / 60:.1f} | {n_spk} | {total_u} | | |")
        return "\n".join(rows)

    def speaker_table(self):
        """One line per speaker with its minutes."""
        return "\n".join(f"  {spk}: {sec / 60:.1f} min" for spk, sec in sorted(self.seconds_by_speaker.items()))
