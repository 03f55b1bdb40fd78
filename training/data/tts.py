"""Synthetic speech: festival (batch scheme scripts, phone timings), flite (-psdur timings), espeak-ng."""

import random
import shutil
import subprocess
import unicodedata
import tempfile
from pathlib import Path

import soundfile as sf

from audio_io import SAMPLE_RATE_HZ, sox_to_16k
from phones import parse_end_times, parse_flite_psdur, to_segments

# Speaking-rate range (festival Duration_Stretch / flite duration_stretch): >1 is slower.
STRETCH_RANGE = (0.8, 1.3)
# Rough seconds of audio per English sentence, only used to plan batches before they are measured.
EST_UTT_S = 3.5
# Utterances per festival process: big enough to amortise voice loading, small enough to interleave.
FESTIVAL_BATCH = 25
FLITE_BATCH = 10

# English festival voices (all radio phone set) and how each pitch bucket is made:
# diphone voices take intonation targets (f0 mean, std in Hz), the HTS voice is pitch-shifted by sox (cents).
FESTIVAL_EN_VOICES = {
    "kal": ("kal_diphone", "int", {"lo": (82, 10), "mid": (108, 16), "hi": (138, 24)}),
    "ked": ("ked_diphone", "int", {"lo": (80, 10), "mid": (105, 15), "hi": (135, 24)}),
    "slt": ("cmu_us_slt_arctic_hts", "sox", {"lo": -300, "mid": 0, "hi": 200}),
}
FLITE_VOICES = ["kal16", "slt", "rms", "awb"]
ESPEAK_VARIANTS = ["en-us+m3", "en-us+f3", "en-gb+m1", "en-gb+f2", "en-gb-scotland+m4", "en-gb-x-rp+f4"]
# Non-English festival voices: language code, voice, encoding festival expects, text files.
FESTIVAL_OTHER = {
    "hi": ("hindi_NSK_diphone", "utf-8", ["/usr/share/doc/festival-hi/examples/sample.txt"]),
    "mr": ("marathi_NSK_diphone", "utf-8", ["/usr/share/doc/festival-mr/examples/sample.txt"]),
    "te": ("telugu_NSK_diphone", "utf-8", ["/usr/share/doc/festival-te/examples/sample.txt"]),
    "cs": ("czech_dita", "iso-8859-2", ["/usr/share/doc/festival-czech/README.cs"]),
    "ca": ("upc_ca_ona_hts", "iso-8859-15", ["/usr/share/doc/festival-ca/README.ca.md",
                                              "/usr/share/doc/festival-ca/USAGE.ca.md"]),
}


def _scheme_string(text):
    return '"' + text.replace("\\", " ").replace('"', " ") + '"'


class UttSpec:
    """One utterance to synthesise: where it goes, who says it, how."""

    def __init__(self, utt_id, speaker, text, stretch, f0=None, pitch_cents=0, force_valid=False):
        self.utt_id = utt_id
        self.speaker = speaker
        self.text = text
        self.stretch = stretch
        self.f0 = f0
        self.pitch_cents = pitch_cents
        self.force_valid = force_valid


def _festival_scheme(voice, specs, tmp, with_f0):
    lines = [f"(voice_{voice})"]
    for i, sp in enumerate(specs):
        lines.append(f"(Parameter.set 'Duration_Stretch {sp.stretch:.3f})")
        if with_f0 and sp.f0:
            mean, std = sp.f0
            lines.append(
                f"(set! int_lr_params '((target_f0_mean {mean:.1f}) (target_f0_std {std:.1f}) "
                "(model_f0_mean 170) (model_f0_std 34)))"
            )
        # unwind-protect: a sentence festival cannot say must not end the whole batch.
        lines.append(
            f"(unwind-protect (begin (set! u (utt.synth (Utterance Text {_scheme_string(sp.text)})))"
            f' (utt.wave.resample u {SAMPLE_RATE_HZ}) (utt.save.wave u "{tmp}/{i}.wav" \'riff)'
            f' (utt.save.segs u "{tmp}/{i}.segs")) nil)'
        )
    return "\n".join(lines) + "\n"


