"""Text sources for the TTS part of the corpus: English sentences from `fortunes`, held-out prompt texts,
and the texts of the reserved sets (never said by a TTS voice)."""

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
# Reserved sets (never trained or tuned on, ../shared/DESIGN.md) whose packages ship their texts.
POCKETSPHINX_TESTDATA = Path("/usr/share/pocketsphinx/test/data")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
# Their texts as shipped in Debian 12, for machines without those packages: pocketsphinx-testdata
# 0.8+5prealpha+1-15 (librivox/transcription, cards/cards.transcription, goforward.gram,
# tidigits/tidigits.lsn) and alsa-utils 1.2.8's channel names. codec2-examples ships no transcripts.
RESERVED_BUILTIN = (
    "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them",
    "he was not an ill disposed young man",
    "unless to be rather cold hearted and rather selfish is to be ill disposed",
    "had he married a more a amiable woman he might have been made still more respectable than he was",
    "he might even have been made amiable himself",
    "ten of clubs", "four queen of clubs", "seven of clubs", "five five", "eight of spades four of clubs seven of hearts",
    "go forward ten meters",
    "one one one", "one", "two nine three four zero", "three five oh", "three oh", "four six two five",
    "five eight eight zero zero", "six three", "six oh eight three eight", "seven five nine one three",
    "eight four four oh one", "eight", "nine", "oh seven eight nine", "zero four five four eight", "zero",
    "two seven six three one seven oh", "three three four", "three zero three zero nine",
    "four eight zero six six zero zero", "five three two", "five zero eight seven four", "six seven two eight zero",
    "seven five", "eight four nine eight three", "nine nine seven three one", "oh six nine", "oh oh",
    "front center", "front left", "front right", "rear center", "rear left", "rear right", "side left", "side right",
)
# A reserved text this long (words) is also banned inside a longer sentence, and a sentence this long inside it.
RESERVED_CONTAINED_MIN_WORDS = 3


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


def _transcript_lines(path):
    """Texts of a sphinx transcript file: `<s> words </s> (id)` or `words (id)` lines."""
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        text = re.sub(r"\([^)]*\)\s*$", "", line).replace("<s>", " ").replace("</s>", " ")
        if text.strip():
            out.append(text)
    return out


def reserved_texts():
    """Normalised texts of the held-out and reserved sets: Asterisk English prompts (asterisk-core-sounds-en*),
    pocketsphinx-testdata transcripts, alsa-utils channel names (RESERVED_BUILTIN, plus what the installed
    packages hold)."""
    texts = list(heldout_transcripts().values()) + list(RESERVED_BUILTIN)
    if POCKETSPHINX_TESTDATA.is_dir():
        for path in sorted(POCKETSPHINX_TESTDATA.rglob("*")):
            if path.is_file() and (path.name == "transcription" or path.suffix in (".transcription", ".lsn")):
                texts += _transcript_lines(path)
    if ALSA_SOUNDS.is_dir():
        texts += [p.stem.replace("_", " ") for p in ALSA_SOUNDS.glob("*.wav") if p.stem != "Noise"]
    return {key for key in (normalize(t) for t in texts) if key}


def is_reserved(sentence, reserved):
    """True when a sentence equals a reserved text, contains one of RESERVED_CONTAINED_MIN_WORDS+ words, or
    is itself (with that many words) part of one; `reserved` is reserved_texts()."""
    key = normalize(sentence)
    if key in reserved:
        return True
    padded = f" {key} "
    for r in reserved:
        n_words = r.count(" ") + 1
        if n_words >= RESERVED_CONTAINED_MIN_WORDS and f" {r} " in padded:
            return True
        if key.count(" ") + 1 >= RESERVED_CONTAINED_MIN_WORDS and padded in f" {r} ":
            return True
    return False


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
