"""Whisper's log-mel front end in PyTorch, with the STFT as a strided conv (torch.stft does not
export to ONNX). The same numbers as openai-whisper's log_mel_spectrogram and faster-whisper's
FeatureExtractor(padding=0): 400-point periodic Hann STFT, hop 160, centred with reflect padding,
the last frame dropped, power, 80 Slaney mel bands, log10 clamped to (max - 8), (x + 4) / 4.
"""
import numpy as np
import torch
import torch.nn.functional as F

SAMPLE_RATE_HZ = 16000
N_FFT = 400  # 25 ms window
HOP_SAMPLES = 160  # 10 ms: 100 mel frames a second
N_MELS = 80


def slaney_mel_filters(sr=SAMPLE_RATE_HZ, n_fft=N_FFT, n_mels=N_MELS):
    """librosa.filters.mel(sr, n_fft, n_mels) with htk=False, norm='slaney' (what Whisper ships in
    mel_filters.npz). Returns float64 (n_mels, n_fft // 2 + 1)."""
    fftfreqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    f_sp, min_log_hz = 200.0 / 3, 1000.0  # linear below 1 kHz, logarithmic above
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0

    def hz_to_mel(f):
        return f / f_sp if f < min_log_hz else min_log_mel + np.log(f / min_log_hz) / logstep

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)
    freqs = np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)
    fdiff = np.diff(freqs)
    ramps = freqs[:, None] - fftfreqs[None, :]
    lower, upper = -ramps[:-2] / fdiff[:-1, None], ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (freqs[2:] - freqs[:-2]))[:, None]  # equal area per band


def dft_basis(n_fft=N_FFT):
    """Windowed real DFT as conv weights: rows cos then -sin of each rfft bin times the periodic
    Hann window. Returns float32 (2 * (n_fft // 2 + 1), 1, n_fft)."""
    n = np.arange(n_fft)
    k = np.arange(n_fft // 2 + 1)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)  # periodic, = np.hanning(n_fft + 1)[:-1]
    angle = 2 * np.pi * np.outer(k, n) / n_fft
    basis = np.concatenate([np.cos(angle), -np.sin(angle)]) * window
    return basis[:, None, :].astype(np.float32)


class LogMel(torch.nn.Module):
    """Audio -> Whisper's normalised log-mel."""

    def __init__(self):
        super().__init__()
        self.register_buffer('basis', torch.from_numpy(dft_basis()))
        self.register_buffer('filters', torch.from_numpy(slaney_mel_filters().astype(np.float32)))

    def forward(self, audio):
        """audio (B, S) float32 at 16 kHz, S a multiple of 160 -> log-mel (B, 80, S / 160)."""
        x = F.pad(audio[:, None, :], (N_FFT // 2, N_FFT // 2), mode='reflect')  # (B, 1, S + 400)
        spec = F.conv1d(x, self.basis, stride=HOP_SAMPLES)[..., :-1]  # (B, 402, S / 160), last frame dropped
        bins = spec.shape[1] // 2
        power = spec[:, :bins] ** 2 + spec[:, bins:] ** 2  # (B, 201, N)
        mel = torch.matmul(self.filters, power)  # (B, 80, N)
        log_spec = torch.log10(torch.clamp(mel, min=1e-10))
        # Whisper's dynamic range: 80 dB below the loudest bin of the whole input window
        top = log_spec.amax(dim=(1, 2), keepdim=True)
        log_spec = torch.maximum(log_spec, top - 8.0)
        return (log_spec + 4.0) / 4.0