def _finish_utt(ctx, sp, tmp_wav, ends, language, source, prefix=""):
    """Move/pitch-shift a synthesised wav into the corpus, fit its phones, write the manifest line."""
    rel = Path("wav") / sp.speaker / f"{sp.utt_id}.wav"
    dst = ctx.out / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    info = sf.info(str(tmp_wav))
    if sp.pitch_cents or info.samplerate != SAMPLE_RATE_HZ or info.channels != 1 or info.subtype != "PCM_16":
        sox_to_16k(tmp_wav, dst, sp.pitch_cents)
    else:
        shutil.move(str(tmp_wav), dst)
    duration_s = sf.info(str(dst)).duration
    if duration_s < 0.3:
        dst.unlink()
        return 0.0
    phones = to_segments(ends, duration_s, prefix=prefix) if ends is not None else None
    ctx.manifest.add(file=str(rel), speaker=sp.speaker, language=language, source=source,
                     duration_s=duration_s, phones=phones, utt_id=sp.utt_id, force_valid=sp.force_valid)
    return duration_s


def festival_batch(ctx, voice, specs, language, with_f0, prefix="", encoding="utf-8"):
    """Synthesise specs with one festival process; returns seconds of audio written."""
    with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
        script = Path(tmp) / "batch.scm"
        script.write_text(_festival_scheme(voice, specs, tmp, with_f0), encoding=encoding, errors="replace")
        subprocess.run(["festival", "-b", str(script)], capture_output=True, timeout=1800)
        total = 0.0
        for i, sp in enumerate(specs):
            wav, segs = Path(tmp) / f"{i}.wav", Path(tmp) / f"{i}.segs"
            if not wav.exists() or not segs.exists():
                continue
            ends = parse_end_times(segs.read_text(errors="replace").splitlines())
            total += _finish_utt(ctx, sp, wav, ends, language, "tts-festival", prefix)
        return total


def festival_english_streams(ctx, sentences, valid_sentences, minutes):
    """One budgeted stream per English festival voice; held-out sentences are said by every voice first."""
    rng = random.Random(ctx.seed)
    budget_s = minutes * 60 / len(FESTIVAL_EN_VOICES)
    streams = []
    for vkey, (voice, pitch_mode, buckets) in FESTIVAL_EN_VOICES.items():
        streams.append((vkey, budget_s, _festival_en_items(ctx, vkey, voice, pitch_mode, buckets,
                                                           sentences, valid_sentences, rng,
                                                           batch_size(budget_s, FESTIVAL_BATCH))))
    return streams


def batch_size(budget_s, largest):
    """Utterances per work item: `largest`, or fewer for tiny budgets so a small run stays small."""
    return max(1, min(largest, int(budget_s / EST_UTT_S / 2) + 1))


def _festival_en_items(ctx, vkey, voice, pitch_mode, buckets, sentences, valid_sentences, rng, n_batch):
    bucket_names = list(buckets)
    counter = 0

    def spec(text, force_valid):
        nonlocal counter
        bucket = bucket_names[counter % len(bucket_names)]
        speaker = f"fest-{vkey}-{bucket}"
        stretch = rng.uniform(*STRETCH_RANGE)
        if pitch_mode == "int":
            mean, std = buckets[bucket]
            sp = UttSpec(f"{vkey}{counter:05d}", speaker, text, stretch, f0=(mean * rng.uniform(0.93, 1.07), std))
        else:
            cents = buckets[bucket] + rng.randint(-60, 60)
            sp = UttSpec(f"{vkey}{counter:05d}", speaker, text, stretch, pitch_cents=cents)
        sp.force_valid = force_valid
        counter += 1
        return sp

    def batch_item(specs):
        return (lambda: festival_batch(ctx, voice, specs, "en", pitch_mode == "int"), EST_UTT_S * len(specs))

    for i in range(0, len(valid_sentences), n_batch):
        yield batch_item([spec(t, True) for t in valid_sentences[i:i + n_batch]])
    while True:
        chunk = [t for t in (next(sentences, None) for _ in range(n_batch)) if t]
        if not chunk:
            return
        yield batch_item([spec(t, False) for t in chunk])


def flite_streams(ctx, sentences, minutes):
    """One budgeted stream per flite voice (phones from -psdur)."""
    rng = random.Random(ctx.seed + 1)
    budget_s = minutes * 60 / len(FLITE_VOICES)
    n = batch_size(budget_s, FLITE_BATCH)
    return [(f"flite-{v}", budget_s, _flite_items(ctx, v, sentences, rng, n)) for v in FLITE_VOICES]


def _flite_one(ctx, voice, sp):
    with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
        wav = Path(tmp) / "f.wav"
        res = subprocess.run(
            ["flite", "-voice", voice, "--setf", f"duration_stretch={sp.stretch:.3f}", "-psdur",
             "-t", sp.text, "-o", str(wav)], capture_output=True, text=True, timeout=300)
        if not wav.exists():
            return 0.0
        return _finish_utt(ctx, sp, wav, parse_flite_psdur(res.stdout), "en", "tts-flite")


