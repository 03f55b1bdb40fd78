"""Phone-segment helpers: parse festival/flite/lab timings and fit them to the saved audio."""

# Silence labels used by the different voices; all become "pau" so silence is language-neutral.
SILENCE_LABELS = {"pau", "sil", "SIL", "#", "_", "h#", "ssil", "H#"}
# Segments shorter than this after clipping are dropped (they carry no audio).
MIN_SEGMENT_S = 0.001


def parse_end_times(lines):
    """[(end_s, label)] from festival .segs / HTK-ish .lab lines ("end something label"), after the '#' header."""
    out = []
    started = not any(ln.strip() == "#" for ln in lines)
    for ln in lines:
        if not started:
            started = ln.strip() == "#"
            continue
        parts = ln.split()
        if len(parts) >= 3:
            out.append((float(parts[0]), parts[-1]))
        elif len(parts) == 2:
            out.append((float(parts[0]), parts[1]))
    return out


def parse_flite_psdur(text):
    """[(end_s, label)] from `flite -psdur` output ("pau:0.164 hh:0.255 ...")."""
    out = []
    for tok in text.split():
        if ":" in tok:
            label, end = tok.rsplit(":", 1)
            try:
                out.append((float(end), label))
            except ValueError:
                continue
    return out


def to_segments(ends, duration_s, prefix="", offset_s=0.0):
    """[[start, end, phone]] from end times, shifted by -offset_s, clipped to [0, duration_s], ending at duration_s."""
    segs = []
    start = 0.0
    for end, label in ends:
        s, e = start - offset_s, end - offset_s
        start = end
        s, e = max(0.0, s), min(duration_s, e)
        if e - s < MIN_SEGMENT_S:
            continue
        phone = "pau" if label in SILENCE_LABELS else prefix + label
        segs.append([round(s, 4), round(e, 4), phone])
    if not segs:
        return None
    # Festival/flite write a few ms more audio than the last segment covers; give it to silence.
    last_end = segs[-1][1]
    if duration_s - last_end > MIN_SEGMENT_S:
        if segs[-1][2] == "pau":
            segs[-1][1] = round(duration_s, 4)
        else:
            segs.append([last_end, round(duration_s, 4), "pau"])
    if segs[0][0] > MIN_SEGMENT_S:
        if segs[0][2] == "pau":
            segs[0][0] = 0.0
        else:
            segs.insert(0, [0.0, segs[0][0], "pau"])
    # Merge adjacent silences that trimming or padding made touch.
    merged = [segs[0]]
    for seg in segs[1:]:
        if seg[2] == "pau" and merged[-1][2] == "pau":
            merged[-1][1] = seg[1]
        else:
            merged.append(seg)
    return merged
