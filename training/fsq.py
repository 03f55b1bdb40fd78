"""Finite scalar quantization as every model family codes it: each latent channel in (-1, 1) rounded to
one of L levels, and each group of channels packed into one code index (digit j weighted by L ** j),
which is what .fxc files carry (docs/FORMAT.md)."""
import torch


def quantize(z: torch.Tensor, levels: int):
    """z in (-1, 1) -> (dequantized values with a straight-through gradient, integer digits 0..L-1)."""
    digits = torch.round((z + 1) * 0.5 * (levels - 1))
    deq = digits / (levels - 1) * 2 - 1
    return z + (deq - z).detach(), digits


def codes_from_digits(digits: torch.Tensor, groups: int, per_group: int, levels: int) -> torch.Tensor:
    """(…, groups * per_group) digits -> (…, groups) code indices."""
    d = digits.reshape(*digits.shape[:-1], groups, per_group)
    w = torch.tensor([levels ** j for j in range(per_group)], dtype=d.dtype, device=d.device)
    return (d * w).sum(-1)


def dequantize_codes(codes: torch.Tensor, groups: int, per_group: int, levels: int) -> torch.Tensor:
    """(…, groups) code indices (float) -> (…, groups * per_group) values in [-1, 1]."""
    L = float(levels)
    digs = []
    for j in range(per_group):
        hi = torch.floor(codes / (L ** j))
        digs.append(hi - L * torch.floor(hi / L))
    d = torch.stack(digs, -1).reshape(*codes.shape[:-1], groups * per_group)
    return d / (L - 1) * 2 - 1
