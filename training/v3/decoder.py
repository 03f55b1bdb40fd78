"""The v3 decoder: a segment's dequantized code -> 20 LPCNet features per 10 ms for FARGAN.

  dequantized segment + length embedding -> expanded to 12.5 Hz with in-segment position and the
  coded pitch -> Transformer layers -> x8 transposed conv (+ the 10 ms pitch track) -> ConvNeXt
  blocks at 100 Hz -> LayerNorm -> one linear head to the 20 features FARGAN reads
  (training/vocoder/native.py): 18 Bark cepstra, the pitch period code, the pitch correlation.

Row j of the output describes the 10 ms around sample 160 j of the decoded span, as row j of
`native.analyse` does, so `native.synthesize(output)` is time-aligned audio. The trunk was first
trained on the earlier family's frozen codes (docs/FEATURE_DECODER.md; its weights,
training/checkpoints/featdec-fp16.pt, are where a new v3 run's decoder starts).
"""
from dataclasses import dataclass

import torch
import torch.nn as nn

from training.layers import ConvNeXtBlock, TransformerBlock
from training.pitch.inputs import pitch_features

# LPCNet features per 10 ms frame (18 Bark cepstra, pitch period code, pitch correlation).
FEATURES = 20
# The cepstra: features 0 .. CEPSTRA - 1.
CEPSTRA = 18
# Index of the pitch period code: period = 256 / 2 ** (code + 1.5) samples (libopus fargan.c).
PITCH = 18
# Index of the pitch correlation (voicing).
CORRELATION = 19


@dataclass
class DecoderConfig:
    latent_channels: int = 28  # dequantized FSQ values a segment (7 groups x 4)
    max_segment_frames: int = 8
    upsample: int = 8  # 10 ms frames per 80 ms frame
    dec_dim: int = 256
    dec_layers: int = 4
    dec_heads: int = 4
    up_dim: int = 192
    up_blocks: int = 4


class FeatureDecoder(nn.Module):
    """Segments -> 12.5 Hz frames -> Transformer -> x8 -> ConvNeXt at 100 Hz -> 20 LPCNet features."""

    def __init__(self, c: DecoderConfig):
        super().__init__()
        self.c = c
        self.inp = nn.Linear(c.latent_channels, c.dec_dim)
        self.len_emb = nn.Embedding(c.max_segment_frames, c.dec_dim)
        self.pos_emb = nn.Embedding(c.max_segment_frames, c.dec_dim)
        self.rel = nn.Linear(2, c.dec_dim)
        self.pitch_in = nn.Linear(2, c.dec_dim)
        self.blocks = nn.ModuleList([TransformerBlock(c.dec_dim, c.dec_heads) for _ in range(c.dec_layers)])
        self.norm = nn.LayerNorm(c.dec_dim)
        self.up = nn.ConvTranspose1d(c.dec_dim, c.up_dim, c.upsample, stride=c.upsample)
        self.pitch_up = nn.Linear(2, c.up_dim)
        self.convnext = nn.Sequential(*[ConvNeXtBlock(c.up_dim) for _ in range(c.up_blocks)])
        self.head_norm = nn.LayerNorm(c.up_dim)
        self.feat_head = nn.Linear(c.up_dim, FEATURES)
        # The head predicts features in units of the training corpus's spread (set by train.py), so
        # that it starts at the corpus mean and no feature's scale swamps the others in its weights.
        self.register_buffer('feat_mean', torch.zeros(FEATURES))
        self.register_buffer('feat_std', torch.ones(FEATURES))
        with torch.no_grad():
            self.feat_head.weight.mul_(0.1)
            self.feat_head.bias.zero_()

    def forward(self, seg_latent, seg_len, frame_seg, frame_pos, f0_frames):
        """
        Args:
            seg_latent (K, latent_channels), seg_len (K,): every segment of the batch, dequantized.
            frame_seg (B, T) long: each 12.5 Hz frame's index into them; frame_pos (B, T) float: its
                position inside its segment.
            f0_frames (B, 8T): the 10 ms F0 track rebuilt from the coded pitch levels (0 unvoiced).
        Returns:
            (B, 8T, 20) LPCNet features.
        """
        return self.head(*self.trunk(seg_latent, seg_len, frame_seg, frame_pos, f0_frames))

    def trunk(self, seg_latent, seg_len, frame_seg, frame_pos, f0_frames):
        """`forward`'s 12.5 Hz half: (Transformer output (B, T, dec_dim), pitch features (B, 8T, 2))."""
        c = self.c
        B, T = frame_seg.shape  # batch, 12.5 Hz frames
        seg = self.inp(seg_latent) + self.len_emb((seg_len - 1).clamp(0, c.max_segment_frames - 1).long())
        x = seg[frame_seg]  # (B, T, dec_dim)
        flen = seg_len[frame_seg]
        x = x + self.pos_emb(frame_pos.clamp(0, c.max_segment_frames - 1).long())
        x = x + self.rel(torch.stack([(frame_pos + 0.5) / flen, flen / c.max_segment_frames], -1))
        pf = pitch_features(f0_frames)  # (B, 8T, 2)
        x = x + self.pitch_in(pf.reshape(B, T, c.upsample, 2).mean(2))
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x), pf

    def head(self, x, pf):
        """`forward`'s 100 Hz half: the trunk's output and pitch features -> (B, 8T, 20) features."""
        x = x.transpose(1, 2)  # (B, dec_dim, T)
        y = self.up(x) + self.pitch_up(pf).transpose(1, 2)  # (B, up_dim, 8T)
        y = self.head_norm(self.convnext(y).transpose(1, 2))  # (B, 8T, up_dim)
        return self.feat_head(y) * self.feat_std + self.feat_mean  # (B, 8T, 20)


@dataclass
class LossWeights:
    cepstra: float = 1.0  # L1 of the 18 cepstra (a log-spectral distance over the Bark bands)
    delta: float = 1.0  # L1 of their frame-to-frame change: the in-segment motion the words need
    pitch: float = 0.5  # L1 of the pitch period code, in frames the target calls voiced
    correlation: float = 1.0  # L1 of the pitch correlation


def feature_loss(pred: torch.Tensor, target: torch.Tensor, w: LossWeights = LossWeights()):
    """pred, target (B, N, 20) -> (loss, {part: float}). L1 in the features' own units (v3 train.py
    `--loss raw`; model.py's `weighted_feature_loss` is the shipped run's)."""
    ceps = (pred[..., :CEPSTRA] - target[..., :CEPSTRA]).abs().mean()
    d_pred = pred[:, 1:, :CEPSTRA] - pred[:, :-1, :CEPSTRA]
    d_true = target[:, 1:, :CEPSTRA] - target[:, :-1, :CEPSTRA]
    delta = (d_pred - d_true).abs().mean()
    voiced = (target[..., CORRELATION] > 0.0).to(pred.dtype)  # correlation above 0.5 (features store corr - 0.5)
    pitch = ((pred[..., PITCH] - target[..., PITCH]).abs() * voiced).sum() / voiced.sum().clamp(min=1.0)
    corr = (pred[..., CORRELATION] - target[..., CORRELATION]).abs().mean()
    loss = w.cepstra * ceps + w.delta * delta + w.pitch * pitch + w.correlation * corr
    return loss, {'cepstra': float(ceps), 'delta': float(delta), 'pitch': float(pitch), 'corr': float(corr)}
