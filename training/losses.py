"""Reconstruction losses: multi-resolution log-mel and STFT magnitude (no adversarial term)."""
import torch
import torch.nn.functional as F
import torchaudio

_RESOLUTIONS = [(256, 64), (512, 128), (1024, 256), (2048, 512)]


class SpectralLoss(torch.nn.Module):
    """delta_weight > 0 adds an L1 on the frame-to-frame change of log-mel at the two finest
    resolutions (4 and 8 ms hops): transitions, which pocketsphinx needs (docs/RESOLUTION.md)."""

    def __init__(self, sample_rate=16000, n_mels=80, delta_weight=0.0):
        super().__init__()
        self.delta_weight = delta_weight
        self.mels = torch.nn.ModuleList(
            torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=n, hop_length=h, n_mels=min(n_mels, n // 8),
                                                 power=1.0, center=True)
            for n, h in _RESOLUTIONS
        )
        for n, _ in _RESOLUTIONS:
            self.register_buffer(f'win{n}', torch.hann_window(n))

    def forward(self, y_hat, y):
        """y_hat, y (B, S) -> scalar loss, dict of parts."""
        logs = [(torch.log(m(y_hat) + 1e-5), torch.log(m(y) + 1e-5)) for m in self.mels]
        mel = sum(F.l1_loss(a, b) for a, b in logs) / len(logs)
        sc, mag = 0.0, 0.0
        for n, h in _RESOLUTIONS:
            w = getattr(self, f'win{n}')
            a = torch.stft(y_hat, n, h, window=w, return_complex=True).abs()
            b = torch.stft(y, n, h, window=w, return_complex=True).abs()
            sc = sc + torch.linalg.norm(b - a) / (torch.linalg.norm(b) + 1e-7)
            mag = mag + F.l1_loss(torch.log(a + 1e-5), torch.log(b + 1e-5))
        sc, mag = sc / len(_RESOLUTIONS), mag / len(_RESOLUTIONS)
        total, parts = mel + 0.5 * mag + sc, {'mel': float(mel), 'mag': float(mag), 'sc': float(sc)}
        if self.delta_weight:
            delta = sum(F.l1_loss(torch.diff(a, dim=-1), torch.diff(b, dim=-1)) for a, b in logs[:2]) / 2
            total, parts['delta'] = total + self.delta_weight * delta, float(delta)
        return total, parts


class PhoneLoss(torch.nn.Module):
    """What the frozen phone recogniser hears: KL from its phone posteriors on the input to those
    on the decoded audio, per 12.5 Hz frame.

    The spectral losses weigh every bin alike; this one weighs what tells phones apart, which is
    what a listener (and pocketsphinx) needs. The recogniser is the codec's own semantic front
    end, trained on the TTS phone timings and not updated here."""

    def __init__(self, model):
        super().__init__()
        self.mel, self.semantic = model.mel, model.semantic

    def posteriors(self, audio):
        return F.log_softmax(self.semantic.phone_logits(self.semantic(self.mel(audio))), -1)

    def forward(self, y_hat, y):
        """y_hat, y (B, S) -> scalar KL(p(y) || p(y_hat)) averaged over frames, and the share of
        frames whose most likely phone agrees."""
        with torch.no_grad():
            target = self.posteriors(y)
        logq = self.posteriors(y_hat)
        kl = F.kl_div(logq, target, log_target=True, reduction='none').sum(-1).mean()
        agree = (logq.argmax(-1) == target.argmax(-1)).float().mean()
        return kl, float(agree)


def asr_target_loss(pred, target):
    """Mean 1 - cosine between predicted and frozen-encoder ASR features, both (B, T, D), over the
    frames that have features (a crop past an utterance's last whole frame is zero padded)."""
    have = target.abs().sum(-1) > 0
    if not bool(have.any()):
        return pred.sum() * 0.0
    cos = torch.nn.functional.cosine_similarity(pred.float(), target.float(), dim=-1, eps=1e-6)
    return (1.0 - cos)[have].mean()
