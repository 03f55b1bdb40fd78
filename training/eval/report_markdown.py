"""Render the quality report (docs/QUALITY.md) from the measured results; no number here is typed in by hand."""

import math

from .baselines import CODEC2_MODES, DRED_TARGETS_BPS, OPUS_SETTINGS
from .bootstrap import DRAWS, LEVEL, file_word_errors, paired_difference, ratio_interval
from .flexicodec_cli import ABLATION_RATES_HZ, flexicodec_name
from .heldout import MAX_DURATION_S, MIN_DURATION_S, MIN_WORDS
from .metrics import MAX_DELAY_S, MCD_COEFFICIENTS, MCD_DYNAMIC_RANGE_DB
from .pitch import F0_CEIL_HZ, F0_FLOOR_HZ, FRAME_PERIOD_MS, GROSS_ERROR_RATIO
from .whisper_judge import RUNAWAY_RATIO, is_runaway, wer_without_runaways, whisper_normalize


def _num(value, digits):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}"


def _pct(value, digits=1):
    return _num(None if value is None else 100.0 * value, digits)


def _transcribed(result, texts):
    """(references, Whisper transcripts) of a condition's files that have both."""
    rows = [r for r in result.get("rows", []) if r.get("whisper") is not None and r["stem"] in texts]
    return [texts[r["stem"]] for r in rows], [r["whisper"] for r in rows]


def runaway_count(result, texts):
    """Files whose Whisper transcript ran away (whisper_judge.is_runaway); None without transcripts."""
    references, hypotheses = _transcribed(result, texts)
    return sum(map(is_runaway, hypotheses, references)) if references else None


def whisper_file_errors(result, texts):
    """Per-file (word errors, reference words) of a condition's Whisper transcripts; None without them."""
    references, hypotheses = _transcribed(result, texts)
    return file_word_errors(references, hypotheses, whisper_normalize) if references else None


def whisper_wer_interval(result, texts):
    """The bootstrap interval of a condition's Whisper WER in percent (bootstrap.ratio_interval); None without transcripts."""
    counts = whisper_file_errors(result, texts)
    if counts is None:
        return None
    low, high = ratio_interval(*counts)
    return 100.0 * low, 100.0 * high


def original_wer_interval(summary):
    """The bootstrap interval of the uncoded originals' Whisper WER; None without their transcripts."""
    texts = summary.get("texts", {})
    hypotheses = summary.get("original_whisper_hypotheses") or []
    return whisper_wer_interval({"rows": [{"stem": s, "whisper": h} for s, h in zip(texts, hypotheses)]}, texts)


def paired_ablation(dynamic, fixed, texts):
    """Dynamic − fixed over the files both scored, each with its paired bootstrap interval:
    {'whisper_wer': (points, low, high) or None, 'stoi': (difference, low, high)}."""
    by_stem = {r["stem"]: r for r in fixed.get("rows", [])}
    pairs = [(r, by_stem[r["stem"]]) for r in dynamic.get("rows", []) if r["stem"] in by_stem]
    if not pairs:
        return None
    out = {"stoi": paired_difference([a["stoi"] for a, _ in pairs], [b["stoi"] for _, b in pairs])}
    a_err = whisper_file_errors({"rows": [a for a, _ in pairs]}, texts)
    b_err = whisper_file_errors({"rows": [b for _, b in pairs]}, texts)
    if a_err is not None and b_err is not None and len(a_err[0]) == len(b_err[0]):
        out["whisper_wer"] = tuple(100.0 * v for v in paired_difference(a_err[0], b_err[0], a_err[1], b_err[1]))
    else:
        out["whisper_wer"] = None
    return out


def _signed(triple, digits, unit=""):
    point, low, high = triple
    return f"{point:+.{digits}f}{unit} ({low:+.{digits}f} to {high:+.{digits}f})"


def _interval(bounds, digits):
    return "—" if bounds is None else f"{_num(bounds[0], digits)}–{_num(bounds[1], digits)}"


