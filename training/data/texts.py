"""Text sources for the TTS part of the corpus: English sentences from `fortunes`, held-out prompt texts."""

import gzip
import random
import re
from pathlib import Path

FORTUNES_DIR = Path("/usr/share/games/fortunes")
# Transcripts of the held-out English prompts (asterisk-core-sounds-en docs).
HELDOUT_TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
MIN_WORDS = 4
MAX_WORDS = 25
# Plain sentences only: letters, spaces and light punctuation (no digits, URLs, code or verse markup).
_CLEAN_RE = re.compile(r"^[A-Z][A-Za-z ,;:'\-]*[A-Za-z][.!?]$")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def normalize(text):
    """Lower-case letters and single spaces, for de-duplication and prompt matching."""
    return " ".join(re.sub(r"[^a-z ]+", " ", text.lower()).split())


def heldout_transcripts():
    """{relative sound name without extension: text} from the asterisk English docs."""
    out = {}
    if not HELDOUT_TRANSCRIPTS.exists():
        return out
    with gzip.open(HELDOUT_TRANSCRIPTS, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            name, text = name.strip(), text.strip()
            if name and text and " " not in name:
                out[name] = text
    return out


def _fortune_paragraphs():
    for path in sorted(FORTUNES_DIR.iterdir()):
        if path.suffix in (".dat", ".u8") or path.is_dir() or path.name.startswith("off"):
            continue
        raw = path.read_text(encoding="latin-1", errors="replace")
        for entry in raw.split("\n%\n"):
            # Lines starting with whitespace are usually attributions or verse; dialogue has "Name:".
            lines = [ln for ln in entry.splitlines() if ln and not ln[0].isspace()]
            yield " ".join(lines)


def fortune_sentences(seed):
    """Clean, de-duplicated English sentences (MIN_WORDS..MAX_WORDS words), shuffled with seed."""
    banned = {normalize(t) for t in heldout_transcripts().values()}
    seen = set()
    out = []
    for para in _fortune_paragraphs():
        for sent in _SENTENCE_SPLIT_RE.split(" ".join(para.split())):
            sent = sent.strip()
            if not _CLEAN_RE.match(sent) or '"' in sent:
                continue
            n_words = len(sent.split())
            if n_words < MIN_WORDS or n_words > MAX_WORDS:
                continue
            key = normalize(sent)
            if key in seen or key in banned or not key:
                continue
            seen.add(key)
            out.append(sent)
    random.Random(seed).shuffle(out)
    return out


def split_sentences_generic(text, min_chars=15, max_chars=200):
    """Sentences of a non-English text, split on . ! ? and the Devanagari danda."""
    parts = re.split(r"(?<=[.!?\u0964])\s+", " ".join(text.split()))
    return [p.strip() for p in parts if min_chars <= len(p.strip()) <= max_chars]
