"""Adversarial and feature-matching terms: a small multi-resolution spectrogram discriminator.

The spectral losses score magnitudes bin by bin and the ASR loss what a recogniser hears; neither
says whether the output's fine structure (harmonics against noise, burst onsets) looks like real
speech. A discriminator on log-magnitude spectrograms at three resolutions (as UnivNet's and
Vocos' multi-resolution discriminators) learns that, and its feature maps give the decoder a
learned distance to match (HiFi-GAN's feature matching). LSGAN objectives.

Sized for two CPU cores: 16 channels, every layer strided in time and frequency, so the three
discriminators together cost a fraction of the codec's own step (docs/ADVERSARIAL.md)."""
import torch
import torch.nn.functional as F
from torch.nn.utils import weight_norm

RESOLUTIONS = [(256, 64), (512, 128), (1024, 256)]  # (n_fft, hop)


class SpectrogramDiscriminator(torch.nn.Module):
    """(B, S) audio -> logits (B, f, t) and the feature maps of every layer, on log |STFT|."""

    def __init__(self, n_fft: int, hop: int, channels: int = 16):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer('window', torch.hann_window(n_fft))
        ch = channels
        self.layers = torch.nn.ModuleList([
            weight_norm(torch.nn.Conv2d(1, ch, (3, 9), stride=(2, 2), padding=(1, 4))),
            weight_norm(torch.nn.Conv2d(ch, ch, (3, 9), stride=(2, 2), padding=(1, 4))),
            weight_norm(torch.nn.Conv2d(ch, ch, (3, 9), stride=(2, 2), padding=(1, 4))),
            weight_norm(torch.nn.Conv2d(ch, ch, (3, 3), padding=(1, 1))),
        ])
        self.out = weight_norm(torch.nn.Conv2d(ch, 1, (3, 3), padding=(1, 1)))

    def forward(self, audio):
        spec = torch.stft(audio, self.n_fft, self.hop, window=self.window, return_complex=True).abs()
        x = torch.log(spec + 1e-5)[:, None]  # (B, 1, F, T)
        feats = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.1)
            feats.append(x)
        return self.out(x)[:, 0], feats


class MultiResolutionDiscriminator(torch.nn.Module):
    def __init__(self, resolutions=RESOLUTIONS, channels: int = 16):
        super().__init__()
        self.discs = torch.nn.ModuleList(SpectrogramDiscriminator(n, h, channels) for n, h in resolutions)

    def forward(self, audio):
        """-> list of (logits, feature maps), one per resolution."""
        return [d(audio) for d in self.discs]


def discriminator_loss(disc, real, fake):
    """LSGAN: real towards 1, fake towards 0, averaged over resolutions. `fake` is detached here."""
    total = 0.0
    for (lr, _), (lf, _) in zip(disc(real), disc(fake.detach())):
        total = total + ((lr - 1) ** 2).mean() + (lf ** 2).mean()
    return total / len(disc.discs)


def generator_losses(disc, real, fake):
    """-> (adversarial, feature matching), each averaged over resolutions; their gradients reach
    `fake` only (the discriminator's weights are held while they are built: its own step is
    `discriminator_loss`'s).

    Feature matching is each layer's L1 between the maps of the fake and the real audio, relative
    to the real map's mean magnitude, so every layer and resolution weighs alike whatever its scale."""
    trainable = [p for p in disc.parameters() if p.requires_grad]
    for p in trainable:
        p.requires_grad_(False)
    try:
        with torch.no_grad():
            real_out = disc(real)
        adv, fm = 0.0, 0.0
        for (_, fr), (lf, ff) in zip(real_out, disc(fake)):
            adv = adv + ((lf - 1) ** 2).mean()
            fm = fm + sum(F.l1_loss(a, b) / (b.abs().mean() + 1e-5) for a, b in zip(ff, fr)) / len(ff)
    finally:
        for p in trainable:
            p.requires_grad_(True)
    n = len(disc.discs)
    return adv / n, fm / n
