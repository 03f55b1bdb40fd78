"""FlexiCodec-style dynamic-frame-rate speech codec, sized for CPU training.

Streams at 12.5 Hz (1280 samples a frame):
  semantic: log-mel -> conv stack -> 64-d embedding trained as a phone classifier (cosine head),
            so the cosine similarity of adjacent frames is high inside a phone and low across phones.
  acoustic: log-mel -> conv stack -> 128-d.
Merge (runtime: WGSL kernels / TS twin; training: `merge_segments`): a segment starts where
cos(m[t-1], m[t]) <= tau or where it already holds 8 frames; segments are mean-pooled. The merge
stream m is `Config.merge_on`: the phone embedding itself ('semantic', the paper's choice and the
first models'), or the frame's log-mel band means less a fixed corpus mean ('log-mel'), which put
boundaries nearer phone changes and decoded better (docs/SEMANTIC.md); then the phone embedding
rides with the acoustic stream into the pooled means instead. 'whisper' merges on a frozen ASR
encoder's 12.5 Hz features, as the paper does (Whisper tiny.en, training/whisper/; computed outside
the codec, by asr.onnx at run time and precomputed for training); the log-mel means then ride in the
pooled stream, and the ASR segment mean joins the phone embedding at the semantic code group.
Quantizer: segment means + length -> 7 FSQ groups of 4 channels x 8 levels (group 0 from the
semantic mean only, as the paper's first codebook) = 84 bits a segment.
Decoder: dequantized segment -> expanded back to 12.5 Hz with in-segment position -> Transformer
at 12.5 Hz -> x8 upsample -> ConvNeXt at 100 Hz -> iSTFT head (Vocos style), iSTFT as a
transposed conv with a DFT basis so it exports to ONNX. With `Config.pitch`, each 80 ms
frame carries a pitch level (training/pitch/), the decoder gets the 10 ms F0 track rebuilt from the levels,
and a harmonic synthesiser (`HarmonicSynth`, DDSP style) adds the voiced part: sinusoids at
multiples of F0 whose amplitudes the network reads off a predicted spectral envelope. The iSTFT
head alone could not make harmonics (docs/QUALITY.md: none above 600 Hz).
"""
import contextlib
from dataclasses import dataclass, field
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

from training import fsq
from training.layers import ConvNeXtBlock, TransformerBlock
from training.merge import frame_positions, merge_segments
from training.pitch.inputs import pitch_features, pitch_inputs


