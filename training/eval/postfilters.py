"""Classic speech-codec postfilters, for studying the decoded audio (not in the runtime).

- `formant_postfilter`: the LPC short-term postfilter of CELP codecs, H(z) = A(z/g1) / A(z/g2)
  with a first-order tilt compensation, per STFT frame, energy kept per frame. It deepens the
  valleys between formants, which smeared formants lack.
- `comb_postfilter`: a pitch (long-term) postfilter, y[n] = x[n] + g/2 (x[n-T] + x[n+T]), T the
  period of the coded F0, in voiced frames only: it raises the harmonics over the noise between them.

docs/QUALITY.md has what they did to Whisper WER on the earlier family's decoded audio
(training.eval.postfilter_study, retired with that family; commit 1215a19).
"""
import numpy as np

N_FFT, HOP = 512, 128
_WINDOW = np.hanning(N_FFT + 1)[:-1]


def stft(x):
    """(S,) -> (frames, N_FFT / 2 + 1) complex, centred Hann frames every HOP samples."""
    x = np.pad(np.asarray(x, np.float64), (N_FFT // 2, N_FFT // 2))
    n = 1 + (len(x) - N_FFT) // HOP
    return np.fft.rfft(np.stack([x[i * HOP: i * HOP + N_FFT] * _WINDOW for i in range(n)]), axis=1)


def istft(spec, length):
    """The inverse of `stft` (weighted overlap-add), cut to `length` samples."""
    frames = np.fft.irfft(spec, n=N_FFT, axis=1) * _WINDOW
    out = np.zeros((len(frames) - 1) * HOP + N_FFT)
    weight = np.zeros_like(out)
    for i, f in enumerate(frames):
        out[i * HOP: i * HOP + N_FFT] += f
        weight[i * HOP: i * HOP + N_FFT] += _WINDOW ** 2
    return (out / np.maximum(weight, 1e-3))[N_FFT // 2: N_FFT // 2 + length].astype(np.float32)


def levinson(r, order):
    """Autocorrelation r[0..order] -> LPC polynomial a (a[0] = 1) of A(z) = sum a_k z^-k."""
    a = np.zeros(order + 1)
    a[0], err = 1.0, r[0] + 1e-9
    for i in range(1, order + 1):
        k = -(r[i] + a[1:i] @ r[i - 1:0:-1]) / err
        a[1:i + 1] = a[1:i + 1] + k * np.concatenate([a[i - 1:0:-1], [1.0]])
        err *= 1 - k * k
    return a


def formant_postfilter(x, g1=0.5, g2=0.8, order=16, tilt=0.3):
    """x (S,) float -> (S,) float32. g1 = g2 and tilt = 0 is the identity."""
    spec = stft(x)
    power = np.abs(spec) ** 2
    k = np.arange(order + 1)
    omega = np.pi * np.arange(N_FFT // 2 + 1) / (N_FFT // 2)
    out = np.empty_like(spec)
    for i, p in enumerate(power):
        r = np.fft.irfft(p)[: order + 1]
        r[0] *= 1.0001  # white-noise floor, so Levinson stays stable in silence
        a = levinson(r, order)
        h = np.abs(np.fft.rfft(a * g1 ** k, N_FFT)) / np.maximum(np.abs(np.fft.rfft(a * g2 ** k, N_FFT)), 1e-9)
        h *= np.abs(1 - tilt * (r[1] / max(r[0], 1e-9)) * np.exp(-1j * omega))
        out[i] = spec[i] * h * np.sqrt(p.sum() / max((p * h ** 2).sum(), 1e-12))
    return istft(out, len(x))


def comb_postfilter(x, f0_frames, gain=0.4, hop=160, sample_rate=16000):
    """x (S,) float, f0_frames the 10 ms F0 track (Hz, 0 unvoiced) -> (S,) float32."""
    x = np.asarray(x, np.float64)
    f0 = np.repeat(np.asarray(f0_frames, np.float64), hop)[: len(x)]
    f0 = np.pad(f0, (0, len(x) - len(f0)))
    period = np.where(f0 > 0, sample_rate / np.maximum(f0, 1.0), 0).round().astype(int)
    n = np.arange(len(x))
    around = x[np.clip(n - period, 0, len(x) - 1)] + x[np.clip(n + period, 0, len(x) - 1)]
    ramp = np.hanning(2 * hop + 1)
    voiced = np.convolve((f0 > 0).astype(np.float64), ramp / ramp.sum(), mode='same')  # no clicks at voicing edges
    return ((x + voiced * gain * 0.5 * around) / (1 + voiced * gain)).astype(np.float32)
