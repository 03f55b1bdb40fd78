"""Real English speech from the project's shared data folder (../shared/data/, see each README).

  ljspeech-364          364 LJ Speech clips, one American English reader, 36.6 min, public domain
  speech-commands-test  Speech Commands v0.02 test words: 4,482 one-second clips from the volunteers'
                        own devices (CC BY 4.0; the speaker is the 8-hex-digit id before `_nohash_`);
                        its `_silence_` folder is background noise, not speech, and is left out
Both are 16 kHz mono FLAC. Neither is an evaluation set; the reserved ones (asterisk-core-sounds-en*,
pocketsphinx-testdata, codec2-examples, alsa-utils speech) are never read here.
"""

from pathlib import Path

import soundfile as sf

from real import SAMPLE_RATE_HZ, _add_real, _batches

# The shared data folder beside the repository (read-only; CI gets the same copy).
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LJSPEECH = SHARED_DATA / "ljspeech-364"
SPEECH_COMMANDS = SHARED_DATA / "speech-commands-test"
# Files read per work item.
BATCH = 40


def _batch_item(ctx, jobs):
    """Work item: read [(path, speaker, utt_id)] FLACs (already 16 kHz mono) and add each clip."""

    def work():
        kept = 0.0
        for path, speaker, utt_id in jobs:
            samples, rate = sf.read(str(path), dtype="float32")
            if rate != SAMPLE_RATE_HZ or samples.ndim != 1:
                raise RuntimeError(f"{path}: expected 16 kHz mono, got {rate} Hz, shape {samples.shape}")
            kept += _add_real(ctx, samples, speaker, "en", utt_id)
        return kept

    return work, BATCH * 1.0


def ljspeech_items(ctx, root=LJSPEECH):
    """LJ Speech clips as speaker `ljspeech`."""
    jobs = [(p, "ljspeech", p.stem) for p in sorted((root / "wavs").glob("*.flac"))]
    for batch in _batches(jobs, BATCH):
        yield _batch_item(ctx, batch)


def speech_commands_items(ctx, root=SPEECH_COMMANDS):
    """Speech Commands words as speakers `sc-<speaker id>` (noise clips in `_silence_` left out)."""
    jobs = []
    for word_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "_silence_"):
        for p in sorted(word_dir.glob("*_nohash_*.flac")):
            # WORD/SPEAKER_nohash_N, and in _unknown_ OTHERWORD_SPEAKER_nohash_N: the id is the last part
            speaker = p.name.split("_nohash_")[0].split("_")[-1]
            jobs.append((p, f"sc-{speaker}", f"{word_dir.name}-{p.stem}"))
    for batch in _batches(jobs, BATCH):
        yield _batch_item(ctx, batch)