@dataclass
class Config:
    sample_rate: int = 16000
    frame_samples: int = 1280  # 12.5 Hz
    hop: int = 160  # mel and iSTFT hop, 100 Hz
    n_fft: int = 512  # analysis window of the log-mel front end
    n_mels: int = 80
    sem_dim: int = 64
    ac_dim: int = 128
    n_phones: int = 64  # size of the phone inventory (set from data)
    enc_channels: int = 192
    sem_blocks: int = 4
    ac_blocks: int = 3
    fsq_levels: int = 8
    fsq_channels_per_group: int = 4
    code_groups: int = 7
    semantic_code_groups: int = 1
    max_segment_frames: int = 8
    dec_dim: int = 256
    dec_layers: int = 4
    dec_heads: int = 4
    up_dim: int = 192
    up_blocks: int = 4
    istft_n_fft: int = 640
    merge_on: str = 'semantic'  # or 'log-mel' or 'whisper'; see the module docstring
    asr_dim: int = 384  # width of the ASR features when merge_on == 'whisper' (Whisper tiny.en)
    detail_subframes: int = 0  # sub-frames a 12.5 Hz frame is cut into for `frame_detail` (0: no detail)
    detail_bands: int = 40  # mel bands of `frame_detail` (adjacent pairs of the 80 averaged)
    pitch: bool = False  # a pitch level per 80 ms frame drives a harmonic synthesiser beside the iSTFT head
    harmonics: int = 64  # harmonics the synthesiser sums (those above HARMONIC_CEILING_HZ are silent)
    envelope_hz: float = 50.0  # spacing of the predicted harmonic-amplitude envelope, 0 .. sample_rate / 2
    # gain of the iSTFT head's output in voiced frames, with `pitch`: the harmonics carry voiced
    # speech, the iSTFT head the noise in it (docs/PITCH.md: trained freely, the head kept the
    # voiced frames as shaped noise, which the spectral loss prefers and STOI, PESQ and pitch do not)
    voiced_noise_gain: float = 1.0
    envelope_hidden: int = 0  # width of a residual MLP beside the linear envelope head (0: linear only)
    # the quantizer also gets each segment's trend (`segment_trend`) of both streams: a mean forgets
    # the order of the frames it pools, so at low rates the decoder could not tell a rise from a fall
    segment_trend: bool = False
    # training only: a linear head on the decoder's 12.5 Hz Transformer output predicts the frozen
    # ASR encoder's features (asr_dim) of the original, so the trunk, and through it the codes, must
    # carry what a recogniser hears (the paper distils its semantic stream from ASR features).
    # The runtime never runs the head: the exported decoder and the bitstream do not change.
    asr_target: bool = False

    @property
    def upsample(self) -> int:
        return self.frame_samples // self.hop  # 8

    @property
    def latent_channels(self) -> int:
        return self.code_groups * self.fsq_channels_per_group

    @property
    def merge_dim(self) -> int:
        """Width of the stream the merge compares (the runtime's `semantic` tensor)."""
        return {'log-mel': self.n_mels, 'whisper': self.asr_dim}.get(self.merge_on, self.sem_dim)

    @property
    def mel_in_pooled(self) -> bool:
        """Whether the frame log-mel means ride in the pooled stream (the ASR stream is merged on)."""
        return self.merge_on == 'whisper'

    @property
    def sends_mel_mean(self) -> bool:
        """Whether the quantizer gets each segment's mean log-mel (merge stream or pooled)."""
        return self.merge_on in ('log-mel', 'whisper')

    @property
    def detail_dim(self) -> int:
        """Width of the sub-frame log-mel detail that rides at the end of the pooled stream."""
        return self.detail_subframes * self.detail_bands

    @property
    def pooled_dim(self) -> int:
        """Width of the stream that is only pooled (the runtime's `acoustic` tensor)."""
        sem = self.sem_dim if self.merge_on in ('log-mel', 'whisper') else 0
        return sem + self.ac_dim + (self.n_mels if self.mel_in_pooled else 0) + self.detail_dim

    @property
    def trend_dim(self) -> int:
        """Width of the segment trends the quantizer gets: merge stream, then pooled stream."""
        return self.merge_dim + self.pooled_dim if self.segment_trend else 0

    @property
    def envelope_points(self) -> int:
        return int(round(self.sample_rate / 2 / self.envelope_hz)) + 1

    @property
    def bits_per_code(self) -> int:
        return int(round(self.fsq_channels_per_group * math.log2(self.fsq_levels)))


def tiny_config(**kw) -> Config:
    """A config small enough for a CI smoke test (seconds per step)."""
    base = dict(enc_channels=32, sem_blocks=1, ac_blocks=1, dec_dim=32, dec_layers=1, dec_heads=2,
                up_dim=32, up_blocks=1, sem_dim=16, ac_dim=16, merge_on='log-mel')
    base.update(kw)
    return Config(**base)


_exact_transforms = False


@contextlib.contextmanager
def exact_transforms():
    """Inside, the STFT and iSTFT run as the DFT-basis convs that ONNX runs, not as FFTs.

    torch.stft in float32 is off by up to 0.15 in the log of the quietest mel bands (against a
    float64 reference; the conv is within 2e-4), which is harmless for training but shows in the
    log-mel merge stream; golden tensors and the tau calibration are computed in here so that they
    match what onnxruntime computes."""
    global _exact_transforms
    before, _exact_transforms = _exact_transforms, True
    try:
        yield
    finally:
        _exact_transforms = before


def _dft_path() -> bool:
    return _exact_transforms or torch.onnx.is_in_onnx_export()


