"""Issue 29's alternative decoder: the segment codes predict DRED's latents, and libopus's pretrained
RDO-VAE decoder (frozen, training/vocoder/rdovae.py) turns them into the cepstra FARGAN reads.

Everything up to the decoder's Transformer is v3's (model.py, started from the shipped weights). At
12.5 Hz the Transformer's output gives two 25-dim latents per 80 ms frame (DRED sends one per 40 ms,
latent j covering 10 ms frames 4j .. 4j + 3) and, from the last frame, the 50-dim state DRED's
decoder starts from at the end of the span. The RDO-VAE decoder, trained by Xiph on far more speech
and compute than two CPU cores have, then supplies the in-segment motion of the 18 cepstra; the
pitch code and correlation stay v3's own 100 Hz head, since the codec codes pitch apart.

Loss (train.py `--arm dred`): v3's weighted feature loss on the result, plus `latent_weight` x the L1
distance of the predicted latents and state to what DRED's encoder gives for the true features (a
dense target, so the head learns DRED's units fast; the feature loss decides what matters).
"""
import torch
import torch.nn as nn

from training.merge import merge_segments
from training.v3.decoder import CEPSTRA
from training.v3.model import CodecV3, V3Config
from training.vocoder import rdovae

# DRED latents per 80 ms frame (one per 40 ms).
LATENTS_PER_FRAME = 2
# 80 ms frames the RDO-VAE decoder runs from one state. It drifts the further it runs from its state
# (docs/DRED_LATENT.md: c0-c5 error 0.205 within 1 s of it, 0.345 at 7 s; DRED itself sends one per
# second), so the span is cut into chunks, counted back from its end, each with its own state.
CHUNK_FRAMES = 16


