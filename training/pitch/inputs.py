"""What a decoder gets of the coded pitch: the 10 ms F0 track rebuilt from the levels a .fxc file
carries (`pitch_inputs`), and that track as network inputs (`pitch_features`)."""
import numpy as np
import torch

from training.pitch import code


def pitch_features(f0_frames: torch.Tensor) -> torch.Tensor:
    """F0 per 10 ms frame (B, N) Hz, 0 unvoiced -> (B, N, 2): [centred log2 F0 (0 unvoiced), voiced]."""
    voiced = (f0_frames > 0).to(f0_frames.dtype)
    logf = (torch.log2(f0_frames.clamp(min=1.0)) - 7.5) * voiced
    return torch.stack([logf, voiced], -1)


def pitch_inputs(f0_sub, device=None, pitch_stride=1, fine=False):
    """The decoder's pitch inputs from the tracker's F0 (B, 8T) numpy: the levels as the bitstream
    carries them (each 80 ms frame's, or with `pitch_stride` 2 each two-frame span's, as .fxc
    version 4 below 5 Hz), rebuilt into the 10 ms track and its phases.

    `fine` (training only): where both the rebuilt track and the tracker call a 10 ms frame voiced,
    the tracker's own F0 replaces the rebuilt one; the voicing stays the coded one. Why: the coded
    levels miss the contour by a median 37 cents, which puts harmonics above about the 8th between
    the original's, and the spectral loss then trains the envelope to silence them (the decoded
    spectrogram keeps harmonics only below ~1.5 kHz). With the harmonics lined up in training the
    envelope can keep them; at run time the coded track drives them, a median 37 cents off, which
    should matter less to a listener than to a spectral distance (not shown: in 59 minutes at a low
    learning rate it added no harmonics, docs/FINE_PITCH.md)."""
    tracks, phases = [], []
    for row_f0 in np.asarray(f0_sub):
        levels = code.frame_levels(row_f0)
        f0 = code.stride_track(code.span_levels(levels, pitch_stride), pitch_stride, len(levels))
        if fine:
            f0 = np.where((f0 > 0) & (row_f0 > 0), row_f0, f0)
        tracks.append(f0)
        phases.append(code.phase_starts(f0))
    as_t = lambda a: torch.from_numpy(np.stack(a).astype(np.float32)).to(device)
    return {'f0_frames': as_t(tracks), 'phase_start': as_t(phases)}
