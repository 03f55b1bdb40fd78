"""The runtime's merge in numpy, for export, evaluation and the entropy tables: one place, no model.

`merge_numpy` is the rule of src/core/merge.ts (a segment starts where the cosine similarity of
adjacent merge-stream frames is at or below tau, or where it already holds max_len frames);
`flags_at_rate` picks tau for a target rate as the runtime's slider does (src/core/tau.ts);
`fixed_flags` is the paper's fixed-rate ablation, laid out as the runtime does.
"""
import numpy as np

# Below every cosine (>= -1), so only the max-length rule splits: the lowest rate (src/core/tau.ts).
TAU_NO_BREAKS = -2.0


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


def flags_from_ids(ids):
    flags = np.zeros(len(ids), bool)
    flags[0] = True
    flags[1:] = ids[1:] != ids[:-1]
    return flags


def tau_at_rate(feats, rate, max_len):
    """The tau the runtime's slider picks for `rate` Hz on these merge-stream frames (T, D)
    (src/core/tau.ts `searchTau`): the candidate thresholds are "no break" and each distinct
    similarity; the one whose rate is closest to the target wins, ties going to the higher rate, and
    tau sits halfway to the next candidate, so float differences in the cosine land on the same side."""
    T = feats.shape[0]
    sim = merge_numpy(feats, 1.0, max_len)[0]
    candidates = np.concatenate([[TAU_NO_BREAKS], np.unique(sim[1:][~np.isnan(sim[1:])])])

    def rate_at(i):
        return 12.5 * len(merge_numpy(feats, float(candidates[i]), max_len)[2]) / T

    lo, hi = 0, len(candidates) - 1
    if rate_at(hi) < rate:
        lo = hi
    while lo < hi:  # the smallest candidate whose rate reaches the target
        mid = (lo + hi) // 2
        if rate_at(mid) >= rate:
            hi = mid
        else:
            lo = mid + 1
    pick = lo
    if pick > 0 and rate - rate_at(pick - 1) < rate_at(pick) - rate:
        pick -= 1
    if pick == len(candidates) - 1:
        return max(1.0, float(candidates[pick]))
    return TAU_NO_BREAKS if pick == 0 else float(candidates[pick] + candidates[pick + 1]) / 2


def flags_at_rate(feats, rate, max_len):
    """Boundary flags at the runtime slider's tau for `rate` Hz on this utterance (`tau_at_rate`)."""
    return flags_from_ids(merge_numpy(feats, tau_at_rate(feats, rate, max_len), max_len)[1])


def fixed_flags(T, rate, max_len=8):
    """The paper's fixed-rate ablation as the runtime lays it out (src/core/tau.ts `fixedRateLengths`):
    boundaries at round(k * 12.5 / rate), so the average rate is the target even where 12.5 / rate is
    not a whole number of frames (3 Hz: lengths 4 and 5, not 4 alone)."""
    step = min(max_len, max(1.0, 12.5 / rate))
    flags = np.zeros(T, bool)
    start, k = 0, 1
    while start < T:
        end = min(T, max(start + 1, _round_half_up(k * step)))
        flags[start] = True
        start += min(end - start, max_len)
        k += 1
    return flags


def _round_half_up(x):
    """JavaScript's Math.round (halves go up), which the runtime's layout uses."""
    return int(np.floor(x + 0.5))

