"""Bootstrap confidence intervals over files, for the judge's numbers.

Why: the report and the A/Bs score 30-60 files, and one file's transcript can move a corpus WER by
several points. An interval says which differences a run can tell from that noise. Files are
resampled with replacement (the file, not the word, is the unit: a file's words fail together);
corpus WER is a ratio of sums (word errors / reference words), a mean over files the same ratio
with a denominator of 1 per file. A paired interval resamples the same files for both conditions,
so what two conditions share (a hard file) cancels.
"""

import numpy as np

from .text import word_errors

# Resamples per interval: enough for stable 2.5 / 97.5 percentiles, fast for 60 files.
DRAWS = 2000
LEVEL = 0.95


def file_word_errors(references, hypotheses, normalize):
    """Per-file (word errors, reference words) after `normalize`, as corpus WER counts them."""
    errors, words = [], []
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref_words = normalize(reference).split()
        errors.append(word_errors(ref_words, normalize(hypothesis).split()))
        words.append(len(ref_words))
    return np.asarray(errors, float), np.asarray(words, float)


def _resamples(count, draws, seed):
    if count == 0:
        raise ValueError("no files to resample")
    return np.random.default_rng(seed).integers(0, count, size=(draws, count))


def _percentiles(values, level):
    tail = 50.0 * (1.0 - level)
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def _ratio(numerators, denominators, picks):
    """sum(numerators) / sum(denominators) (1 per file when None) over each row of file indices `picks`."""
    num = np.asarray(numerators, float)
    den = np.ones_like(num) if denominators is None else np.asarray(denominators, float)
    return num[picks].sum(-1) / np.maximum(den[picks].sum(-1), 1e-12)


def ratio_interval(numerators, denominators=None, draws=DRAWS, level=LEVEL, seed=0):
    """Percentile interval of sum(numerators) / sum(denominators) over files resampled with replacement
    (denominators default to 1 per file: the interval of a mean)."""
    return _percentiles(_ratio(numerators, denominators, _resamples(len(numerators), draws, seed)), level)


def paired_difference(num_a, num_b, den_a=None, den_b=None, draws=DRAWS, level=LEVEL, seed=0):
    """(a − b, low, high): the difference of two ratios over the same files, and its percentile
    interval with both conditions resampled on the same draws of files."""
    if len(num_a) != len(num_b):
        raise ValueError(f"paired conditions need the same files ({len(num_a)} against {len(num_b)})")
    every = np.arange(len(num_a))
    point = _ratio(num_a, den_a, every) - _ratio(num_b, den_b, every)
    picks = _resamples(len(num_a), draws, seed)
    return (float(point), *_percentiles(_ratio(num_a, den_a, picks) - _ratio(num_b, den_b, picks), level))