class LogMel(nn.Module):
    """Log-mel spectrogram with the STFT as a strided conv (torch.stft does not export to ONNX).

    audio (B, S) -> (B, n_mels, S // hop); S must be a multiple of hop.
    """

    def __init__(self, c: Config):
        super().__init__()
        n_bins = c.n_fft // 2 + 1
        window = torch.hann_window(c.n_fft, periodic=True)
        t = torch.arange(c.n_fft).float()
        f = torch.arange(n_bins).float()
        ang = 2 * math.pi * f[:, None] * t[None, :] / c.n_fft
        basis = torch.cat([torch.cos(ang) * window, -torch.sin(ang) * window], 0)  # (2*bins, n_fft)
        self.register_buffer('basis', basis[:, None, :])
        self.register_buffer('window', window, persistent=False)
        fb = torchaudio.functional.melscale_fbanks(n_bins, 0.0, c.sample_rate / 2, c.n_mels, c.sample_rate)
        self.register_buffer('fb', fb.t().contiguous())  # (n_mels, bins)
        self.hop = c.hop
        self.pad = (c.n_fft - c.hop) // 2
        self.n_bins = n_bins

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        x = F.pad(audio[:, None, :], (self.pad, self.pad))
        if _dft_path():
            spec = F.conv1d(x, self.basis, stride=self.hop)  # (B, 2*bins, frames)
            re, im = spec[:, : self.n_bins], spec[:, self.n_bins:]
            power = re * re + im * im
        else:  # same numbers through the FFT, several times cheaper for training
            n_fft = self.basis.shape[-1]
            spec = torch.stft(x[:, 0], n_fft, self.hop, window=self.window, center=False, return_complex=True)
            power = spec.real ** 2 + spec.imag ** 2
        mel = torch.matmul(self.fb, power)  # (B, n_mels, frames)
        return torch.log(mel + 1e-5)


class ResBlock(nn.Module):
    """Dilated conv residual block, (B, C, T) -> (B, C, T)."""

    def __init__(self, ch: int, dilation: int):
        super().__init__()
        self.conv1 = nn.Conv1d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv1d(ch, ch, 1)
        self.norm = nn.GroupNorm(1, ch)

    def forward(self, x):
        return x + self.conv2(F.gelu(self.conv1(self.norm(x))))


class FrameEncoder(nn.Module):
    """log-mel (B, n_mels, 8T) -> (B, T, out_dim): three stride-2 convs to 12.5 Hz, then dilated blocks."""

    def __init__(self, c: Config, out_dim: int, blocks: int):
        super().__init__()
        ch = c.enc_channels
        self.down = nn.Sequential(
            nn.Conv1d(c.n_mels, ch, 4, stride=2, padding=1), nn.GELU(),
            nn.Conv1d(ch, ch, 4, stride=2, padding=1), nn.GELU(),
            nn.Conv1d(ch, ch, 4, stride=2, padding=1),
        )
        self.blocks = nn.Sequential(*[ResBlock(ch, d) for d in [1, 2, 4, 1, 2, 4][:blocks]])
        self.out = nn.Conv1d(ch, out_dim, 1)

    def forward(self, mel):
        x = self.out(self.blocks(self.down(mel)))  # (B, out_dim, T)
        return x.transpose(1, 2)


class SemanticEncoder(nn.Module):
    """Phone-trained front end. Cosine-classifier head so that embeddings of one phone point one way."""

    def __init__(self, c: Config):
        super().__init__()
        self.net = FrameEncoder(c, c.sem_dim, c.sem_blocks)
        self.prototypes = nn.Parameter(torch.randn(c.n_phones, c.sem_dim) * 0.1)
        self.scale = 16.0

    def forward(self, mel):
        return self.net(mel)  # (B, T, sem_dim)

    def phone_logits(self, emb):
        return self.scale * F.normalize(emb, dim=-1) @ F.normalize(self.prototypes, dim=-1).t()


def segment_mean(x: torch.Tensor, seg_id: torch.Tensor, n_seg: int):
    """x (B, T, D), seg_id (B, T) global -> means (n_seg, D), lengths (n_seg,)."""
    D = x.shape[-1]
    flat = x.reshape(-1, D)
    ids = seg_id.reshape(-1)
    sums = torch.zeros(n_seg, D, device=x.device, dtype=x.dtype).index_add(0, ids, flat)
    lengths = torch.zeros(n_seg, device=x.device, dtype=x.dtype).index_add(0, ids, torch.ones_like(ids, dtype=x.dtype))
    return sums / lengths[:, None], lengths


def trend_weights(positions: torch.Tensor, lengths: torch.Tensor):
    """Per frame, w = (2p - (n - 1)) / (n - 1) for position p in a segment of n frames: -1 at the
    first frame, +1 at the last, 0 for a one-frame segment. Twin: src/core/merge.ts trendWeight."""
    return (2 * positions - (lengths - 1)) / (lengths - 1).clamp(min=1)


