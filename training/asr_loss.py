"""What a recogniser hears, as a training loss: the distance between frozen Whisper tiny.en encoder
states (50 Hz, 384-d, training/whisper/encoder.py) of the decoded and of the original audio.

The spectral losses weigh every bin alike; Whisper's encoder weighs what tells words apart. The
loss is 1 - cosine similarity per 20 ms state, averaged: scale-free, so a quieter decode is not
what it punishes. The judge (docs/QUALITY.md) is Whisper base, a different model, so the codec is
not graded by the network it was trained against."""
import os

import torch
import torch.nn.functional as F


class ExplicitLayerNorm(torch.nn.Module):
    """nn.LayerNorm's arithmetic as plain ops, with the same weight and bias.

    Why: on this machine's torch 1.13 (CPU), backpropagating through the frozen tiny.en encoder's
    native LayerNorms returned, one call in five or so, input gradients of 1e15-1e34 for the same
    input and the same upstream gradient (nondeterministic: uninitialised memory, not a steep
    loss). Spelled out as mean / variance / rsqrt, the gradient is the same on every call
    (training/tests/test_asr_loss.py checks it)."""

    def __init__(self, ln: torch.nn.LayerNorm):
        super().__init__()
        self.eps, self.weight, self.bias = ln.eps, ln.weight, ln.bias

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        d = x - mu
        return d * torch.rsqrt(d.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight + self.bias


def explicit_layer_norms(module: torch.nn.Module) -> torch.nn.Module:
    """Replaces every nn.LayerNorm inside `module` (in place) by an ExplicitLayerNorm; returns it."""
    for name, child in list(module.named_children()):
        if isinstance(child, torch.nn.LayerNorm):
            setattr(module, name, ExplicitLayerNorm(child))
        else:
            explicit_layer_norms(child)
    return module


class AsrLoss(torch.nn.Module):
    def __init__(self, encoder=None):
        super().__init__()
        from training.whisper.frontend import LogMel

        if encoder is None:
            from training.eval.whisper_models import model_dir
            from training.whisper.encoder import load_ct2_encoder

            encoder = load_ct2_encoder(os.path.join(model_dir('tiny.en'), 'model.bin'))
        self.mel, self.encoder = LogMel(), explicit_layer_norms(encoder.eval())
        self.requires_grad_(False)  # frozen: gradients reach the decoder through it, never its weights

    def states(self, audio):
        n = audio.shape[-1] // 320 * 320  # whole 20 ms states
        return self.encoder(self.mel(audio[:, :n]))

    def forward(self, y_hat, y):
        """y_hat, y (B, S) at 16 kHz -> scalar 1 - mean cosine of their encoder states."""
        with torch.no_grad():
            target = self.states(y)
        return 1 - F.cosine_similarity(self.states(y_hat), target, dim=-1).mean()
