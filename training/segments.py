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



def spread_costs(feats, max_len, length_penalty=0.0):
    """costs (T, max_len): costs[e, l-1] is the spread of the segment of the l frames ending at frame e
    (frames e-l+1..e), l - |sum of their unit vectors|^2 / l, so l times one minus their mean pairwise
    cosine, self-pairs included, plus length_penalty * l^2 (V3Config.spread_length_penalty); inf where
    the segment would start before frame 0. Float64 with every
    sum in the order of the runtime's twin (src/core/spread-layout.ts: dimensions in order, frames from
    e backwards), so both pick the same layout, ties included."""
    x = np.asarray(feats, np.float64)
    T, D = x.shape
    norm2 = np.zeros(T)
    for d in range(D):
        norm2 += x[:, d] * x[:, d]
    u = x / np.maximum(np.sqrt(norm2), 1e-8)[:, None]
    costs = np.full((T, max_len), np.inf)
    acc = np.zeros_like(u)
    for l in range(1, min(max_len, T) + 1):
        acc[l - 1:] += u[:T - l + 1]  # acc[e] = u[e] + u[e-1] + ... + u[e-l+1]
        q = np.zeros(T - l + 1)
        for d in range(D):
            q += acc[l - 1:, d] * acc[l - 1:, d]
        costs[l - 1:, l - 1] = l - q / l + length_penalty * l * l
    return costs


def spread_segments_at_rate(T, rate, max_len):
    """The segment count of the spread layout at `rate` Hz over T frames: round(T * rate / 12.5), halves
    up, within [ceil(T / max_len), T]."""
    return min(T, max(-(-T // max_len), _round_half_up(T * rate / 12.5), 1 if T else 0))


def spread_flags(costs, segments):
    """Boundary flags of the layout of exactly `segments` segments, each at most max_len frames, with the
    least total spread (dynamic programming over (segments, end frame)). Ties go to the shorter last
    segment, as in the runtime's twin."""
    T, L = costs.shape
    K = segments
    best = np.full((K + 1, T + 1), np.inf)
    back = np.zeros((K + 1, T + 1), np.int64)
    best[0, 0] = 0.0
    for e in range(1, T + 1):
        n = min(L, e)
        starts = e - np.arange(1, n + 1)  # segment of l = 1..n frames ending at frame e - 1
        tot = best[:K, starts] + costs[e - 1, :n][None, :]
        j = np.argmin(tot, axis=1)
        best[1:, e] = tot[np.arange(K), j]
        back[1:, e] = starts[j]
    flags = np.zeros(T, bool)
    e = T
    for k in range(K, 0, -1):
        e = back[k, e]
        flags[e] = True
    return flags


def spread_flags_at_rate(feats, rate, max_len, length_penalty=0.0):
    """The spread layout of these merge-stream frames (T, D) at `rate` Hz: exactly
    `spread_segments_at_rate` segments placed where the frames change most."""
    T = feats.shape[0]
    if T == 0:
        return np.zeros(0, bool)
    return spread_flags(spread_costs(feats, max_len, length_penalty), spread_segments_at_rate(T, rate, max_len))


# The segmentations a model may be trained and shipped with (V3Config.layout, models.json `layout`).
LAYOUTS = {'threshold': flags_at_rate, 'spread': spread_flags_at_rate}


def layout_flags(feats, rate, max_len, layout='threshold', length_penalty=0.0):
    """Boundary flags of `layout` on merge-stream frames (T, D) at `rate` Hz (`length_penalty`: the
    spread layout's, V3Config.spread_length_penalty)."""
    if layout == 'spread':
        return spread_flags_at_rate(feats, rate, max_len, length_penalty)
    return LAYOUTS[layout](feats, rate, max_len)
