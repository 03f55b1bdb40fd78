"""FlexiCodec v3: LPCNet features in, LPCNet features out, FARGAN makes the waveform.

Issue 29. The model codes what libopus 1.6.1's FARGAN reads (20 features per 10 ms: 18 Bark
cepstra, pitch period code, pitch correlation; training/vocoder/native.py), so two CPU cores only
have to learn the middle:

  features (B, 8T, 20), normalised by the corpus's mean and spread
    -> merge stream: each 80 ms frame's mean cepstra (B, T, 18); adjacent frames whose cosine
       similarity is above tau merge (the runtime's WGSL kernels decide; `merge_segments` is the twin)
    -> fine stream: conv + ConvNeXt at 100 Hz (B, 8T, enc_dim)
    -> segment pooling (`SegmentPooler`): each segment's fine frames pooled by `queries` attention
       heads, each with a learned bump over the relative position inside the segment, so a code
       carries how the spectrum moves inside its segment, not only its mean (the issue's measurement:
       segment means lose the words)
    -> FSQ: 7 groups of 4 channels x 8 levels = 84 bits a segment (as .fxc version 4 carries)
    -> decoder: expanded back to 12.5 Hz with in-segment position and the coded pitch, Transformer,
       x8 up, ConvNeXt at 100 Hz, linear head to the 20 features (training/v3/decoder.py's
       FeatureDecoder, started from its trained weights)

The pooling reads only the fine stream and the segment lengths, so it runs inside quantizer.onnx
with the segment layout as input (issue 29, point 3).
"""
from dataclasses import asdict, dataclass, replace
import math

import numpy as np

import torch
import torch.nn as nn

from training import fsq
from training.layers import ConvNeXtBlock
from training.merge import frame_positions, merge_segments
from training.v3.decoder import CEPSTRA, CORRELATION, FEATURES, PITCH, DecoderConfig, FeatureDecoder


# What V3Config.merge_on may name: the merge stream is the cepstral means, the fine stream's frame
# means, or the semantic stream's Whisper features.
MERGE_ON = ('cepstra', 'fine', 'whisper')


@dataclass
class V3Config:
    upsample: int = 8  # 10 ms feature frames per 80 ms frame
    max_segment_frames: int = 8
    enc_dim: int = 128
    enc_blocks: int = 4
    queries: int = 4  # attention heads of the segment pooling, each a bump over the segment
    value_dim: int = 64
    quant_hidden: int = 384
    fsq_levels: int = 8
    fsq_channels_per_group: int = 4
    code_groups: int = 7
    dec_dim: int = 256
    dec_layers: int = 4
    dec_heads: int = 4
    up_dim: int = 192
    up_blocks: int = 4
    # What the runtime's merge compares: 'cepstra', each 80 ms frame's mean normalised cepstra (model
    # 12f4d951), or 'fine', each frame's mean of the learned fine stream (training/studies/
    # merge_feature_proxy.py: on the 'valid' split it ties the fixed layout at 3 Hz, where the
    # cepstral means lose to it), or 'whisper', the semantic stream's Whisper features themselves
    # (needs semantic='whisper': one asr.onnx pass serves the encoder and the merge; on 60 held-out
    # files the spread layout cut on them instead of the cepstra lost no words and gained STOI).
    merge_on: str = 'cepstra'
    # Rate-dependent code groups: at a target rate (the slider's) below `reduced_below_hz` a segment
    # carries only its first `reduced_groups` code groups, the others read as absent (latent 0, code
    # -1 in decoder.onnx); 0 means every rate carries all. The low rates keep their bit budgets
    # (6.25 Hz <= 700 bit/s, 3 Hz <= 350) while 12.5 Hz spends the headroom it had (1114 of 1500
    # bit/s with 7 groups); models.json `reducedCodeGroups`.
    reduced_groups: int = 0
    reduced_below_hz: float = 9.0
    # How the merge stream is cut into segments at a target rate (training/segments.py LAYOUTS):
    # 'threshold', the paper's rule (a segment starts where adjacent frames' cosine is at or below a
    # tau the slider searches); 'spread', exactly round(T * rate / 12.5) segments placed by dynamic
    # programming where the least in-segment cosine spread is lost (training/studies/
    # segmentation_search.py: the threshold rule spends a third of its segments on single frames at
    # transitions and loses to the fixed layout). models.json `layout`.
    layout: str = 'threshold'
    # The spread layout's cost of a segment of l frames adds this * l^2, so that the decoder's error,
    # which grows with a segment's length whatever its spread, keeps long segments for the steady
    # parts (segmentation_search.py, speech frames of 'valid' at 3 Hz: 0.644 c0-c5 L1 without it, 0.612
    # at 0.05, fixed layout 0.639). models.json `layoutLengthPenalty`.
    spread_length_penalty: float = 0.0
    # The paper's semantic stream (issue 29, item 2): '' or 'whisper', Whisper tiny.en's 12.5 Hz features
    # (the runtime's asr.onnx, training/v3/asr_cache.py) projected into the fine stream, so every code
    # group may carry what the recogniser hears. No bits are added: the codes stay as they are.
    semantic: str = ''
    semantic_dim: int = 384

    def __post_init__(self):
        if self.merge_on not in MERGE_ON:
            raise ValueError(f'V3Config.merge_on {self.merge_on!r}: one of {", ".join(MERGE_ON)}')
        if self.merge_on == 'whisper' and self.semantic != 'whisper':
            raise ValueError("V3Config.merge_on 'whisper' merges on the semantic stream's features: it needs "
                             f"semantic='whisper', not {self.semantic!r}")

    @property
    def latent_channels(self) -> int:
        return self.code_groups * self.fsq_channels_per_group

    def groups_at(self, rate_hz: float) -> int:
        """Code groups a segment carries when the file's target rate is rate_hz."""
        return self.reduced_groups if self.reduced_groups and rate_hz < self.reduced_below_hz else self.code_groups

    @property
    def max_fine(self) -> int:
        """10 ms frames in the longest segment."""
        return self.upsample * self.max_segment_frames

    def decoder_config(self) -> DecoderConfig:
        return DecoderConfig(latent_channels=self.latent_channels, max_segment_frames=self.max_segment_frames,
                             upsample=self.upsample, dec_dim=self.dec_dim, dec_layers=self.dec_layers,
                             dec_heads=self.dec_heads, up_dim=self.up_dim, up_blocks=self.up_blocks)


