"""Transcript normalisation and word error rate.

Normalisation (applied to references and recognizer output alike): lowercase; drop bracketed
notes ([...], <...>, (...)); digits spoken out as words ("press 1" -> "press one", "162" ->
"one hundred sixty two") because pocketsphinx outputs words; "*" -> "star", "#" -> "pound";
hyphens and slashes split words; other punctuation removed except apostrophes inside words.
"""

import re

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))


def number_to_words(value):
    """Cardinal English words for a non-negative integer ("one hundred sixty two")."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    for scale, word in _SCALES:
        if value >= scale:
            head, rest = divmod(value, scale)
            return number_to_words(head) + " " + word + ("" if rest == 0 else " " + number_to_words(rest))
    raise ValueError(value)


def normalize_text(text):
    """Lowercase word string used for WER scoring."""
    text = text.lower()
    text = re.sub(r"\[[^\]]*\]|<[^>]*>|\([^)]*\)", " ", text)
    text = text.replace("*", " star ").replace("#", " pound ")
    text = re.sub(r"\d+", lambda m: " " + number_to_words(int(m.group())) + " ", text)
    text = re.sub(r"[-/_]", " ", text)
    text = re.sub(r"[^a-z' ]", " ", text)
    words = [w.strip("'") for w in text.split()]
    return " ".join(w for w in words if w)


def word_errors(reference, hypothesis):
    """Levenshtein distance (substitutions + deletions + insertions) between two word lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
        previous = current
    return previous[-1]


def corpus_wer(references, hypotheses, normalize=normalize_text):
    """Corpus WER in percent: total word errors / total reference words (texts are normalised first,
    by `normalize`: this module's for pocketsphinx, Whisper's for the Whisper judge)."""
    errors = words = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref_words = normalize(reference).split()
        errors += word_errors(ref_words, normalize(hypothesis).split())
        words += len(ref_words)
    return 100.0 * errors / max(words, 1)
