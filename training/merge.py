"""The runtime's merge as torch ops on a training batch, and the taus that give a target rate.

`merge_segments` is the training-time twin of src/core/merge.ts (training/segments.py has the numpy
one export and evaluation use); `draw_tau` and `rate_tau` set each crop's tau from its own
similarities, so that one model is trained across the whole slider range.
"""
import random

import torch
import torch.nn.functional as F

# Share of crops coded at the full 12.5 Hz (tau = 1).
FULL_RATE_SHARE = 0.2


def merge_segments(sem: torch.Tensor, tau: torch.Tensor, max_len: int):
    """Training-time twin of src/core/merge.ts for a batch.

    Args: sem (B, T, D); tau (B,) thresholds.
    Returns: seg_id (B, T) long, global across the batch; n_seg (int); flags (B, T) bool.
    """
    B, T, _ = sem.shape
    sim = F.cosine_similarity(sem[:, 1:], sem[:, :-1], dim=-1, eps=1e-8)  # (B, T-1)
    brk = torch.ones(B, T, dtype=torch.bool, device=sem.device)
    brk[:, 1:] = sim <= tau[:, None]
    t_idx = torch.arange(T, device=sem.device)[None, :].expand(B, T)
    run_start = torch.cummax(torch.where(brk, t_idx, torch.zeros_like(t_idx)), dim=1).values
    flags = ((t_idx - run_start) % max_len) == 0
    seg_id = torch.cumsum(flags.long().flatten(), 0) - 1  # global ids in row-major order
    return seg_id.view(B, T), int(flags.sum()), flags


def frame_positions(flags: torch.Tensor):
    """flags (B, T) bool -> 0-based position of each frame inside its segment, (B, T) float."""
    B, T = flags.shape
    t_idx = torch.arange(T, device=flags.device)[None, :].expand(B, T)
    start = torch.cummax(torch.where(flags, t_idx, torch.zeros_like(t_idx)), dim=1).values
    return (t_idx - start).float()


def draw_rates(n, rng: random.Random, min_rate=3.0):
    """n target rates as the slider's users pick them: FULL_RATE_SHARE at 12.5 Hz, the rest uniform
    in [min_rate, 12.5] Hz."""
    return [12.5 if rng.random() < FULL_RATE_SHARE else rng.uniform(min_rate, 12.5) for _ in range(n)]


def taus_at_rates(merge, rates, max_len=8):
    """Per crop, the tau the runtime's slider picks for its target rate (training/segments.py
    `tau_at_rate`, the twin of src/core/tau.ts). merge (B, T, D), rates [B] -> (B,)."""
    from training.segments import tau_at_rate

    x = merge.detach().cpu().numpy()
    taus = [1.0 if r >= 12.5 else tau_at_rate(x[b], r, max_len) for b, r in enumerate(rates)]
    return torch.tensor(taus, dtype=merge.dtype)


def draw_tau(merge, rng: random.Random, min_rate=3.0, max_len=8):
    """Per crop, the tau the runtime's slider picks for a random target rate (`draw_rates`), so
    training sees the layouts the slider makes, down to min_rate. merge (B, T, D) -> (B,).

    Until session 19 the tau counted similarity breaks only; the max-length splits then pushed a
    3 Hz draw to about 3.6 Hz, so the model hardly ever trained on the slider's lowest rates."""
    return taus_at_rates(merge, draw_rates(merge.shape[0], rng, min_rate), max_len)


def rate_tau(merge, rate):
    """tau per crop for a fixed target rate, counting similarity breaks only (the max-length splits
    come on top: about 3.6 Hz for 3); kept as it was for the validation losses the logs compare."""
    B, T, _ = merge.shape
    if rate >= 12.5:
        return torch.ones(B)
    sim = F.cosine_similarity(merge[:, 1:], merge[:, :-1], dim=-1, eps=1e-8)
    breaks = int(round(rate / 12.5 * T)) - 1
    return torch.sort(sim, dim=1).values[:, breaks - 1]