def segment_trend(x: torch.Tensor, seg_id: torch.Tensor, n_seg: int, positions: torch.Tensor, lengths: torch.Tensor):
    """x (B, T, D), seg_id (B, T) global, positions (B, T) in-segment, lengths (n_seg,) -> (n_seg, D):
    the mean of w * x over each segment (`trend_weights`), i.e. how the features move across it;
    (x1 - x0) / 2 for two frames, 0 for one. Twin: src/core/merge.ts segmentTrends."""
    D = x.shape[-1]
    ids = seg_id.reshape(-1)
    w = trend_weights(positions.reshape(-1), lengths[ids])
    sums = torch.zeros(n_seg, D, device=x.device, dtype=x.dtype).index_add(0, ids, x.reshape(-1, D) * w[:, None])
    return sums / lengths[:, None]


class Quantizer(nn.Module):
    """Segment means -> FSQ digits. Group 0 sees only the semantic mean (the semantic codebook)."""

    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        sem_ch = c.semantic_code_groups * c.fsq_channels_per_group
        # the semantic group sees the phone embedding and, when merging on it, the ASR mean (last,
        # so that `grow_state` starts an older checkpoint with the ASR inputs switched off)
        asr_in = c.asr_dim if c.merge_on == 'whisper' else 0
        self.sem_proj = nn.Sequential(nn.Linear(c.sem_dim + asr_in, 128), nn.GELU(), nn.Linear(128, sem_ch))
        self.len_emb = nn.Embedding(c.max_segment_frames, 64)
        mel_in = c.n_mels if c.sends_mel_mean else 0  # the segment's mean log-mel, when it is sent
        # inputs in the order `latent` concatenates them; new ones go last, so `grow_state` can
        # start an older checkpoint with them switched off
        self.ac_proj = nn.Sequential(
            nn.Linear(c.sem_dim + c.ac_dim + 64 + mel_in + c.detail_dim + c.trend_dim, 384), nn.GELU(), nn.Linear(384, 384), nn.GELU(),
            nn.Linear(384, c.latent_channels - sem_ch),
        )

    def latent(self, sem_mean, ac_mean, length, mel_mean=None, detail_mean=None, asr_mean=None, trend=None):
        """(…, sem_dim), (…, ac_dim), (…) float lengths 1..8 [, (…, n_mels)] [, (…, detail_dim)]
        [, (…, asr_dim)] [, (…, trend_dim)] -> (…, latent_channels) in (-1, 1)."""
        if (trend is None) != (self.c.trend_dim == 0):
            raise ValueError(f'this quantizer takes segment trends of width {self.c.trend_dim}'
                             if self.c.trend_dim else 'this quantizer takes no segment trends')
        le = self.len_emb((length - 1).clamp(0, self.c.max_segment_frames - 1).long())
        z_sem = self.sem_proj(sem_mean if asr_mean is None else torch.cat([sem_mean, asr_mean], -1))
        extra = [t for t in (mel_mean, detail_mean, trend) if t is not None]
        z_ac = self.ac_proj(torch.cat([sem_mean, ac_mean, le, *extra], -1))
        return torch.tanh(torch.cat([z_sem, z_ac], -1))

    def latent_from_streams(self, merge_mean, pooled_mean, length, merge_trend=None, pooled_trend=None):
        """The same from the segment means of the runtime's two streams (`Codec.encode_frames`):
        the pooled stream is [phone embedding (log-mel and whisper merges), acoustic, log-mel means
        (whisper merge only), detail]; with `Config.segment_trend` also both streams' segment trends."""
        c = self.c
        trend = torch.cat([merge_trend, pooled_trend], -1) if merge_trend is not None else None
        dd = c.detail_dim
        detail = pooled_mean[..., pooled_mean.shape[-1] - dd:] if dd else None
        rest = pooled_mean[..., : pooled_mean.shape[-1] - dd]
        if c.merge_on == 'whisper':
            sem, ac, mel = rest.split([c.sem_dim, c.ac_dim, c.n_mels], -1)
            return self.latent(sem, ac, length, mel, detail, asr_mean=merge_mean, trend=trend)
        if c.merge_on == 'log-mel':
            return self.latent(rest[..., :c.sem_dim], rest[..., c.sem_dim:], length, merge_mean, detail, trend=trend)
        return self.latent(merge_mean, rest, length, None, detail, trend=trend)

    def quantize(self, z):
        """z in (-1,1) -> (dequantized with straight-through gradient, integer digits 0..L-1)."""
        return fsq.quantize(z, self.c.fsq_levels)

    def codes_from_digits(self, digits):
        """(…, groups*4) digits -> (…, groups) code index, digit j weighted by L**j."""
        return fsq.codes_from_digits(digits, self.c.code_groups, self.c.fsq_channels_per_group, self.c.fsq_levels)

    def dequantize_codes(self, codes):
        """(…, groups) float code index -> (…, latent_channels) values in [-1, 1]."""
        return fsq.dequantize_codes(codes, self.c.code_groups, self.c.fsq_channels_per_group, self.c.fsq_levels)


