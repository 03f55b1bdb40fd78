"""The held-out English set (Asterisk en_US prompts, Allison): load it, or decode it when the corpus is not built yet.

The corpus builder (training/data/build_corpus.py) writes training/data/corpus/heldout.jsonl, one
{file, duration_s, text} a line, file relative to the corpus folder. Without it, the same prompts are
decoded here from the installed asterisk-core-sounds-en-g722 package into an evaluation cache.
"""

from dataclasses import dataclass
import gzip
import hashlib
import json
from pathlib import Path
import subprocess

from .text import normalize_text

# Repository root (training/eval/heldout.py -> ../..).
REPO_ROOT = Path(__file__).resolve().parents[2]
# The corpus builder's held-out manifest.
CORPUS_HELDOUT_JSONL = REPO_ROOT / "training/data/corpus/heldout.jsonl"
# Fallback: decoded here when the corpus has not been built.
CACHE_HELDOUT_DIR = REPO_ROOT / "training/data/cache/eval_heldout"
# Installed G.722 prompts of the held-out voice.
ASTERISK_EN_DIRS = (Path("/usr/share/asterisk/sounds/en_US_f_Allison"), Path("/usr/share/asterisk/sounds/en"))
# Transcripts shipped in the asterisk-core-sounds-en docs.
ASTERISK_EN_TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
# Files scored by default (a deterministic sample, see select_items): the report's and the A/Bs' judge
# set. 30 left several Whisper-WER points of noise, more than a session's training moves them.
DEFAULT_FILE_COUNT = 60
# Utterances shorter than this are left out: STOI needs 384 ms of speech, WER needs a few words.
MIN_DURATION_S = 1.5
# ... and so are those with fewer words than this.
MIN_WORDS = 3
# Longer prompts (spoken menus up to 19 s) are left out so that pocketsphinx time stays bounded.
MAX_DURATION_S = 10.0


@dataclass(frozen=True)
class Item:
    """One held-out utterance: its 16 kHz wav, duration and reference transcript."""

    stem: str
    wav: Path
    duration_s: float
    text: str


def _stem(file):
    return Path(file).stem


def load_manifest(jsonl_path):
    """Items of a {file, duration_s, text} jsonl; file paths are taken relative to the jsonl's folder."""
    jsonl_path = Path(jsonl_path)
    items = []
    for line in jsonl_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        wav = Path(entry["file"])
        if not wav.is_absolute():
            wav = jsonl_path.parent / wav
        items.append(Item(_stem(wav), wav, float(entry["duration_s"]), entry["text"]))
    return items


def read_transcripts(path=ASTERISK_EN_TRANSCRIPTS):
    """{sound name relative to the language folder, without extension: text} from the docs file."""
    out = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            name, text = (part.strip() for part in line.split(":", 1))
            if name and text and " " not in name:
                out[name] = text
    return out


def build_cache(out_dir=CACHE_HELDOUT_DIR):
    """Decode every transcribed prompt to 16 kHz mono wav with ffmpeg and write out_dir/heldout.jsonl."""
    root = next((d for d in ASTERISK_EN_DIRS if d.is_dir()), None)
    if root is None or not ASTERISK_EN_TRANSCRIPTS.exists():
        raise FileNotFoundError("held-out set missing: apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-en")
    transcripts = read_transcripts()
    wav_dir = Path(out_dir) / "heldout"
    wav_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for path in sorted(root.rglob("*.g722")):
        name = str(path.relative_to(root).with_suffix(""))
        if name not in transcripts:
            continue
        wav = wav_dir / (name.replace("/", "__") + ".wav")
        if not wav.exists():
            cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "g722", "-i", str(path), "-ar", "16000", "-ac", "1", str(wav)]
            subprocess.run(cmd, check=True, capture_output=True)
        # PCM16 mono 16 kHz with a 44-byte header.
        duration_s = (wav.stat().st_size - 44) / 2 / 16000
        lines.append(json.dumps({"file": str(wav.relative_to(out_dir)), "duration_s": round(duration_s, 4), "text": transcripts[name]}))
    jsonl = Path(out_dir) / "heldout.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return jsonl


def heldout_manifest_path():
    """The corpus builder's manifest when present, else the evaluation cache (built on first use)."""
    if CORPUS_HELDOUT_JSONL.exists():
        return CORPUS_HELDOUT_JSONL
    cached = CACHE_HELDOUT_DIR / "heldout.jsonl"
    return cached if cached.exists() else build_cache()


def is_scorable(item):
    """Speech with a usable transcript: long enough, enough words, no bracketed sound descriptions."""
    if any(mark in item.text for mark in "[]<>()"):
        return False
    if not MIN_DURATION_S <= item.duration_s <= MAX_DURATION_S:
        return False
    return len(normalize_text(item.text).split()) >= MIN_WORDS


def select_items(items, limit=DEFAULT_FILE_COUNT):
    """A deterministic, content-independent sample: scorable items ordered by sha1 of their stem, first `limit`."""
    scorable = [item for item in items if is_scorable(item) and item.wav.exists()]
    scorable.sort(key=lambda item: hashlib.sha1(item.stem.encode()).hexdigest())
    chosen = scorable if limit is None or limit <= 0 else scorable[:limit]
    return sorted(chosen, key=lambda item: item.stem)