def _flite_items(ctx, voice, sentences, rng, n_batch):
    counter = 0
    while True:
        specs = []
        for text in (next(sentences, None) for _ in range(n_batch)):
            if text:
                specs.append(UttSpec(f"{voice}{counter:05d}", f"flite-{voice}", text,
                                     rng.uniform(*STRETCH_RANGE), pitch_cents=rng.randint(-150, 150)))
                counter += 1
        if not specs:
            return
        yield (lambda specs=specs: sum(_flite_one(ctx, voice, sp) for sp in specs)), EST_UTT_S * len(specs)


def espeak_streams(ctx, sentences, minutes):
    """One budgeted stream per espeak-ng English variant (no phone timings)."""
    rng = random.Random(ctx.seed + 2)
    budget_s = minutes * 60 / len(ESPEAK_VARIANTS)
    n = batch_size(budget_s, FLITE_BATCH)
    return [(f"espeak-{v}", budget_s, _espeak_items(ctx, v, sentences, rng, n)) for v in ESPEAK_VARIANTS]


def _espeak_one(ctx, variant, sp, speed_wpm, pitch):
    with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
        wav = Path(tmp) / "e.wav"
        subprocess.run(["espeak-ng", "-v", variant, "-s", str(speed_wpm), "-p", str(pitch), "-w", str(wav),
                        sp.text], capture_output=True, timeout=300)
        if not wav.exists():
            return 0.0
        return _finish_utt(ctx, sp, wav, None, "en", "tts-espeak")


def _espeak_items(ctx, variant, sentences, rng, n_batch):
    counter = 0
    speaker = "espeak-" + variant.replace("+", "-")
    while True:
        jobs = []
        for text in (next(sentences, None) for _ in range(n_batch)):
            if text:
                sp = UttSpec(f"{counter:05d}", speaker, text, 1.0)
                jobs.append((sp, rng.randint(135, 195), rng.randint(30, 70)))
                counter += 1
        if not jobs:
            return
        yield (lambda jobs=jobs: sum(_espeak_one(ctx, variant, *j) for j in jobs)), EST_UTT_S * len(jobs)


def festival_other_streams(ctx, minutes_per_language, split_sentences):
    """Streams for the non-English festival voices whose language has local text; phones prefixed "xx:"."""
    rng = random.Random(ctx.seed + 3)
    streams = []
    for lang, (voice, encoding, paths) in FESTIVAL_OTHER.items():
        texts = []
        for p in paths:
            if Path(p).exists():
                raw = Path(p).read_bytes()
                try:
                    decoded = raw.decode("utf-8")
                except UnicodeDecodeError:
                    decoded = raw.decode(encoding, errors="replace")
                texts += split_sentences(decoded.replace("#", " ").replace("*", " ").replace("`", " "))
        # Mostly letters (combining marks count: Devanagari/Telugu vowel signs are category M).
        texts = [t for t in texts if sum(ch.isalpha() or ch.isspace() or unicodedata.category(ch)[0] == "M"
                                         for ch in t) > 0.85 * len(t)]
        if not texts or not (Path("/usr/share/festival/voices") / _voice_dir(voice)).exists():
            print(f"[other-tts] {lang}: no text or voice, skipped")
            continue
        streams.append((f"fest-{lang}", minutes_per_language * 60,
                        _festival_other_items(ctx, lang, voice, encoding, texts, rng,
                                              batch_size(minutes_per_language * 60, FESTIVAL_BATCH))))
    return streams


def _voice_dir(voice):
    for lang_dir in Path("/usr/share/festival/voices").iterdir():
        if (lang_dir / voice).exists():
            return f"{lang_dir.name}/{voice}"
    return "missing/" + voice


def _festival_other_items(ctx, lang, voice, encoding, texts, rng, n_batch):
    speaker = f"fest-{lang}-{voice.split('_')[0].lower()}"
    counter = 0
    # Little text exists per language, so each sentence is said up to three times at different rates.
    for _ in range(3):
        for i in range(0, len(texts), n_batch):
            specs = []
            for t in texts[i:i + n_batch]:
                specs.append(UttSpec(f"{lang}{counter:05d}", speaker, t, rng.uniform(*STRETCH_RANGE)))
                counter += 1
            yield (lambda specs=specs: festival_batch(ctx, voice, specs, lang, False, prefix=f"{lang}:",
                                                      encoding=encoding)), EST_UTT_S * len(specs)