def _words_row(result, texts=None):
    runaway = runaway_count(result, texts or {})
    steady = wer_without_runaways(*_transcribed(result, texts or {}))
    return (
        f"| {result['name']} | {_num(result['bps'], 0)} | {_num(result.get('frame_rate_hz'), 2)} | {_num(result.get('whisper_wer'), 1)} "
        f"| {_interval(whisper_wer_interval(result, texts or {}), 1)} "
        f"| {'—' if runaway is None else runaway} | {_num(steady, 1)} | {_num(result['wer'], 1)} | {_num(result.get('pesq'), 2)} | {_num(result['stoi'], 3)} "
        f"| {_num(result.get('stoi_pystoi'), 3)} | {_num(result.get('estoi'), 3)} |"
    )


def _voice_row(result):
    return (
        f"| {result['name']} | {_num(result.get('dnsmos_ovrl'), 2)} | {_num(result.get('dnsmos_sig'), 2)} | {_num(result.get('dnsmos_bak'), 2)} "
        f"| {_num(result.get('f0_rmse_cents'), 0)} | {_pct(result.get('gpe'))} | {_pct(result.get('vde'))} | {_num(result.get('periodicity'), 2)} | {_num(result.get('periodicity_high'), 2)} "
        f"| {_num(result['log_mel'], 3)} | {_num(result['mcd'], 2)} | {_num(result['delay_ms'], 1)} |"
    )