class FineEncoder(nn.Module):
    """Normalised features (B, N, 20) [and the semantic stream (B, N / 8, semantic_dim)] -> the fine
    stream (B, N, enc_dim) at 100 Hz."""

    def __init__(self, c: V3Config):
        super().__init__()
        self.upsample = c.upsample
        self.inp = nn.Conv1d(FEATURES, c.enc_dim, 3, padding=1)
        if c.semantic:
            # Added to the input conv's output, each 80 ms frame's vector on its eight 10 ms frames.
            # The projection starts at zero, so a model widened with it codes exactly as before.
            self.semantic_norm = nn.LayerNorm(c.semantic_dim)
            self.semantic_proj = nn.Linear(c.semantic_dim, c.enc_dim)
            nn.init.zeros_(self.semantic_proj.weight)
            nn.init.zeros_(self.semantic_proj.bias)
        self.blocks = nn.Sequential(*[ConvNeXtBlock(c.enc_dim) for _ in range(c.enc_blocks)])
        self.norm = nn.LayerNorm(c.enc_dim)

    def forward(self, x, semantic=None):
        h = self.inp(x.transpose(1, 2))
        if hasattr(self, 'semantic_proj'):
            if semantic is None:
                raise ValueError('this model reads the semantic stream: pass its 12.5 Hz features')
            s = self.semantic_proj(self.semantic_norm(semantic))  # (B, T, enc_dim)
            h = h + torch.repeat_interleave(s, self.upsample, dim=1).transpose(1, 2)
        return self.norm(self.blocks(h).transpose(1, 2))


