"""Whisper's audio encoder in PyTorch, loaded from a CTranslate2 model.bin (tiny.en: 4 layers,
384-d, 6 heads). As openai-whisper's AudioEncoder: two convs with exact GELU (the second of
stride 2: 100 -> 50 Hz), sinusoidal positions, pre-LN Transformer layers, a final LayerNorm.
"""
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from training.whisper.ct2_reader import as_float32, read_ct2


@dataclass
class EncoderConfig:
    n_mels: int = 80
    width: int = 384
    heads: int = 6
    layers: int = 4
    max_positions: int = 1500  # 30 s at 50 Hz: the window Whisper was trained on


def sinusoids(t, width, max_timescale=10000.0):
    """Whisper's position table, computed (not read from the checkpoint). The checkpoint holds it in
    float16, so the computed one is rounded to float16: that reproduces 98.6 % of CTranslate2's
    stored entries exactly (the rest are one fp16 step off) and cuts the encoder's difference to
    CTranslate2 from 0.25 to 0.006 (max abs, 3.8 s of speech).
    t (N,) float positions -> (N, width): sin of the first half of the timescales, then cos."""
    half = width // 2
    inv = torch.exp(-np.log(max_timescale) / (half - 1) * torch.arange(half, dtype=torch.float32))
    angle = t[:, None] * inv[None, :]  # (N, half)
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).half().float()


class Layer(nn.Module):
    """Pre-LN Transformer layer: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.attn_ln = nn.LayerNorm(c.width)
        self.qkv = nn.Linear(c.width, 3 * c.width)  # CTranslate2 fuses q, k, v; k's bias is zero
        self.out = nn.Linear(c.width, c.width)
        self.mlp_ln = nn.LayerNorm(c.width)
        self.fc1 = nn.Linear(c.width, 4 * c.width)
        self.fc2 = nn.Linear(4 * c.width, c.width)

    def forward(self, x):
        """x (B, N, C) -> (B, N, C)."""
        B, N, C = x.shape  # batch, 50 Hz frames, channels
        q, k, v = self.qkv(self.attn_ln(x)).split(C, dim=2)
        q, k, v = (z.reshape(B, N, self.heads, C // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, H, N, d)
        w = torch.softmax(q @ k.transpose(2, 3) / float(np.sqrt(C // self.heads)), dim=-1)  # (B, H, N, N)
        a = (w @ v).transpose(1, 2).reshape(B, N, C)
        x = x + self.out(a)
        return x + self.fc2(F.gelu(self.fc1(self.mlp_ln(x))))


class WhisperEncoder(nn.Module):
    """log-mel (B, 80, M) -> hidden states (B, M / 2, 384) at 50 Hz, M even and M / 2 <= 1500."""

    def __init__(self, c=EncoderConfig()):
        super().__init__()
        self.c = c
        self.conv1 = nn.Conv1d(c.n_mels, c.width, 3, padding=1)
        self.conv2 = nn.Conv1d(c.width, c.width, 3, stride=2, padding=1)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))
        self.ln_post = nn.LayerNorm(c.width)
        # The whole table, computed once: the ONNX export stores it (float16 values, so the fp16
        # file holds them exactly) and slices it, so no float16 Cast is left to run (WebGPU
        # without shader-f16 runs the graph). Not in the state dict: it is no weight.
        positions = sinusoids(torch.arange(c.max_positions, dtype=torch.float32), c.width)  # (1500, C)
        self.register_buffer('positions', positions, persistent=False)

    def forward(self, mel):
        """mel (B, 80, M) -> (B, M / 2, 384)."""
        x = F.gelu(self.conv2(F.gelu(self.conv1(mel))))  # (B, C, M / 2)
        x = x.transpose(1, 2)  # (B, N, C)
        # Positions 0..N-1 of the 30 s table: a shorter window uses the first N, as Whisper
        # itself would if it were fed fewer frames (it never is: it pads to 30 s).
        x = x + self.positions[: x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.ln_post(x)


def load_ct2_encoder(model_bin):
    """WhisperEncoder with the weights of a CTranslate2 Whisper model.bin, float32, eval mode."""
    v = read_ct2(model_bin)['variables']
    n_layers = sum(1 for k in v if k.startswith('encoder/layer_') and k.endswith('ffn/linear_0/weight'))
    width = v['encoder/conv1/weight'].shape[0]
    c = EncoderConfig(n_mels=v['encoder/conv1/weight'].shape[1], width=width,
                      heads=int(v['encoder/num_heads']), layers=n_layers,
                      max_positions=v['encoder/position_encodings/encodings'].shape[0])
    m = WhisperEncoder(c)
    names = {'conv1.weight': 'encoder/conv1/weight', 'conv1.bias': 'encoder/conv1/bias',
             'conv2.weight': 'encoder/conv2/weight', 'conv2.bias': 'encoder/conv2/bias',
             'ln_post.weight': 'encoder/layer_norm/gamma', 'ln_post.bias': 'encoder/layer_norm/beta'}
    ours = {'attn_ln': 'self_attention/layer_norm', 'qkv': 'self_attention/linear_0',
            'out': 'self_attention/linear_1', 'mlp_ln': 'ffn/layer_norm', 'fc1': 'ffn/linear_0', 'fc2': 'ffn/linear_1'}
    for i in range(n_layers):
        for mine, theirs in ours.items():
            ln = 'layer_norm' in theirs
            names[f'layers.{i}.{mine}.weight'] = f'encoder/layer_{i}/{theirs}/' + ('gamma' if ln else 'weight')
            names[f'layers.{i}.{mine}.bias'] = f'encoder/layer_{i}/{theirs}/' + ('beta' if ln else 'bias')
    state = {k: torch.from_numpy(as_float32(v, name)) for k, name in names.items()}
    m.load_state_dict(state, strict=True)
    return m.eval()