def chunk_ends(T: int) -> torch.Tensor:
    """The last 80 ms frame of each chunk of a T-frame span, oldest first; the oldest chunk may be short."""
    return torch.arange(T - 1 - CHUNK_FRAMES * ((T - 1) // CHUNK_FRAMES), T, CHUNK_FRAMES)


class DredHead(nn.Module):
    """Transformer output (B, T, dec_dim) -> latents (B, 2T, 25) and each chunk's end state (B, n, 50).

    Both are predicted in units of DRED's corpus mean and spread (buffers, `CodecV3Dred.set_dred_stats`)
    and start at the mean: DRED's latents sit around 4 in magnitude with spreads from 0.4 to 30, which
    raw outputs near 0 would take thousands of steps to reach."""

    def __init__(self, dec_dim: int, config: rdovae.RdoVaeConfig):
        super().__init__()
        self.latent_dim = config.latent_dim
        self.latents = nn.Sequential(nn.Linear(dec_dim, dec_dim), nn.GELU(), nn.Linear(dec_dim, LATENTS_PER_FRAME * config.latent_dim))
        self.state = nn.Sequential(nn.Linear(dec_dim, dec_dim), nn.GELU(), nn.Linear(dec_dim, config.state_dim))
        for out in (self.latents[-1], self.state[-1]):
            nn.init.zeros_(out.weight)
            nn.init.zeros_(out.bias)
        self.register_buffer('latent_mean', torch.zeros(config.latent_dim))
        self.register_buffer('latent_std', torch.ones(config.latent_dim))
        self.register_buffer('state_mean', torch.zeros(config.state_dim))
        self.register_buffer('state_std', torch.ones(config.state_dim))

    def forward(self, x):
        B, T, _ = x.shape
        z = self.latents(x).reshape(B, LATENTS_PER_FRAME * T, self.latent_dim) * self.latent_std + self.latent_mean
        return z, self.state(x[:, chunk_ends(T)]) * self.state_std + self.state_mean


def decode_chunks(vae: rdovae.RdoVae, latents, states):
    """latents (B, 2T, 25), states (B, n, 50) at `chunk_ends(T)` -> (B, 8T, 20): each chunk decoded from
    its own state. The oldest chunk is padded at its old end, which the backward-running decoder reaches last."""
    B, L, D = latents.shape
    n = states.shape[1]
    per_chunk = LATENTS_PER_FRAME * CHUNK_FRAMES
    pad = n * per_chunk - L
    z = torch.cat([latents.new_zeros(B, pad, D), latents], 1).reshape(B * n, per_chunk, D)
    feats = vae.decode(z, states.reshape(B * n, -1))  # (B n, 4 per_chunk, 20)
    return feats.reshape(B, n * per_chunk * rdovae.DECODER_FRAMES, -1)[:, pad * rdovae.DECODER_FRAMES:]


class CodecV3Dred(CodecV3):
    def __init__(self, c: V3Config, vae: rdovae.RdoVae = None):
        super().__init__(c)
        vae = vae or rdovae.load()
        self.dred_head = DredHead(c.dec_dim, vae.config)
        # Kept out of the state dict and the optimiser: the pretrained weights are libopus's, frozen.
        self._vae = [vae]

    @property
    def vae(self) -> rdovae.RdoVae:
        return self._vae[0]

    def dred_targets(self, feats):
        """What DRED's encoder makes of the true features (B, 8T, 20): latents (B, 2T, 25) and its
        state at each chunk's end (B, n, 50)."""
        with torch.no_grad():
            steps, states = self.vae.encoder(feats)  # per 20 ms step; latent j is step 2j + 1
            T = feats.shape[1] // self.c.upsample
            last_step = (chunk_ends(T) + 1) * 2 * LATENTS_PER_FRAME - 1  # a frame's last 20 ms step
            return steps[:, 1::2], states[:, last_step]

    def set_dred_stats(self, feats):
        """DRED's latent and state means and spreads on these features (B, 8T, 20): the head's units."""
        h = self.dred_head
        for values, mean, std in zip(self.dred_targets(feats), (h.latent_mean, h.state_mean), (h.latent_std, h.state_std)):
            flat = values.reshape(-1, values.shape[-1])
            mean.copy_(flat.mean(0))
            std.copy_(flat.std(0).clamp(min=1e-3))

    def decode_with_latents(self, zq, seg_len, seg_id, pos, f0_frames):
        """Dequantized segments -> (features (B, 8T, 20), predicted latents, predicted end state)."""
        x, pf = self.decoder.trunk(zq, seg_len, seg_id, pos, f0_frames)
        own = self.decoder.head(x, pf)
        latents, state = self.dred_head(x)
        cepstra = decode_chunks(self.vae, latents, state)[..., :CEPSTRA]
        return torch.cat([cepstra, own[..., CEPSTRA:]], -1), latents, state

    def decode_segments(self, zq, seg_len, seg_id, pos, f0_frames):
        return self.decode_with_latents(zq, seg_len, seg_id, pos, f0_frames)[0]

    def forward(self, feats, tau, f0_frames, rates=None):
        merge, fine = self.encode_streams(feats)
        _, n_seg, flags = merge_segments(merge, tau, self.c.max_segment_frames)
        zq, _, seg_len, seg_id, pos = self.code(fine, flags, rates)
        out, latents, state = self.decode_with_latents(zq, seg_len, seg_id, pos, f0_frames)
        return out, {'segments': n_seg, 'frames': flags.numel(), 'latents': latents, 'state': state}


def latent_loss(m: CodecV3Dred, feats, stats):
    """L1 of the predicted latents and end state to DRED's encoder's, each dimension in units of its spread."""
    z, s = m.dred_targets(feats)
    h = m.dred_head
    return ((stats['latents'] - z).abs() / h.latent_std).mean() + ((stats['state'] - s).abs() / h.state_std).mean()


def is_dred_state(state_dict) -> bool:
    """Whether a checkpoint's weights are this arm's (they hold the DRED head)."""
    return any(k.startswith('dred_head.') for k in state_dict)
