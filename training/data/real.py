"""Real speech from Debian packages, and the held-out English set (never trained on)."""

import json
import re
import tempfile
from pathlib import Path

from audio_io import SAMPLE_RATE_HZ, decode_many_to_16k, decode_to_16k, read_wav, speech_bounds, write_wav
from phones import parse_end_times, to_segments

# Shortest real utterance kept (after trimming).
MIN_REAL_S = 0.5
# Held-out clips kept: 1..15 s with a transcript.
HELDOUT_RANGE_S = (1.0, 15.0)
ASTERISK_DIR = Path("/usr/share/asterisk/sounds")
# Training voices from Asterisk. es_MX is deliberately absent: it is Allison, the held-out voice.
ASTERISK_TRAIN = {"fr_CA_f_June": ("ast-fr-june", "fr"), "it_IT_m_Carlo": ("ast-it-carlo", "it"),
                  "ru_RU_f_IvrvoiceRU": ("ast-ru-ivr", "ru")}
ASTERISK_HELDOUT = "en_US_f_Allison"
FESTVOX_RU = Path("/usr/share/festival/voices/russian/msu_ru_nsh_clunits")
KLETTRES_DIR = Path("/usr/share/klettres")
GCIN_DIR = Path("/usr/share/gcin-voice/ogg")
# Files per ffmpeg process.
DECODE_BATCH = 40


def _safe_name(rel):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", rel)


def _add_real(ctx, samples, speaker, language, utt_id, phone_ends=None, prefix=""):
    """Trim, drop if short, save, and add to the manifest; returns seconds kept."""
    start, end = speech_bounds(samples)
    clip = samples[start:end]
    duration_s = len(clip) / SAMPLE_RATE_HZ
    if duration_s < MIN_REAL_S:
        return 0.0
    rel = Path("wav") / speaker / f"{_safe_name(utt_id)}.wav"
    write_wav(ctx.out / rel, clip)
    phones = None
    if phone_ends:
        phones = to_segments(phone_ends, duration_s, prefix=prefix, offset_s=start / SAMPLE_RATE_HZ)
    ctx.manifest.add(file=str(rel), speaker=speaker, language=language, source="real",
                     duration_s=duration_s, phones=phones, utt_id=utt_id)
    return duration_s


def festvox_ru_items(ctx):
    """The msu_ru_nsh recordings (one male speaker) with their phone labels, prefixed "ru:"."""
    for wav in sorted((FESTVOX_RU / "wav").glob("*.wav")):
        lab = FESTVOX_RU / "lab" / (wav.stem + ".lab")

        def work(wav=wav, lab=lab):
            samples, rate = read_wav(wav)
            if rate != SAMPLE_RATE_HZ:
                samples = decode_to_16k(wav)
            ends = parse_end_times(lab.read_text(errors="replace").splitlines()) if lab.exists() else None
            return _add_real(ctx, samples, "festvox-ru-nsh", "ru", wav.stem, ends, prefix="ru:")

        yield work, 10.0


def _batches(seq, n):
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _decode_batch_item(ctx, jobs, fmt=None):
    """Work item: decode [(path, speaker, language, utt_id)] with one ffmpeg and add each clip."""

    def work():
        with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
            clips = decode_many_to_16k([j[0] for j in jobs], tmp, fmt)
        return sum(_add_real(ctx, clip, spk, lang, utt) for clip, (_, spk, lang, utt) in zip(clips, jobs))

    return work, DECODE_BATCH * 2.0


def asterisk_items(ctx, voice_dir, speaker, language):
    """Asterisk G.722 prompts of one voice, decoded to 16 kHz."""
    root = ASTERISK_DIR / voice_dir
    jobs = [(p, speaker, language, str(p.relative_to(root).with_suffix(""))) for p in sorted(root.rglob("*.g722"))]
    for batch in _batches(jobs, DECODE_BATCH):
        yield _decode_batch_item(ctx, batch, "g722")


def klettres_items(ctx):
    """KLettres letter/syllable recordings, one speaker per language directory."""
    if not KLETTRES_DIR.exists():
        return
    jobs = []
    for lang_dir in sorted(p for p in KLETTRES_DIR.iterdir() if p.is_dir()):
        for path in sorted(lang_dir.rglob("*.ogg")):
            rel = str(path.relative_to(lang_dir).with_suffix(""))
            jobs.append((path, f"klettres-{lang_dir.name}", lang_dir.name.split("_")[0], rel))
    for batch in _batches(jobs, DECODE_BATCH):
        yield _decode_batch_item(ctx, batch)


def gcin_items(ctx):
    """gcin-voice Mandarin syllables (one speaker)."""
    if not GCIN_DIR.exists():
        return
    jobs = [(p, "gcin-zh", "zh", f"syl{i:05d}") for i, p in enumerate(sorted(GCIN_DIR.rglob("*.ogg")))]
    for batch in _batches(jobs, DECODE_BATCH):
        yield _decode_batch_item(ctx, batch)


def build_heldout(ctx, transcripts):
    """Decode the en_US Allison prompts with a transcript and 1..15 s long into heldout/; write heldout.jsonl."""
    root = ASTERISK_DIR / ASTERISK_HELDOUT
    entries = []
    todo = []
    for path in sorted(root.rglob("*.g722")):
        name = str(path.relative_to(root).with_suffix(""))
        text = transcripts.get(name)
        # "[ascending tones]" and similar are descriptions of non-speech sounds, not transcripts.
        if text and not text.startswith("["):
            todo.append((path, name, text))
    decoded = []
    for batch in _batches(todo, DECODE_BATCH):
        with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
            decoded += zip(batch, decode_many_to_16k([b[0] for b in batch], tmp, "g722"))
    for (path, name, text), samples in decoded:
        duration_s = len(samples) / SAMPLE_RATE_HZ
        if not HELDOUT_RANGE_S[0] <= duration_s <= HELDOUT_RANGE_S[1]:
            continue
        rel = Path("heldout") / f"{_safe_name(name)}.wav"
        write_wav(ctx.out / rel, samples)
        entries.append({"file": str(rel), "duration_s": round(duration_s, 4), "text": text})
    with open(ctx.out / "heldout.jsonl", "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    return entries
