"""The runtime's merge in numpy, for export, evaluation and the entropy tables: one place, no model.

`merge_numpy` is the rule of src/core/merge.ts (a segment starts where the cosine similarity of
adjacent merge-stream frames is at or below tau, or where it already holds max_len frames);
`flags_at_rate` bisects tau to a target rate, as the runtime's slider does (src/core/tau.ts);
`fixed_flags` is the paper's fixed-rate ablation.
"""
import numpy as np


def merge_numpy(sem, tau, max_len):
    """Reference merge for export-time tensors (same rule as src/core/merge.ts)."""
    T = sem.shape[0]
    n = np.linalg.norm(sem, axis=1)
    sim = np.full(T, -1.0, np.float32)
    sim[1:] = (sem[1:] * sem[:-1]).sum(1) / np.maximum(n[1:] * n[:-1], 1e-8)
    flags = np.zeros(T, bool)
    run = 0
    for t in range(T):
        if t == 0 or sim[t] <= tau:
            run = t
        flags[t] = (t - run) % max_len == 0
    ids = np.cumsum(flags) - 1
    K = int(flags.sum())
    lengths = np.bincount(ids, minlength=K).astype(np.float32)
    pos = np.zeros(T, np.float32)
    for t in range(1, T):
        pos[t] = 0 if flags[t] else pos[t - 1] + 1
    return sim, ids.astype(np.int32), lengths, pos


def flags_at_rate(feats, rate, max_len):
    """Boundary flags of the merge at the tau (bisection) that gives `rate` Hz on this utterance."""
    T = feats.shape[0]
    lo, hi = -1.0, 1.0
    best = None
    for _ in range(40):
        tau = (lo + hi) / 2
        _, ids, lengths, _ = merge_numpy(feats, tau, max_len)
        r = 12.5 * len(lengths) / T
        best = ids
        if abs(r - rate) < 1e-3:
            break
        if r > rate:
            hi = tau
        else:
            lo = tau
    flags = np.zeros(T, bool)
    flags[0] = True
    flags[1:] = best[1:] != best[:-1]
    return flags


def fixed_flags(T, rate):
    n = max(1, int(round(12.5 / rate)))
    return (np.arange(T) % n) == 0