class ISTFT(nn.Module):
    """Inverse STFT as a transposed conv with a windowed DFT basis; 'same' padding (F frames -> F*hop)."""

    def __init__(self, n_fft: int, hop: int):
        super().__init__()
        n_bins = n_fft // 2 + 1
        window = torch.hann_window(n_fft, periodic=True)
        t = torch.arange(n_fft).float()
        f = torch.arange(n_bins).float()
        ang = 2 * math.pi * f[:, None] * t[None, :] / n_fft
        scale = torch.full((n_bins, 1), 2.0)
        scale[0] = 1.0
        if n_fft % 2 == 0:
            scale[-1] = 1.0
        cos_b = torch.cos(ang) * scale / n_fft * window
        sin_b = -torch.sin(ang) * scale / n_fft * window
        self.register_buffer('basis', torch.cat([cos_b, sin_b], 0)[:, None, :])  # (2*bins, 1, n_fft)
        self.register_buffer('window', window, persistent=False)
        self.n_fft, self.hop, self.n_bins = n_fft, hop, n_bins
        self.pad = (n_fft - hop) // 2
        # window-square overlap-add normaliser for the steady state (hop divides n_fft)
        wsq = window ** 2
        norm = wsq.reshape(n_fft // hop, hop).sum(0)
        self.register_buffer('inv_norm', 1.0 / norm.clamp(min=1e-8))

    def forward(self, re, im):
        """re, im (B, bins, F) -> audio (B, F*hop)."""
        B, _, Fr = re.shape
        if _dft_path():
            y = F.conv_transpose1d(torch.cat([re, im], 1), self.basis, stride=self.hop)  # (B, 1, (F-1)*hop+n_fft)
        else:  # the same overlap-add through an inverse FFT, several times cheaper for training
            frames = torch.fft.irfft(torch.complex(re, im).transpose(1, 2), n=self.n_fft) * self.window  # (B, F, n_fft)
            y = F.fold(frames.transpose(1, 2), output_size=(1, (Fr - 1) * self.hop + self.n_fft),
                       kernel_size=(1, self.n_fft), stride=(1, self.hop))[:, 0]  # (B, 1, len)
        y = y[:, 0, self.pad: self.pad + Fr * self.hop]
        y = y.reshape(B, Fr, self.hop) * self.inv_norm
        return y.reshape(B, Fr * self.hop)


HARMONIC_CEILING_HZ = 7600.0  # harmonics at or above this are silent (no aliasing near Nyquist)


class HarmonicSynth(nn.Module):
    """Sum of harmonics of a 10 ms F0 track, their amplitudes read off a log envelope.

    Exports to ONNX as plain ops: the phases come from `phase_start` (each frame's fundamental
    phase in cycles, computed outside in float64, training/pitch/code.py), so there is no long
    float32 cumulative sum and decoder windows join without a phase jump; amplitudes are
    interpolated linearly between frame centres by a transposed conv with a triangle kernel."""

    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.register_buffer('k', torch.arange(1, c.harmonics + 1).float(), persistent=False)
        n = 2 * c.hop
        tri = 1 - (torch.arange(n).float() - (n - 1) / 2).abs() / c.hop
        self.register_buffer('tri', tri.clamp(min=0)[None, None, :], persistent=False)
        self.register_buffer('ramp', (torch.arange(c.hop).float() + 1) / c.sample_rate, persistent=False)

    def upsample(self, x):
        """(B, N, K) per 10 ms frame -> (B, K, N * hop), linear between frame centres."""
        B, N, K = x.shape
        hop = self.c.hop
        y = F.conv_transpose1d(x.transpose(1, 2).reshape(B * K, 1, N), self.tri, stride=hop)
        return y[:, 0, hop // 2: hop // 2 + N * hop].reshape(B, K, N * hop)

    def forward(self, log_env, f0_frames, phase_start):
        """log_env (B, N, G) natural-log amplitude at G points 0 .. sr/2; f0_frames, phase_start (B, N)
        -> audio (B, N * hop)."""
        c = self.c
        B, N, G = log_env.shape
        fk = f0_frames[..., None] * self.k  # (B, N, K) Hz
        audible = ((fk < HARMONIC_CEILING_HZ) & (f0_frames[..., None] > 0)).to(log_env.dtype)
        pos = (fk / c.envelope_hz).clamp(0, G - 1.001)
        i0 = torch.floor(pos)
        w = pos - i0
        i0 = i0.long()
        la = torch.gather(log_env, 2, i0) * (1 - w) + torch.gather(log_env, 2, i0 + 1) * w
        amp = torch.exp(la.clamp(max=3.0)) * audible  # (B, N, K)
        a = self.upsample(amp)  # (B, K, N * hop)
        phase = (phase_start[..., None] + f0_frames[..., None] * self.ramp).reshape(B, 1, N * c.hop)  # cycles
        ang = phase * self.k[None, :, None]
        ang = ang - torch.floor(ang)  # keep the argument of sin small: float32 stays exact
        return (a * torch.sin(2 * math.pi * ang)).sum(1)


class Decoder(nn.Module):
    """Segments -> 12.5 Hz frames -> Transformer -> x8 -> ConvNeXt at 100 Hz -> iSTFT
    (+ harmonics of the coded F0 with `Config.pitch`)."""

    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.inp = nn.Linear(c.latent_channels, c.dec_dim)
        self.len_emb = nn.Embedding(c.max_segment_frames, c.dec_dim)
        self.pos_emb = nn.Embedding(c.max_segment_frames, c.dec_dim)
        self.rel = nn.Linear(2, c.dec_dim)
        self.blocks = nn.ModuleList([TransformerBlock(c.dec_dim, c.dec_heads) for _ in range(c.dec_layers)])
        self.norm = nn.LayerNorm(c.dec_dim)
        self.up = nn.ConvTranspose1d(c.dec_dim, c.up_dim, c.upsample, stride=c.upsample)
        self.convnext = nn.Sequential(*[ConvNeXtBlock(c.up_dim) for _ in range(c.up_blocks)])
        self.head_norm = nn.LayerNorm(c.up_dim)
        bins = c.istft_n_fft // 2 + 1
        self.head = nn.Linear(c.up_dim, 2 * bins)
        self.istft = ISTFT(c.istft_n_fft, c.hop)
        self.bins = bins
        if c.pitch:
            # the pitch inputs start switched off, so a checkpoint without them decodes as before
            self.pitch_in = nn.Linear(2, c.dec_dim)
            self.pitch_up = nn.Linear(2, c.up_dim)
            for lin in (self.pitch_in, self.pitch_up):
                nn.init.zeros_(lin.weight)
                nn.init.zeros_(lin.bias)
            self.env_head = nn.Linear(c.up_dim, c.envelope_points)
            if c.envelope_hidden:  # its last layer starts at zero: the linear head's envelope at first
                self.env_mlp = nn.Sequential(nn.Linear(c.up_dim, c.envelope_hidden), nn.GELU(),
                                             nn.Linear(c.envelope_hidden, c.envelope_points))
                nn.init.zeros_(self.env_mlp[2].weight)
                nn.init.zeros_(self.env_mlp[2].bias)
            self.synth = HarmonicSynth(c)
        if c.asr_target:
            self.asr_head = nn.Linear(c.dec_dim, c.asr_dim)

    def start_blocks_as_identity(self, first):
        """Zeroes the residual outputs of Transformer blocks `first`.. (attention and feed-forward
        output projections), so blocks added to a trained decoder start as the identity and the
        decoder's function is unchanged until they learn (`--dec-layers` on a grown checkpoint)."""
        with torch.no_grad():
            for blk in self.blocks[first:]:
                for lin in (blk.att.proj, blk.ff[2]):
                    lin.weight.zero_()
                    lin.bias.zero_()

    def init_envelope_from_istft(self, offset=-1.0):
        """Starts the envelope head as the iSTFT head's log magnitude at the envelope's frequencies,
        scaled to sinusoid amplitude (a Hann-windowed sinusoid of amplitude A peaks at A * n_fft / 4)
        and `offset` nepers quieter, so the harmonics start near the level the output already has.
        The envelope MLP's output goes back to zero, so the envelope is the linear head's alone."""
        c = self.c
        bin_hz = c.sample_rate / c.istft_n_fft
        idx = torch.round(torch.arange(c.envelope_points) * c.envelope_hz / bin_hz).long().clamp(max=self.bins - 1)
        with torch.no_grad():
            self.env_head.weight.copy_(self.head.weight[idx])
            self.env_head.bias.copy_(self.head.bias[idx] - math.log(c.istft_n_fft / 4) + offset)
            if c.envelope_hidden:
                self.env_mlp[2].weight.zero_()
                self.env_mlp[2].bias.zero_()

    def forward(self, seg_latent, seg_len, frame_seg, frame_pos, f0_frames=None, phase_start=None, with_asr=False):
        """seg_latent (N, latent) and seg_len (N,) for all segments; frame_seg (B, T) long index into
        them; frame_pos (B, T) float position inside the segment; with `Config.pitch`, f0_frames and
        phase_start (B, 8T): the 10 ms F0 track rebuilt from the frame levels and its phases
        (training/pitch/code.py). Returns audio (B, T*1280); with `with_asr` (training, `Config.asr_target`)
        also the ASR-feature prediction (B, T, asr_dim) of `asr_head`."""
        c = self.c
        seg = self.inp(seg_latent) + self.len_emb((seg_len - 1).clamp(0, c.max_segment_frames - 1).long())
        x = seg[frame_seg]  # (B, T, dec_dim)
        flen = seg_len[frame_seg]
        x = x + self.pos_emb(frame_pos.clamp(0, c.max_segment_frames - 1).long())
        x = x + self.rel(torch.stack([(frame_pos + 0.5) / flen, flen / c.max_segment_frames], -1))
        if c.pitch:
            pf = pitch_features(f0_frames)  # (B, 8T, 2)
            B, T = frame_seg.shape
            x = x + self.pitch_in(pf.reshape(B, T, c.upsample, 2).mean(2))
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        asr_pred = self.asr_head(x) if with_asr else None
        x = x.transpose(1, 2)  # (B, dec_dim, T)
        y = self.up(x)  # (B, up_dim, 8T)
        if c.pitch:
            y = y + self.pitch_up(pf).transpose(1, 2)
        y = self.convnext(y)
        feats = self.head_norm(y.transpose(1, 2))
        h = self.head(feats).transpose(1, 2)  # (B, 2*bins, 8T)
        logmag, phase = h[:, : self.bins], h[:, self.bins:]
        mag = torch.exp(logmag.clamp(max=6.0))
        out = self.istft(mag * torch.cos(phase), mag * torch.sin(phase))
        if c.pitch:
            env = self.env_head(feats) + (self.env_mlp(feats) if c.envelope_hidden else 0)
            if c.voiced_noise_gain != 1.0:
                voiced = self.synth.upsample((f0_frames > 0).to(out.dtype)[..., None])[:, 0]  # (B, 8T * hop), smooth edges
                out = out * (1 - (1 - c.voiced_noise_gain) * voiced)
            out = out + self.synth(env, f0_frames, phase_start)
        return (out, asr_pred) if with_asr else out


class Codec(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.mel = LogMel(c)
        self.semantic = SemanticEncoder(c)
        self.acoustic = FrameEncoder(c, c.ac_dim, c.ac_blocks)
        self.quantizer = Quantizer(c)
        self.decoder = Decoder(c)
        # corpus mean of the log-mel bands, set once before training (train.py), so that the merge
        # stream is centred without looking at the rest of the file (chunked encoding stays exact)
        self.register_buffer('mel_centre', torch.zeros(c.n_mels))

    def frame_log_mel(self, mel):
        """(B, n_mels, 8T) -> (B, T, n_mels): the log-mel band means of each 80 ms frame."""
        B, M, _ = mel.shape
        return mel.reshape(B, M, -1, self.c.upsample).mean(-1).transpose(1, 2)

    def frame_detail(self, mel):
        """(B, n_mels, 8T) -> (B, T, detail_dim): how each 80 ms frame's log-mel moves inside it.

        Band pairs averaged to `detail_bands`, the frame cut into `detail_subframes` equal parts
        (20 ms for 4), each part's mean less the frame's mean; laid out part-major. The learned
        streams carry little of this (a 12.5 Hz codec held WER at the 80 ms-mean bound,
        docs/RESOLUTION.md), so the quantizer gets it as it is. Local to the frame, so chunked
        encoding stays exact."""
        c = self.c
        B, M, F8 = mel.shape
        T, n, bands = F8 // c.upsample, c.detail_subframes, c.detail_bands
        x = mel.reshape(B, bands, M // bands, T, n, c.upsample // n).mean((2, 5))  # (B, bands, T, n)
        x = x - x.mean(-1, keepdim=True)
        return x.permute(0, 2, 3, 1).reshape(B, T, n * bands)  # (B, T, n * bands), part-major

    def streams(self, mel, sem, ac, asr=None):
        """-> (merge stream (B, T, merge_dim), pooled stream (B, T, pooled_dim)).

        asr (B, T, asr_dim): the frozen ASR encoder's 12.5 Hz features, needed when merge_on is 'whisper'."""
        detail = [self.frame_detail(mel)] if self.c.detail_dim else []
        if self.c.merge_on == 'whisper':
            if asr is None or asr.shape[:2] != ac.shape[:2]:
                raise ValueError(f"merge_on='whisper' needs ASR features of shape (B, T, {self.c.asr_dim}) with T = {ac.shape[1]}")
            return asr, self.pooled_whisper(mel, sem, ac)
        if self.c.merge_on == 'log-mel':
            return self.frame_log_mel(mel) - self.mel_centre, torch.cat([sem, ac, *detail], -1)
        return sem, torch.cat([ac, *detail], -1) if detail else ac

    def pooled_whisper(self, mel, sem, ac):
        """The pooled stream when merging on ASR features: [phone embedding, acoustic, centred frame
        log-mel, detail] (B, T, pooled_dim); encoder.onnx outputs it alone, asr.onnx the merge stream."""
        detail = [self.frame_detail(mel)] if self.c.detail_dim else []
        return torch.cat([sem, ac, self.frame_log_mel(mel) - self.mel_centre, *detail], -1)

    def encode_frames(self, audio, asr=None):
        """audio (B, S) [, asr (B, T, asr_dim)] -> the runtime's `semantic` (merge) and `acoustic` (pooled) streams."""
        mel = self.mel(audio)
        return self.streams(mel, self.semantic(mel), self.acoustic(mel), asr)

    def trends(self, merge, pooled, seg_id, n_seg, positions, lengths):
        """(merge trend, pooled trend) for `Quantizer.latent_from_streams`, or () without `Config.segment_trend`."""
        if not self.c.segment_trend:
            return ()
        return (segment_trend(merge, seg_id, n_seg, positions, lengths),
                segment_trend(pooled, seg_id, n_seg, positions, lengths))

    def quantize_segments(self, merge, pooled, flags):
        """The quantizer half of a pass for given boundaries: streams (B, T, ·), flags (B, T) bool ->
        dequantized latents (K, C), FSQ digits (K, C), lengths (K,), global segment ids (B, T)."""
        seg_id = torch.cumsum(flags.long().flatten(), 0).view(flags.shape) - 1
        K = int(flags.sum())
        merge_mean, lengths = segment_mean(merge, seg_id, K)
        pooled_mean, _ = segment_mean(pooled, seg_id, K)
        trends = self.trends(merge, pooled, seg_id, K, frame_positions(flags), lengths)
        zq, digits = self.quantizer.quantize(self.quantizer.latent_from_streams(merge_mean, pooled_mean, lengths, *trends))
        return zq, digits, lengths, seg_id

    def forward(self, audio, tau, asr=None, f0_sub=None, fine_pitch=False):
        """Full training pass. audio (B, S), tau (B,) [, asr (B, T, asr_dim)] [, f0_sub (B, S / 160) numpy:
        the pitch tracker's F0 of the audio, with `Config.pitch`; `fine_pitch`: see `pitch_inputs`].
        Returns decoded audio (B, S) and stats."""
        with torch.no_grad():
            mel = self.mel(audio)
            sem = self.semantic(mel)  # frozen after stage 1
        merge, pooled = self.streams(mel, sem, self.acoustic(mel), asr)
        _, n_seg, flags = merge_segments(merge, tau, self.c.max_segment_frames)
        zq, _, seg_len, seg_id = self.quantize_segments(merge, pooled, flags)
        pitch = pitch_inputs(f0_sub, audio.device, fine=fine_pitch) if self.c.pitch else {}
        out = self.decoder(zq, seg_len, seg_id, frame_positions(flags), **pitch, with_asr=self.c.asr_target)
        stats = {'segments': n_seg, 'frames': flags.numel()}
        if self.c.asr_target:
            out, stats['asr_pred'] = out
        return out, stats