_WORDS_HEADER = (
    f"| condition | bitrate (bit/s, whole file) | frame rate (Hz) | Whisper WER (%) ↓ | its {LEVEL:.0%} interval | runaway transcripts | Whisper WER without them (%) ↓ | pocketsphinx WER (%) ↓ | PESQ wb ↑ | STOI ↑ (ours) | STOI ↑ (pystoi) | ESTOI ↑ |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)
_VOICE_HEADER = (
    "| condition | DNSMOS OVRL ↑ | DNSMOS SIG ↑ | DNSMOS BAK ↑ | F0 RMSE (cents) ↓ | gross pitch error (%) ↓ | voicing error (%) ↓ | periodicity ↑ | periodicity 1.5–4 kHz ↑ | log-mel distance ↓ | MCD (dB) ↓ | delay removed (ms) |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _find(results, name):
    return next((r for r in results if r["name"] == name), None)


def nearest_dred_at_or_above(results, bps):
    """The Opus DRED condition ("Opus DRED 300/500/1000/2000") with the lowest measured bitrate at or above `bps`;
    None when no DRED condition ran or every one is below `bps`."""
    dred = [r for r in results if r["name"].startswith("Opus DRED ") and _finite(r.get("bps"))]
    above = [r for r in dred if r["bps"] >= bps]
    return min(above, key=lambda r: r["bps"]) if above else None


def excludes_zero(triple):
    """Whether an interval (point, low, high) lies wholly on one side of 0."""
    return triple[1] > 0 or triple[2] < 0


def ablation_pairs(summary):
    """[(rate, dynamic result or None, fixed result or None, paired_ablation or None)] per ablation rate, in order."""
    results, texts = summary["results"], summary.get("texts", {})
    pairs = []
    for rate in ABLATION_RATES_HZ:
        dynamic, fixed = _find(results, flexicodec_name(rate)), _find(results, flexicodec_name(rate, fixed=True))
        pairs.append((rate, dynamic, fixed, paired_ablation(dynamic, fixed, texts) if dynamic and fixed else None))
    return pairs


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)


def _value(result, key):
    """A measured number of a condition, or None (condition not run, metric not measured)."""
    value = None if result is None else result.get(key)
    return value if _finite(value) else None


# How a missing number is named in the Targets table.
_METRIC_NAMES = {"bps": "bitrate", "whisper_wer": "Whisper WER", "stoi": "STOI", "pesq": "PESQ"}
# Issue 29's targets per average frame rate (Hz): bitrate cap (bit/s), Whisper WER over the
# originals' (points), STOI floor, PESQ floor, absolute Whisper WER cap (%), no runaway transcripts.
ISSUE_29_TARGETS = (
    (12.5, {"max_bps": 1500, "wer_over_original": 3.0, "min_stoi": 0.90, "min_pesq": 2.0}),
    (6.25, {"max_bps": 700, "wer_over_original": 8.0, "below_dred": True, "min_stoi": 0.86}),
    (3.0, {"max_bps": 350, "max_wer": 30.0, "no_runaways": True, "min_stoi": 0.75}),
)
# The issue each group of target rows comes from, and what it was about (the Targets subheadings).
TARGET_ISSUES = {
    29: "FlexiCodec v3 on the pretrained vocoder",
    28: "the pretrained vocoder under the codec (FARGAN resynthesis, nothing coded)",
}


def target_rows(summary):
    """(issue, target, measured, met) rows for the targets of issues 29 and 28; met is "yes", "**no**",
    or "—" with measured "not measured (…)" where this run lacks the condition or the number."""
    results, texts = summary["results"], summary.get("texts", {})
    original_wer = summary.get("original_whisper_wer")
    original_wer = original_wer if _finite(original_wer) else None
    rows = []

    def add(issue, target, measured, ok, missing=None):
        if measured is None:
            rows.append((issue, target, f"not measured ({missing})" if missing else "not measured", "—"))
        else:
            rows.append((issue, target, measured, "—" if ok is None else ("yes" if ok else "**no**")))

    def why(result, name, key=None):
        if result is None:
            return f"no {name} in this run"
        return f"no {_METRIC_NAMES.get(key, key)} for {name}" if key else None

    def bound(issue, target, result, name, key, limit, upper, digits, unit="", note=""):
        value = _value(result, key)
        if value is None or limit is None:
            add(issue, target, None, None, why(result, name, key) if value is None else "no Whisper WER of the originals")
            return
        ok = value <= limit if upper else value >= limit
        add(issue, target, f"{_num(value, digits)}{unit}{note}", ok)

    for rate, t in ISSUE_29_TARGETS:
        name = flexicodec_name(rate)
        ours = _find(results, name)
        bps = _value(ours, "bps")
        bound(29, f"{rate:g} Hz: bitrate ≤ {t['max_bps']} bit/s", ours, name, "bps", t["max_bps"], True, 0, " bit/s")
        wer = _value(ours, "whisper_wer")
        if "wer_over_original" in t:
            slack = t["wer_over_original"]
            limit = None if original_wer is None else original_wer + slack
            note = "" if limit is None else f" (limit {_num(limit, 1)} % = originals' {_num(original_wer, 1)} % + {slack:g})"
            bound(29, f"{rate:g} Hz: Whisper WER ≤ originals' + {slack:g} points", ours, name, "whisper_wer", limit, True, 1, " %", note)
        if "max_wer" in t:
            bound(29, f"{rate:g} Hz: Whisper WER ≤ {t['max_wer']:g} %", ours, name, "whisper_wer", t["max_wer"], True, 1, " %")
        if t.get("below_dred"):
            target = f"{rate:g} Hz: Whisper WER < Opus DRED's at the nearest DRED bitrate at or above ours"
            dred = None if bps is None else nearest_dred_at_or_above(results, bps)
            if wer is None or bps is None:
                add(29, target, None, None, why(ours, name, "whisper_wer" if bps is not None else "bps"))
            elif dred is None:
                add(29, target, None, None, f"no Opus DRED condition at or above {bps:.0f} bit/s in this run")
            elif _value(dred, "whisper_wer") is None:
                add(29, target, None, None, why(dred, dred["name"], "whisper_wer"))
            else:
                add(29, target, f"{_num(wer, 1)} % at {bps:.0f} bit/s vs {dred['name']} {_num(dred['whisper_wer'], 1)} % at {dred['bps']:.0f} bit/s",
                    wer < dred["whisper_wer"])
        if t.get("no_runaways"):
            target = f"{rate:g} Hz: no runaway transcripts"
            runaways = None if ours is None else runaway_count(ours, texts)
            if runaways is None:
                add(29, target, None, None, why(ours, name) or f"no per-file Whisper transcripts for {name}")
            else:
                add(29, target, f"{runaways} of {len(_transcribed(ours, texts)[0])} files", runaways == 0)
        bound(29, f"{rate:g} Hz: STOI ≥ {t['min_stoi']:.2f}", ours, name, "stoi", t["min_stoi"], False, 3)
        if "min_pesq" in t:
            bound(29, f"{rate:g} Hz: PESQ ≥ {t['min_pesq']:.1f}", ours, name, "pesq", t["min_pesq"], False, 2)
    for rate, dynamic, fixed, paired in ablation_pairs(summary):
        target = f"{rate:g} Hz: dynamic beats fixed on Whisper WER, paired {LEVEL:.0%} interval excludes 0"
        if dynamic is None or fixed is None:
            add(29, target, None, None, why(dynamic, flexicodec_name(rate)) or why(fixed, flexicodec_name(rate, fixed=True)))
        elif paired is None or paired.get("whisper_wer") is None:
            add(29, target, None, None, "no per-file Whisper transcripts of both on the same files")
        else:
            difference = paired["whisper_wer"]
            add(29, target, f"{_num(_value(dynamic, 'whisper_wer'), 1)} % vs {_num(_value(fixed, 'whisper_wer'), 1)} %: {_signed(difference, 1, ' points')}",
                difference[2] < 0)
    fargan = _find(results, "FARGAN resynthesis")
    bound(28, "FARGAN resynthesis: STOI ≥ 0.95", fargan, "FARGAN resynthesis", "stoi", 0.95, False, 3)
    note = "" if original_wer is None else f" (limit {_num(original_wer + 1.0, 1)} % = originals' {_num(original_wer, 1)} % + 1)"
    bound(28, "FARGAN resynthesis: Whisper WER ≤ originals' + 1 point", fargan, "FARGAN resynthesis", "whisper_wer",
          None if original_wer is None else original_wer + 1.0, True, 1, " %", note)
    return rows


def _spans(triple):
    return "**excludes 0**" if excludes_zero(triple) else "spans 0"


def ablation_section(summary):
    """The ablation's markdown lines: each rate's dynamic and fixed rows, then each rate's paired differences."""
    texts = summary.get("texts", {})
    pairs = ablation_pairs(summary)
    rates = " and ".join(f"{rate:g} Hz" for rate, *_ in pairs)
    lines = [
        "## Ablation: dynamic merging vs fixed frame rate",
        "",
        f"Same model, the same target average rate within each pair ({rates}): similarity merging (dynamic) against constant-length segments (`--fixed`).",
        "",
    ]
    measured = [r for _, dynamic, fixed, _ in pairs if dynamic and fixed for r in (dynamic, fixed)]
    if not any(dynamic or fixed for _, dynamic, fixed, _ in pairs):
        return lines + ["Not measured in this run (see below).", ""]
    if measured:
        lines += [_WORDS_HEADER, *[_words_row(r, texts) for r in measured], ""]
    lines += [
        f"Dynamic − fixed on the same files, with the {LEVEL:.0%} interval of {DRAWS} paired bootstrap resamples of the files"
        " (an interval that spans 0 is a difference these files cannot tell from noise):",
        "",
    ]
    for rate, dynamic, fixed, paired in pairs:
        if dynamic is None or fixed is None:
            missing = " and ".join(f"`{flexicodec_name(rate, fixed=f)}`" for f, r in ((False, dynamic), (True, fixed)) if r is None)
            lines.append(f"- {rate:g} Hz: not measured in this run (no {missing} in the results).")
        elif paired is None:
            lines.append(f"- {rate:g} Hz: no file scored by both, nothing to pair.")
        else:
            files = len({r["stem"] for r in dynamic.get("rows", [])} & {r["stem"] for r in fixed.get("rows", [])})
            if paired["whisper_wer"] is None:
                words = "Whisper WER not paired (no per-file transcripts of both)"
            else:
                better = "dynamic loses fewer words" if paired["whisper_wer"][2] < 0 else "fixed loses fewer words"
                words = f"Whisper WER {_signed(paired['whisper_wer'], 1, ' points')}, {_spans(paired['whisper_wer'])}" + (
                    f" ({better})" if excludes_zero(paired["whisper_wer"]) else "")
            lines.append(f"- {rate:g} Hz ({files} files): {words}; STOI {_signed(paired['stoi'], 3)}, {_spans(paired['stoi'])}.")
    return lines + [""]


def targets_section(summary):
    """The Targets markdown lines: one table per issue, newest first."""
    rows = target_rows(summary)
    lines = [
        "## Targets",
        "",
        "Each target with what this run measured (and what it is compared with) and whether it is met;"
        " \"not measured\" where this run has no such condition or number.",
        "",
    ]
    for issue, about in TARGET_ISSUES.items():
        mine = [row for row in rows if row[0] == issue]
        if mine:
            lines += [f"### Issue {issue}: {about}", "", "| target | measured | met |", "| --- | --- | --- |"]
            lines += [f"| {t} | {m} | {ok} |" for _, t, m, ok in mine]
            lines += [""]
    return lines


def kept_section(path, heading):
    """The hand-written tail of a generated report, from `heading` to the end ('' if none), so
    that regenerating the tables keeps the analysis written under them."""
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        return ""
    at = old.find(heading)
    return old[at:].strip("\n") + "\n" if at >= 0 else ""


def with_kept_section(text, path, heading):
    """`text` with the section `heading` of the file at `path` appended, if that file has one."""
    tail = kept_section(path, heading)
    return text.rstrip("\n") + "\n\n" + tail if tail else text


def render_report(summary, plot_name="quality_bitrate.png", spectrogram_name="quality_spectrograms.png"):
    """The full markdown text of docs/QUALITY.md."""
    results = summary["results"]
    lines = [
        "# Quality on held-out English speech",
        "",
        "Generated by `npm run quality` (`.venv/bin/python -m training.eval.quality_report`); the tables are not edited by hand (the last section, \"Where it falls short\", is, and survives regeneration).",
        "",
        f"- Date: {summary['date']}; commit {summary['commit']}; models: `public/models/models.json` modelId `{summary['model_id']}`.",
        f"- {summary['files']} files, {summary['minutes']:.1f} min of the held-out set (Asterisk `en_US` prompts, the Allison voice, never trained on),"
        f" decoded from G.722 to 16 kHz.",
        "- Every condition below was encoded, decoded and scored in this same run on the same files.",
        "",
    ]
    if summary.get("model_id_at_end", summary["model_id"]) != summary["model_id"]:
        lines += [
            f"**Warning: the models changed during this run (modelId `{summary['model_id']}` → `{summary['model_id_at_end']}`);"
            " FlexiCodec rows may mix models. Run it again.**",
            "",
        ]
    judge = summary.get("judge")
    nat = summary.get("original_dnsmos") or {}
    lines += [
        "## Words and intelligibility",
        "",
        _WORDS_HEADER,
        f"| original (16 kHz PCM, uncoded) | 256000 | — | {_num(summary.get('original_whisper_wer'), 1)} | {_interval(original_wer_interval(summary), 1)} | — | — | {_num(summary.get('original_wer'), 1)} | — | — | — | — |",
    ]
    texts = summary.get("texts", {})
    lines += [_words_row(r, texts) for r in results]
    lines += [""]
    if judge:
        lines += [
            f"The judge is **Whisper {judge['model']}** (faster-whisper {summary.get('faster_whisper', '')}, CTranslate2, CPU, float32, greedy, temperature 0,"
            f" no prompt; model.bin sha256 `{judge['sha256'][:16]}…`). Its WER on the uncoded originals of the same files:"
            f" **{_num(summary.get('original_whisper_wer'), 1)} %**; pocketsphinx's: {_num(summary.get('original_wer'), 1)} %"
            " (a weak recogniser: it loses most words of every low-rate codec, so read its column only as a second opinion).",
            "",
            f"Judge and codec share a model: **{summary.get('judge_shares_model', 'unknown')}**"
            f" (the codec's merge features: `{summary.get('merge_features', '?')}`).",
            "",
        ]
    lines += [
        "## Voice: naturalness and pitch",
        "",
        _VOICE_HEADER,
        f"| original (16 kHz PCM, uncoded) | {_num(nat.get('dnsmos_ovrl'), 2)} | {_num(nat.get('dnsmos_sig'), 2)} | {_num(nat.get('dnsmos_bak'), 2)} | 0 | 0.0 | 0.0 | 1.00 | 1.00 | 0 | 0 | — |",
    ]
    lines += [_voice_row(r) for r in results]
    lines += [
        "",
        f"![spectrograms of one held-out clip]({spectrogram_name})",
        "",
        f"Spectrograms of one held-out clip (`{summary.get('spectrogram_stem', '?')}`): the original, the codec at 12.5 / 6.25 / 3 Hz,"
        " codec2 1300, Opus 6 kbps and Opus DRED 500; 512-point Hann STFT, 0–8 kHz, one colour scale (80 dB below the original's loudest bin).",
        "",
    ]
    lines += ablation_section(summary)
    lines += targets_section(summary)
    lines += [f"![bitrate vs STOI and vs Whisper WER]({plot_name})", ""]
    if summary.get("skipped"):
        lines += ["## Not measured", ""]
        lines += [f"- {name}: {why}" for name, why in summary["skipped"].items()]
        lines += [""]
    opus = ", ".join(f"{k} kbit/s with `--framesize {f}`" for k, f in OPUS_SETTINGS)
    lines += [
        "## How it is measured",
        "",
        f"- Files: held-out prompts with a transcript, {MIN_DURATION_S}–{MAX_DURATION_S:g} s long, at least {MIN_WORDS} words, no bracketed sound descriptions;"
        f" ordered by sha1 of the name and the first {summary['files']} taken (`--limit`), so the set is fixed and content-blind.",
        "- Bitrate: every byte of each encoded file (headers, containers, segment lengths) × 8 / the audio's duration, summed over files.",
        f"- codec2 ({', '.join(CODEC2_MODES)}): `sox -D` to 8 kHz raw, `c2enc MODE in.raw out.c2` (the .c2 file has a 7-byte header;"
        " 700C packs each 28-bit frame into 4 bytes, hence 800 bit/s), `c2dec`, `sox -D` back to 16 kHz.",
        f"- Opus: `opusenc --speech --bitrate K --framesize F` ({opus}), VBR; size of the whole Ogg file; `opusdec --rate 16000`.",
        "- FARGAN resynthesis: libopus 1.6.1's LPCNet analysis (20 features per 10 ms, PitchDNN pitch) of the original, straight into"
        " its FARGAN vocoder, nothing coded (bitrate —): the ceiling of a decoder that predicts these features. Native build of the"
        " crates.io release tree (`native/build.sh`, `training/vocoder/native.py`); FARGAN's 15 ms delay is removed by construction.",
        f"- Opus DRED ({', '.join(f'{b}' for b in DRED_TARGETS_BPS)}, named by the bit/s aimed at): libopus 1.6.1's DRED as a stand-alone"
        " codec (`training/vocoder/dred.py`, `native/dred_codec.c`): RDO-VAE latents of the LPCNet features, one per 40 ms, sent as"
        " 1-second packets, each DRED's own payload (its quantiser, the decoder state at the second's end, 25 latents) behind a"
        " LEB128 length, in a `.fxd` stream with a 4-byte magic+version, the LEB128 sample count and a CRC-32; every byte counted."
        " Uniform quantiser level per row (the label, q0 with dQ 0); decoded by the RDO-VAE decoder and FARGAN.",
        "- FlexiCodec: the Node CLI (`node bin/flexicodec.js encode DIR -o DIR --frame-rate R [--fixed]`, then `decode`) on the shipped"
        " ONNX models with onnxruntime-node; the frame-rate column is the segments the files really hold (`flexicodec info`), duration-weighted.",
        f"- Delay: estimated per file (band-envelope cross-correlation within ±{MAX_DELAY_S * 1000:.0f} ms, refined on the waveform when it is"
        " coherent; 0 when the best envelope correlation is under 0.2, i.e. nothing to align on) and removed before STOI, log-mel"
        " and MCD; the column shows its mean.",
        "- STOI: our implementation of Taal et al. 2011 (`training/eval/stoi.py`): 10 kHz, 256-sample Hann frames, 50 % overlap,"
        " 512-point FFT, 15 one-third-octave bands from 150 Hz, 30-frame (384 ms) segments, frames 40 dB below the clean maximum"
        " removed from both signals, clipping at β = −15 dB. Mean over files.",
        "- Log-mel distance: mean over frames and 80 mel bands of |ln(M_ref + 1e-5) − ln(M_dec + 1e-5)|, M the Slaney mel-weighted"
        " STFT magnitude (1024-point Hann window, 256-sample hop, 16 kHz). Mean over files.",
        f"- MCD: cepstra c1..c{MCD_COEFFICIENTS} (c0, the level, excluded) of the 80-band ln mel magnitude by a DCT-II scaled 1/(2·80),"
        " so ln M(ω) ≈ c0 + 2 Σ cn cos(nω) as in SPTK; per frame (10/ln 10)·√(2 Σ Δcn²) dB, averaged over frames within"
        f" {MCD_DYNAMIC_RANGE_DB:.0f} dB of the reference's loudest frame. Mel-filterbank cepstra, not SPTK's all-pass `mcep`:"
        " compare values within this table, not with papers. Mean over files.",
        "- STOI (pystoi) and ESTOI: `pystoi` 0.4.1 (`stoi(ref, dec, 16000, extended=False/True)`) on the same delay-aligned signals;"
        " our STOI must agree with pystoi's (a unit test holds them within 0.02 on held-out files).",
        "- PESQ: wideband P.862.2 from `pesq` 0.0.4 (`pesq(16000, ref, dec, 'wb')`, MOS-LQO 1.04–4.64), mean over files; a file PESQ"
        " finds no utterance in is left out of the mean.",
        "- DNSMOS: P.835 SIG / BAK / OVRL from `speechmos` 0.0.1.1, whose ONNX models ship inside the package; non-intrusive"
        " (no reference), clips shorter than 9 s are repeated to 9 s as the package does. Mean over files.",
        f"- Pitch: WORLD Harvest (`pyworld` 0.3.5) on the original and the delay-aligned decode, {FRAME_PERIOD_MS:g} ms frames,"
        f" {F0_FLOOR_HZ:g}–{F0_CEIL_HZ:g} Hz. F0 RMSE in cents and gross pitch error (> {GROSS_ERROR_RATIO * 100:.0f} % off) over frames voiced in"
        " both; voicing error = share of all frames voiced in one and not the other. Periodicity: in the original's voiced"
        " frames, the decode's normalised autocorrelation peak over 60–400 Hz lags (40 ms Hann window) as a share of the"
        " original's (1 = as periodic as the original; shaped noise is near 0.2). Mean over files.",
        "- Whisper WER: the judge named above transcribes each file (one pass, no VAD); references and hypotheses go through"
        " Whisper's English normaliser (`whisper-normalizer` 0.1.15: numbers to digits, spelling variants, punctuation dropped);"
        " corpus WER = word edits / reference words. Hypotheses are cached by model name and audio hash."
        f" Runaway transcripts: files whose transcript has more than {RUNAWAY_RATIO:g}× the reference's words + 2 (greedy"
        " decoding without temperature fallback repeats itself on audio it cannot read; each such file adds insertions, which"
        " is how a corpus WER passes 100 %).",
        f"- Intervals: {LEVEL:.0%} percentile bootstrap over files ({DRAWS} resamples, fixed seed; `training/eval/bootstrap.py`): the"
        " files are drawn with replacement and the corpus WER recomputed from their word edits and reference words, so a"
        " file's words stay together. The ablation's differences resample the same files for both conditions (paired).",
        "- Pocketsphinx WER: pocketsphinx 0.1.15 (Debian `python3-pocketsphinx`, `pocketsphinx-en-us` acoustic model, its general English"
        " trigram LM and CMUdict, default search settings), one utterance per file; corpus WER = word edits / reference words."
        " Text normalised: lowercase, bracketed notes dropped, digits spoken out (\"press 1\" → \"press one\"), `*` → star,"
        " `#` → pound, hyphens split, other punctuation removed. Transcripts from `asterisk-core-sounds-en`'s core-sounds-en.txt.",
        "",
    ]
    return "\n".join(lines)