def merge_stream(x_norm: torch.Tensor, upsample: int = 8) -> torch.Tensor:
    """Normalised features (B, 8T, 20) -> each 80 ms frame's mean normalised cepstra (B, T, 18)."""
    B, N, _ = x_norm.shape
    return x_norm[..., :CEPSTRA].reshape(B, N // upsample, upsample, CEPSTRA).mean(2)


def fine_frame_means(fine: torch.Tensor, upsample: int = 8) -> torch.Tensor:
    """The fine stream (B, 8T, enc_dim) -> each 80 ms frame's mean (B, T, enc_dim): `merge_on='fine'`."""
    B, N, D = fine.shape
    return fine.reshape(B, N // upsample, upsample, D).mean(2)


class SegmentPooler(nn.Module):
    """Each segment's 10 ms frames of the fine stream -> one vector (K, queries * value_dim).

    Head q scores frame j of a segment as w_q . h_j - exp(s_q) (r_j - c_q)^2, where r_j in (0, 1) is
    the frame's relative position inside the segment and c_q starts at (q + 1/2) / queries: a learned
    bump, so the heads sample the segment's trajectory at its quarters and may also follow content.
    Written with gathers of a fixed width (the longest segment's 64 frames), so the same code trains
    on a batch and exports to ONNX with dynamic segment counts."""

    def __init__(self, c: V3Config):
        super().__init__()
        self.c = c
        self.score = nn.Linear(c.enc_dim, c.queries)
        self.value = nn.Linear(c.enc_dim, c.value_dim)
        self.centres = nn.Parameter(torch.tensor([(q + 0.5) / c.queries for q in range(c.queries)]))
        self.log_sharpness = nn.Parameter(torch.full((c.queries,), math.log(4.0 * c.queries ** 2)))

    def forward(self, h_flat: torch.Tensor, seg_start: torch.Tensor, seg_len: torch.Tensor):
        """h_flat (N, enc_dim): the fine stream, rows of a batch one after another; seg_start (K,) long:
        each segment's first 80 ms frame in that flattened order; seg_len (K,) float frames (1..8)."""
        c = self.c
        j = torch.arange(c.max_fine, device=h_flat.device)  # (W,)
        fine_len = seg_len * c.upsample  # (K,)
        # zero rows after the last frame, so a segment's window never indexes past the end (the last
        # segment's frames beyond its length are masked); no clamp, whose bound ONNX would freeze
        h_pad = torch.cat([h_flat, torch.zeros(c.max_fine, h_flat.shape[1], dtype=h_flat.dtype, device=h_flat.device)])
        idx = seg_start[:, None] * c.upsample + j[None, :]  # (K, W)
        h = h_pad[idx]  # (K, W, enc_dim)
        inside = j[None, :].to(seg_len.dtype) < fine_len[:, None]  # (K, W)
        rel = (j[None, :].to(seg_len.dtype) + 0.5) / fine_len[:, None]  # (K, W)
        s = self.score(h) - torch.exp(self.log_sharpness) * (rel[..., None] - self.centres) ** 2  # (K, W, Q)
        s = torch.where(inside[..., None], s, torch.full_like(s, -1e4))
        a = torch.softmax(s, dim=1)  # (K, W, Q)
        pooled = torch.einsum('kwq,kwd->kqd', a, self.value(h))  # (K, Q, value_dim)
        return pooled.reshape(pooled.shape[0], -1)


class SegmentQuantizer(nn.Module):
    """Pooled segment + length -> FSQ latent in (-1, 1) -> digits and code indices."""

    def __init__(self, c: V3Config):
        super().__init__()
        self.c = c
        self.pool = SegmentPooler(c)
        self.len_emb = nn.Embedding(c.max_segment_frames, 64)
        self.proj = nn.Sequential(nn.Linear(c.queries * c.value_dim + 64, c.quant_hidden), nn.GELU(),
                                  nn.Linear(c.quant_hidden, c.quant_hidden), nn.GELU(),
                                  nn.Linear(c.quant_hidden, c.latent_channels))

    def latent(self, h_flat, seg_start, seg_len):
        le = self.len_emb((seg_len - 1).clamp(0, self.c.max_segment_frames - 1).long())
        return torch.tanh(self.proj(torch.cat([self.pool(h_flat, seg_start, seg_len), le], -1)))

    def quantize(self, z):
        """z in (-1, 1) -> (dequantized with a straight-through gradient, digits 0..L-1)."""
        return fsq.quantize(z, self.c.fsq_levels)

    def codes_from_digits(self, digits):
        """(…, groups * 4) digits -> (…, groups) code indices, digit j weighted by L ** j (as .fxc)."""
        return fsq.codes_from_digits(digits, self.c.code_groups, self.c.fsq_channels_per_group, self.c.fsq_levels)

    def dequantize_codes(self, codes):
        """(…, groups) code indices (float) -> (…, latent_channels) values in [-1, 1]."""
        return fsq.dequantize_codes(codes, self.c.code_groups, self.c.fsq_channels_per_group, self.c.fsq_levels)


def drop_absent_groups(zq: torch.Tensor, groups: torch.Tensor, per_group: int) -> torch.Tensor:
    """zq (K, C) with each segment's channels beyond its `groups` (K,) code groups set to 0: what the
    decoder reads for groups a file does not carry (0 is no FSQ level, so absent is unambiguous)."""
    channel_group = torch.arange(zq.shape[-1], device=zq.device) // per_group
    return zq * (channel_group[None, :] < groups[:, None]).to(zq.dtype)


def widen_code_groups(weights: dict, c: V3Config) -> dict:
    """A checkpoint's weights with fewer code groups -> weights for config c: the quantizer's output
    layer gains rows for the new channels (small random, so they start near the middle level) and
    the decoder's input layer gains zero columns, so the widened model decodes exactly as before
    until training teaches it to read the new groups."""
    out = dict(weights)
    w, b = weights['quantizer.proj.4.weight'], weights['quantizer.proj.4.bias']
    new = c.latent_channels - w.shape[0]
    if new <= 0:
        return out
    g = torch.Generator().manual_seed(0)
    out['quantizer.proj.4.weight'] = torch.cat([w, 0.02 * torch.randn(new, w.shape[1], generator=g)])
    out['quantizer.proj.4.bias'] = torch.cat([b, torch.zeros(new)])
    d = weights['decoder.inp.weight']
    out['decoder.inp.weight'] = torch.cat([d, torch.zeros(d.shape[0], new)], 1)
    return out


def segment_layout(flags: torch.Tensor):
    """flags (B, T) bool, True where a segment starts -> (seg_id (B, T) global, seg_start (K,) in the
    flattened frame order, seg_len (K,) float)."""
    flat = flags.reshape(-1)
    seg_start = torch.nonzero(flat).reshape(-1)
    ends = torch.cat([seg_start[1:], torch.tensor([flat.numel()], device=flat.device)])
    seg_len = (ends - seg_start).to(torch.float32)
    seg_id = (torch.cumsum(flat.long(), 0) - 1).view(flags.shape)
    return seg_id, seg_start, seg_len


class CodecV3(nn.Module):
    def __init__(self, c: V3Config):
        super().__init__()
        self.c = c
        self.encoder = FineEncoder(c)
        self.quantizer = SegmentQuantizer(c)
        self.decoder = FeatureDecoder(c.decoder_config())
        # The corpus's per-feature mean and spread (set by train.py from the training split): inputs
        # are normalised by them, and the decoder's head predicts in their units.
        self.register_buffer('feat_mean', torch.zeros(FEATURES))
        self.register_buffer('feat_std', torch.ones(FEATURES))

    def set_feature_stats(self, mean, std):
        self.feat_mean.copy_(mean)
        self.feat_std.copy_(std)
        self.decoder.feat_mean.copy_(mean)
        self.decoder.feat_std.copy_(std)

    def normalise(self, feats):
        return (feats - self.feat_mean) / self.feat_std

    def encode_streams(self, feats, semantic=None):
        """feats (B, 8T, 20) [, semantic (B, T, semantic_dim) when V3Config.semantic] -> (merge stream
        (B, T, 18 | enc_dim | semantic_dim by merge_on), fine stream (B, 8T, enc_dim))."""
        x = self.normalise(feats)
        fine = self.encoder(x, semantic)  # refuses a missing semantic stream for a model that reads it
        if self.c.merge_on == 'whisper':
            # The features as given, not normalised: the runtime cuts asr.onnx's rows as they come.
            return semantic, fine
        if self.c.merge_on == 'fine':
            return fine_frame_means(fine, self.c.upsample), fine
        return merge_stream(x, self.c.upsample), fine

    def code(self, fine, flags, rates=None):
        """The fine stream and a segment layout -> (zq (K, C), digits (K, C), seg_len, seg_id, positions).
        rates (B,): each crop's target rate, whose absent code groups (`groups_at`) read as 0 in zq."""
        seg_id, seg_start, seg_len = segment_layout(flags)
        z = self.quantizer.latent(fine.reshape(-1, fine.shape[-1]), seg_start, seg_len)
        zq, digits = self.quantizer.quantize(z)
        if rates is not None and self.c.reduced_groups:
            groups = torch.tensor([self.c.groups_at(float(r)) for r in rates], device=zq.device)
            zq = drop_absent_groups(zq, groups[seg_start // flags.shape[1]], self.c.fsq_channels_per_group)
        return zq, digits, seg_len, seg_id, frame_positions(flags)

    def decode_segments(self, zq, seg_len, seg_id, pos, f0_frames):
        """Dequantized segments, their layout and the coded pitch track -> (B, 8T, 20) features."""
        return self.decoder(zq, seg_len, seg_id, pos, f0_frames)

    def layout_flags(self, merge, rates):
        """The model's layout (`V3Config.layout`) of each crop's merge stream (B, T, D) at its target
        rate -> (B, T) bool boundary flags (numpy on the CPU, as the runtime's twin)."""
        from training.segments import layout_flags

        x = merge.detach().cpu().numpy()
        return torch.from_numpy(np.stack([layout_flags(x[b], float(r), self.c.max_segment_frames, self.c.layout,
                                                       self.c.spread_length_penalty)
                                          for b, r in enumerate(rates)])).to(merge.device)

    def forward(self, feats, tau, f0_frames, rates=None, flags=None, semantic=None):
        """feats (B, 8T, 20), tau (B,), f0_frames (B, 8T) the coded 10 ms pitch track, rates (B,) the
        target rates the taus were drawn for (which code groups each crop carries); flags (B, T), a
        layout to use instead of tau's threshold merge; semantic (B, T, semantic_dim) -> (features, stats)."""
        merge, fine = self.encode_streams(feats, semantic)
        if flags is None:
            flags = merge_segments(merge, tau, self.c.max_segment_frames)[2]
        n_seg = int(flags.sum())
        zq, _, seg_len, seg_id, pos = self.code(fine, flags, rates)
        return self.decoder(zq, seg_len, seg_id, pos, f0_frames), {'segments': n_seg, 'frames': flags.numel()}


def config_dict(c: V3Config) -> dict:
    return asdict(c)


def with_merge_on(m: 'CodecV3', merge_on: str) -> 'CodecV3':
    """m cutting its layouts on another merge stream than it trained on (export.py's `--merge-on`;
    golden.py follows it). Nothing learnt reads the merge stream, only the layout does, so the weights
    stay as they are; V3Config checks the stream is there (semantic for 'whisper'). evaluate.py's
    zero-shot `--merge-on whisper` cuts Whisper's rows itself, since it also serves models without
    the semantic stream, which this refuses."""
    m.c = replace(m.c, merge_on=merge_on)
    return m


# The cepstra whose motion inside an 80 ms frame carries the words. Measured on 20 LJ Speech training
# clips through FARGAN (training/studies/motion_sensitivity.py): holding c0-c5 at their 80 ms means
# added 24.3 Whisper-WER points, holding c6-c17 there 1.4.
WORD_CEPSTRA = 6


def weighted_feature_loss(pred, target, std, word_weight=2.0, rest_weight=0.5):
    """L1 in units of each cepstrum's corpus spread, c0-c5 weighted `word_weight` and c6-c17
    `rest_weight`, on the values and on their frame-to-frame changes; the pitch code (voiced frames)
    and correlation as training/v3/decoder.py `feature_loss`. pred, target (B, N, 20); std (20,)."""
    w = torch.full((CEPSTRA,), rest_weight, dtype=pred.dtype, device=pred.device)
    w[:WORD_CEPSTRA] = word_weight
    w = w / std[:CEPSTRA]
    err = pred[..., :CEPSTRA] - target[..., :CEPSTRA]
    ceps = (err.abs() * w).mean()
    delta = ((err[:, 1:] - err[:, :-1]).abs() * w).mean()
    voiced = (target[..., CORRELATION] > 0.0).to(pred.dtype)
    pitch = ((pred[..., PITCH] - target[..., PITCH]).abs() * voiced).sum() / voiced.sum().clamp(min=1.0)
    corr = (pred[..., CORRELATION] - target[..., CORRELATION]).abs().mean()
    loss = ceps + delta + 0.5 * pitch + corr
    return loss, {'cepstra_w': float(ceps), 'delta_w': float(delta), 'pitch': float(pitch), 'corr': float(corr),
                  'cepstra': float(err.abs().mean()), 'low_cepstra': float(err[..., :WORD_CEPSTRA].abs().mean())}
