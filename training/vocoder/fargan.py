"""FARGAN (Valin et al. 2024, libopus 1.6.1's neural vocoder) in PyTorch, with the C build's weights.

20 LPCNet features per 10 ms frame in, 160 samples of 16 kHz speech out. Two parts:

- cond net, once per frame and parallel over frames: features + a pitch-lag embedding -> dense ->
  causal 3-frame conv -> dense, 80 conditioning values for each of the frame's four 40-sample subframes.
- sig net, once per subframe and autoregressive: a gain from the conditioning; a "pitch prediction", the
  last output (pre-emphasised, divided by the gain) one pitch period back; the previous subframe; a
  2-tap frame-wise conv with a GLU, three GRUs with GLUs, each fed the gated pitch prediction and the
  previous subframe, a skip dense over all of them, and a tanh output times the gain. The output is
  pre-emphasised speech: it goes into the pitch buffer as is, and through 1 / (1 - 0.85 z^-1) to the ear.

Structure and numbers follow dnn/fargan.c and dnn/nnet.c of the libopus 1.6.1 release: the layer
names are the weights blob's, the sig net takes the pitch lag of the frame before the newest (the
cond conv is centred there), the warm-up is `fargan_cont`'s. The blob holds most matrices as int8
with a per-output scale (only the pitch embedding, the first cond dense, the gain and pitch-gate
denses are float), and on x86 libopus multiplies them with 8-bit activations, 127 + round(127 x);
`Linear` uses the dequantized matrices (127 * scale * int8, the bias recovered from `subias`) and,
with `FarganConfig.quantize_activations`, rounds its inputs the same way (straight-through
gradient). libopus's x86 tanh and sigmoid are rational approximations (error up to 3e-4, most of it
the CPU's reciprocal estimate); here they are exact. So this model gives the samples of libopus's
fargan.c built with exact activations (to 1e-6, until a rounding difference flips one 8-bit
activation and the autoregression parts the two), and differs from the shipped native build as
much as that exact build does: over a whole clip the same STOI, not the same samples
(training/tests/test_vocoder_fargan.py).

    model = load()                              # the runtime blob's weights
    audio = model.synthesize(features)          # numpy, aligned with the analysed input
    audio = model.render(features, target)      # (B, N, 20) -> (B, N * 160), differentiable
    audio, state = model(rows, state, target)   # raw calls, from model.warmup(first_rows)

`target` (the true speech) turns on teacher forcing: each subframe is predicted from the true speech
before it (pitch buffer and de-emphasis), the GRU states run on as they do free-running; without it
the model runs free. Everything is differentiable except the pitch lag (an integer from feature 18).
Speed on one core (CPU time, 2 s of LJ Speech): free-running 0.18 s per second of audio at batch 1,
0.06 s at batch 8 per item; teacher-forced forward and backward 0.29 s per item-second at batch 8.
"""

from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import blob as blob_reader
from . import library, native
from .native import FRAME_SAMPLES, LEAD_SAMPLES, PITCH_FEATURE


@dataclass
class FarganConfig:
    feature_count: int = 20  # LPCNet features per frame
    subframe_samples: int = 40  # FARGAN_SUBFRAME_SIZE
    subframes: int = 4  # FARGAN_NB_SUBFRAMES, 4 x 40 = 160 samples a frame
    pitch_codes: int = 224  # pitch-lag embedding rows: lags 32 .. 255
    min_period: int = 32  # lag of the embedding's first row
    pitch_embed: int = 12  # COND_NET_PEMBED_OUT_SIZE
    cond_hidden: int = 64  # COND_NET_FDENSE1_OUT_SIZE
    cond_kernel: int = 3  # frames the cond conv spans (COND_NET_FCONV1: 192 = 3 x 64 inputs)
    cond_conv: int = 128  # COND_NET_FCONV1_OUT_SIZE
    cond_subframe: int = 80  # FARGAN_COND_SIZE, conditioning values per subframe
    fwc0: int = 192  # SIG_NET_FWC0_CONV_OUT_SIZE
    gru1: int = 160
    gru2: int = 128
    gru3: int = 128
    skip: int = 128  # SIG_NET_SKIP_DENSE_OUT_SIZE
    pitch_buffer: int = 256  # PITCH_MAX_PERIOD, past pre-emphasised samples kept for the pitch prediction
    pitch_taps: int = 4  # the prediction spans the subframe plus 2 samples on each side
    deemphasis: float = 0.85  # FARGAN_DEEMPHASIS
    warmup_frames: int = 5  # feature frames fargan_cont runs the cond net on
    warmup_samples: int = 320  # FARGAN_CONT_SAMPLES
    quantize_activations: bool = True  # round int8 layers' inputs to 1/127 steps, as libopus on x86

    @property
    def frame_samples(self):
        return self.subframes * self.subframe_samples

    @property
    def sig_input(self):
        return self.cond_subframe + 2 * self.subframe_samples + self.pitch_taps  # SIG_NET_INPUT_SIZE


def period_from_features(features: torch.Tensor) -> torch.Tensor:
    """Pitch lag in samples, as fargan.c: round(256 / 2^(f + 1.5)) of feature 18, in float64 as the C.

    Clamped to 32 .. 256, the lags PitchDNN can give (f = bin / 60 - 1.5, 180 bins); fargan.c would
    read outside its pitch buffer beyond them, and a network's predicted features may go there.

    Args:
        features: (..., 20)
    Returns:
        (...) int64
    """
    code = features[..., PITCH_FEATURE].detach().double()
    exponent = (1.0 / 60.0) * ((code + 1.5) * 60.0)  # the C's own rounding steps
    period = torch.floor(0.5 + 256.0 / torch.pow(2.0, exponent))
    return period.nan_to_num(256.0).clamp(32, 256).long()


def quantize_activations(x: torch.Tensor) -> torch.Tensor:
    """x in steps of 1/127, saturated as libopus's x86 int8 products see it: 127 + round(127 x) as a byte.

    One fused op; the gradient passes straight through (zero where the byte saturates, which the
    layers' inputs, tanh outputs, gated tanhs, GRU states and clamped signals, never reach).
    """
    return torch.fake_quantize_per_tensor_affine(x, 1.0 / 127.0, 0, -127, 128)


class Linear(nn.Module):
    """libopus's LinearLayer: y = W x + b; an int8 layer (quantized) sees its inputs in 1/127 steps."""

    def __init__(self, inputs: int, outputs: int, quantized: bool, config: FarganConfig):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(outputs, inputs))
        self.bias = nn.Parameter(torch.zeros(outputs))
        self.int8 = quantized  # stored as int8 in libopus's blob
        self.quantize = quantized and config.quantize_activations

    def forward(self, x):
        if self.quantize:
            x = quantize_activations(x)
        return F.linear(x, self.weight, self.bias)


class GLU(nn.Module):
    """x * sigmoid(W x + b) (nnet.c's compute_glu)."""

    def __init__(self, size: int, config: FarganConfig):
        super().__init__()
        self.gate = Linear(size, size, True, config)

    def forward(self, x):
        return x * torch.sigmoid(self.gate(x))


class GRU(nn.Module):
    """nnet.c's compute_generic_gru: gates in z, r, h order, the reset gate applied after the recurrent product."""

    def __init__(self, inputs: int, size: int, config: FarganConfig):
        super().__init__()
        self.size = size
        self.input = Linear(inputs, 3 * size, True, config)
        self.recurrent = Linear(size, 3 * size, True, config)

    def forward(self, x, h):
        # x: (B, inputs), h: (B, size)
        zrh = self.input(x)  # (B, 3 size)
        rec = self.recurrent(h)
        z, r = torch.sigmoid(zrh[:, : 2 * self.size] + rec[:, : 2 * self.size]).chunk(2, dim=1)
        candidate = torch.tanh(zrh[:, 2 * self.size :] + r * rec[:, 2 * self.size :])
        return candidate + z * (h - candidate)  # z h + (1 - z) candidate


@dataclass
class FarganState:
    """What FARGANState carries between calls; every tensor has the batch first."""

    cond_conv: torch.Tensor  # (B, kernel-1, cond_hidden): the cond conv's last inputs, oldest first
    fwc0: torch.Tensor  # (B, sig_input): the frame-wise conv's previous input
    gru1: torch.Tensor  # (B, 160)
    gru2: torch.Tensor  # (B, 128)
    gru3: torch.Tensor  # (B, 128)
    pitch_buffer: torch.Tensor  # (B, 256) past pre-emphasised output, newest last
    deemphasis: torch.Tensor  # (B,) last de-emphasised output sample
    last_period: torch.Tensor  # (B,) int64 pitch lag of the last frame synthesised

    def detach(self):
        return FarganState(*(getattr(self, f.name).detach() for f in fields(self)))


class CondNet(nn.Module):
    def __init__(self, config: FarganConfig):
        super().__init__()
        c = config
        self.config = c
        self.pembed = nn.Embedding(c.pitch_codes, c.pitch_embed)
        self.fdense1 = Linear(c.feature_count + c.pitch_embed, c.cond_hidden, False, c)
        self.fconv1 = Linear(c.cond_kernel * c.cond_hidden, c.cond_conv, True, c)
        self.fdense2 = Linear(c.cond_conv, c.subframes * c.cond_subframe, True, c)

    def forward(self, features, period, conv_state):
        """Conditioning of each frame; parallel over frames (nothing here depends on the signal).

        Args:
            features: (B, T, 20); period: (B, T) int64; conv_state: (B, kernel-1, 64)
        Returns:
            cond (B, T, 4 * 80), new conv_state (B, kernel-1, 64)
        """
        c = self.config
        B, T, _ = features.shape
        lag = self.pembed(torch.clamp(period - c.min_period, 0, c.pitch_codes - 1))  # (B, T, 12)
        hidden = torch.tanh(self.fdense1(torch.cat([features, lag], dim=-1)))  # (B, T, 64)
        history = torch.cat([conv_state, hidden], dim=1)  # (B, kernel-1+T, 64)
        windows = history.unfold(1, c.cond_kernel, 1)  # (B, T, 64, kernel)
        windows = windows.transpose(2, 3).reshape(B, T, c.cond_kernel * c.cond_hidden)  # oldest frame first
        cond = torch.tanh(self.fdense2(torch.tanh(self.fconv1(windows))))  # (B, T, 320)
        return cond, history[:, T:]


class SigNet(nn.Module):
    def __init__(self, config: FarganConfig):
        super().__init__()
        c = config
        self.config = c
        n = c.subframe_samples
        self.cond_gain_dense = Linear(c.cond_subframe, 1, False, c)
        self.fwc0_conv = Linear(2 * c.sig_input, c.fwc0, True, c)
        self.fwc0_glu = GLU(c.fwc0, c)
        self.gain_dense_out = Linear(c.fwc0, 4, False, c)
        self.gru1 = GRU(c.fwc0 + 2 * n, c.gru1, c)
        self.gru2 = GRU(c.gru1 + 2 * n, c.gru2, c)
        self.gru3 = GRU(c.gru2 + 2 * n, c.gru3, c)
        self.gru1_glu = GLU(c.gru1, c)
        self.gru2_glu = GLU(c.gru2, c)
        self.gru3_glu = GLU(c.gru3, c)
        self.skip_dense = Linear(c.gru1 + c.gru2 + c.gru3 + c.fwc0 + 2 * n, c.skip, True, c)
        self.skip_glu = GLU(c.skip, c)
        self.sig_dense_out = Linear(c.skip, n, True, c)
        self.register_buffer("taps", torch.arange(n + c.pitch_taps), persistent=False)

    def gain(self, cond):
        """The subframe's gain from its conditioning: (..., 80) -> (..., 1)."""
        return torch.exp(self.cond_gain_dense(cond))

    def pitch_index(self, period):
        """Pitch buffer positions of the prediction: one period back, 2 samples before to 2 after the
        subframe, wrapping round the last period (..., ) int64 -> (..., 44)."""
        size = self.config.pitch_buffer
        idx = size - period[..., None] - 2 + self.taps
        return torch.where(idx >= size, idx - period[..., None], idx).clamp(min=0)

    def forward(self, cond, gain, index, state: FarganState):
        """One subframe (fargan.c's run_fargan_subframe) before de-emphasis.

        Args:
            cond: (B, 80); gain: (B, 1) = self.gain(cond); index: (B, 44) = self.pitch_index(lag);
            state: its fwc0, GRU and pitch buffer entries are read.
        Returns:
            pre-emphasised output (B, 40) and the new (fwc0, gru1, gru2, gru3) states.
        """
        n = self.config.subframe_samples
        buffer = state.pitch_buffer  # (B, 256)
        inv_gain = 1.0 / (1e-5 + gain)
        pred = torch.clamp(inv_gain * torch.gather(buffer, 1, index), -1.0, 1.0)  # (B, 44)
        prev = torch.clamp(inv_gain * buffer[:, -n:], -1.0, 1.0)  # (B, 40)

        fwc0_in = torch.cat([cond, pred, prev], dim=1)  # (B, 164)
        x = self.fwc0_glu(torch.tanh(self.fwc0_conv(torch.cat([state.fwc0, fwc0_in], dim=1))))  # (B, 192)
        pitch_gate = torch.sigmoid(self.gain_dense_out(x))  # (B, 4)
        fpitch = pitch_gate[:, :, None] * pred[:, None, 2 : 2 + n]  # (B, 4, 40) the gated prediction, aligned
        gru1 = self.gru1(torch.cat([x, fpitch[:, 0], prev], dim=1), state.gru1)
        out1 = self.gru1_glu(gru1)  # (B, 160)
        gru2 = self.gru2(torch.cat([out1, fpitch[:, 1], prev], dim=1), state.gru2)
        out2 = self.gru2_glu(gru2)  # (B, 128)
        gru3 = self.gru3(torch.cat([out2, fpitch[:, 2], prev], dim=1), state.gru3)
        out3 = self.gru3_glu(gru3)  # (B, 128)
        skip_in = torch.cat([out1, out2, out3, x, fpitch[:, 3], prev], dim=1)  # (B, 688)
        skip = self.skip_glu(torch.tanh(self.skip_dense(skip_in)))  # (B, 128)
        pcm = torch.tanh(self.sig_dense_out(skip)) * gain  # (B, 40)
        return pcm, (fwc0_in, gru1, gru2, gru3)


class FARGAN(nn.Module):
    """FARGAN; `from_blob` or `load` for libopus's weights (a bare FARGAN() holds zeros)."""

    def __init__(self, config: FarganConfig = None):
        super().__init__()
        self.config = config or FarganConfig()
        self.cond_net = CondNet(self.config)
        self.sig_net = SigNet(self.config)
        # De-emphasis of a subframe, y[i] = x[i] + a y[i-1], as y = M x + a^(i+1) y[-1].
        n, a = self.config.subframe_samples, self.config.deemphasis
        i = torch.arange(n)
        self.register_buffer("deemph_matrix", torch.tril(a ** (i[:, None] - i[None, :]).clamp(min=0).float()), persistent=False)
        self.register_buffer("deemph_decay", a ** (i + 1).float(), persistent=False)

    # ---- state -------------------------------------------------------------------------------
    def initial_state(self, batch: int, device=None) -> FarganState:
        """fargan_init's all-zero state (before the warm-up)."""
        c = self.config
        z = lambda *shape: torch.zeros(batch, *shape, device=device)  # noqa: E731
        return FarganState(
            cond_conv=z(c.cond_kernel - 1, c.cond_hidden),
            fwc0=z(c.sig_input),
            gru1=z(c.gru1),
            gru2=z(c.gru2),
            gru3=z(c.gru3),
            pitch_buffer=z(c.pitch_buffer),
            deemphasis=z(),
            last_period=torch.zeros(batch, dtype=torch.long, device=device),
        )

    def warmup(self, features: torch.Tensor, pcm: torch.Tensor = None) -> FarganState:
        """fargan_cont: the state after `warmup_frames` frames of features and the speech that preceded.

        Args:
            features: (B, 5, 20), or (B, 20) for five copies of one frame (as fargan_demo does).
            pcm: (B, 320) the speech before the first synthesised frame; None for silence.
        Returns:
            the state to synthesise the next frame from.
        """
        c = self.config
        if features.dim() == 2:
            features = features[:, None, :].expand(-1, c.warmup_frames, -1)
        B = features.shape[0]
        state = self.initial_state(B, features.device)
        if pcm is None:
            pcm = torch.zeros(B, c.warmup_samples, device=features.device)
        period = period_from_features(features)  # (B, 5)
        cond, cond_conv = self.cond_net(features, period, state.cond_conv)
        # fargan_cont leaves last_period at the lag of the frame before its last one.
        last_period = period[:, -2]
        x0 = torch.cat([torch.zeros_like(pcm[:, :1]), pcm[:, 1:] - c.deemphasis * pcm[:, :-1]], dim=1)  # (B, 320)
        buffer = torch.cat([state.pitch_buffer[:, c.frame_samples :], x0[:, : c.frame_samples]], dim=1)
        state.pitch_buffer, state.cond_conv, state.last_period = buffer, cond_conv, last_period
        n = c.subframe_samples
        sub_cond = cond[:, -1].reshape(B, c.subframes, c.cond_subframe)  # (B, 4, 80) the last frame's
        gains, index = self.sig_net.gain(sub_cond), self.sig_net.pitch_index(last_period)  # (B, 4, 1), (B, 44)
        for k in range(c.subframes):
            # The subframe is run for its states; its output is replaced by the true speech.
            truth = x0[:, c.frame_samples + k * n : c.frame_samples + (k + 1) * n]
            _, (state.fwc0, state.gru1, state.gru2, state.gru3) = self.sig_net(sub_cond[:, k], gains[:, k], index, state)
            state.pitch_buffer = torch.cat([state.pitch_buffer[:, n:], truth], dim=1)
        state.deemphasis = pcm[:, -1]
        return state

    # ---- synthesis ---------------------------------------------------------------------------
    def forward(self, features: torch.Tensor, state: FarganState, target: torch.Tensor = None):
        """Frames of speech, one per feature row, continuing from `state` (fargan_synthesize in a loop).

        Args:
            features: (B, T, 20)
            state: from `warmup` or a previous call (not modified).
            target: (B, T * 160) the true speech these calls should produce, for teacher forcing:
                each subframe is predicted from the true speech before it. None: free-running.
        Returns:
            audio (B, T * 160) de-emphasised (with teacher forcing: each subframe's prediction
            de-emphasised from the true sample before it), and the state after the last frame.
        """
        c = self.config
        B, T, _ = features.shape
        if T == 0:
            raise ValueError("features hold no frame")
        n, K = c.subframe_samples, T * c.subframes
        period = period_from_features(features)  # (B, T)
        cond, cond_conv = self.cond_net(features, period, state.cond_conv)  # (B, T, 320)
        cond = cond.reshape(B, K, c.cond_subframe)  # (B, K, 80) one row per subframe
        gains = self.sig_net.gain(cond)  # (B, K, 1)
        # The sig net of frame t uses the lag of frame t - 1, where the cond conv is centred.
        lags = torch.cat([state.last_period[:, None], period[:, :-1]], dim=1)  # (B, T)
        index = self.sig_net.pitch_index(lags)  # (B, T, 44)
        if target is not None:
            if target.shape != (B, T * c.frame_samples):
                raise ValueError(f"target must have shape {(B, T * c.frame_samples)}, not {tuple(target.shape)}")
            before = torch.cat([state.deemphasis[:, None], target[:, :-1]], dim=1)
            target_pre = (target - c.deemphasis * before).reshape(B, K, n)  # (B, K, 40) pre-emphasised truth
        s = FarganState(cond_conv, state.fwc0, state.gru1, state.gru2, state.gru3, state.pitch_buffer, state.deemphasis, period[:, -1])
        pre = []  # (B, 40) pre-emphasised output of each subframe
        for j in range(K):
            pcm, (s.fwc0, s.gru1, s.gru2, s.gru3) = self.sig_net(cond[:, j], gains[:, j], index[:, j // c.subframes], s)
            pre.append(pcm)
            fed = pcm if target is None else target_pre[:, j]
            s.pitch_buffer = torch.cat([s.pitch_buffer[:, n:], fed], dim=1)  # (B, 256)
        # De-emphasis, 1 / (1 - 0.85 z^-1), per subframe from the sample before it: the previous output
        # when free-running, the true sample when teacher-forced.
        local = F.linear(torch.stack(pre, dim=1), self.deemph_matrix)  # (B, K, 40) from a zero sample
        if target is None:
            carry = [state.deemphasis]
            for j in range(K - 1):
                carry.append(local[:, j, -1] + self.deemph_decay[-1] * carry[-1])
            carry = torch.stack(carry, dim=1)  # (B, K)
        else:
            carry = torch.cat([state.deemphasis[:, None], target[:, n - 1 :: n][:, :-1]], dim=1)  # (B, K)
        audio = (local + carry[:, :, None] * self.deemph_decay).reshape(B, K * n)
        s.deemphasis = audio[:, -1] if target is None else target[:, -1]
        return audio, s

    def render(self, features: torch.Tensor, target: torch.Tensor = None) -> torch.Tensor:
        """Speech time-aligned with the audio the features were analysed from (native.synthesize's schedule).

        The warm-up consumes features[:, 0] and its own frame is not synthesised; then rows 1.. and the
        last row twice more, and the first LEAD_SAMPLES samples are dropped.

        Args:
            features: (B, N, 20)
            target: (B, N * 160) the analysed speech, for teacher forcing; None: free-running.
        Returns:
            (B, N * 160); sample n renders input sample n.
        """
        B, N, _ = features.shape
        rows = torch.cat([features[:, 1:], features[:, -1:], features[:, -1:]], dim=1)  # (B, N + 1, 20)
        state = self.warmup(features[:, 0])
        raw_target = None
        if target is not None:
            if target.shape != (B, N * FRAME_SAMPLES):
                raise ValueError(f"target must have shape {(B, N * FRAME_SAMPLES)}, not {tuple(target.shape)}")
            # Raw output sample m renders input sample m - LEAD_SAMPLES; zeros outside the input.
            pad = FRAME_SAMPLES - LEAD_SAMPLES
            raw_target = F.pad(target, (LEAD_SAMPLES, pad))  # (B, (N + 1) * 160)
        audio, _ = self(rows, state, raw_target)  # (B, (N + 1) * 160)
        return audio[:, LEAD_SAMPLES : LEAD_SAMPLES + N * FRAME_SAMPLES]

    @torch.no_grad()
    def synthesize(self, features: np.ndarray) -> np.ndarray:
        """`render` on numpy: the PyTorch twin of native.synthesize.

        Args:
            features: (frames, 20) float32
        Returns:
            (frames * 160,) float32
        """
        rows = torch.from_numpy(native.check_features(features))[None]  # (1, N, 20)
        return self.render(rows)[0].numpy()

    # ---- weights -----------------------------------------------------------------------------
    @classmethod
    def from_blob(cls, data: bytes, config: FarganConfig = None) -> "FARGAN":
        """The model with the weights of a libopus weights blob's fargan records (the numbers the C uses)."""
        model = cls(config)
        arrays = blob_reader.read_blob(data)
        c = model.config
        pembed = blob_reader.linear(arrays, "cond_net_pembed", c.pitch_codes, c.pitch_embed)
        with torch.no_grad():
            # The embedding is stored as a 224 -> 12 dense layer; fargan.c reads its rows, no bias.
            model.cond_net.pembed.weight.copy_(torch.from_numpy(pembed.weight.T))
        layers = {
            "cond_net_fdense1": model.cond_net.fdense1,
            "cond_net_fconv1": model.cond_net.fconv1,
            "cond_net_fdense2": model.cond_net.fdense2,
        }
        sig = model.sig_net
        layers.update(
            {
                "sig_net_cond_gain_dense": sig.cond_gain_dense,
                "sig_net_fwc0_conv": sig.fwc0_conv,
                "sig_net_fwc0_glu_gate": sig.fwc0_glu.gate,
                "sig_net_gain_dense_out": sig.gain_dense_out,
                "sig_net_skip_dense": sig.skip_dense,
                "sig_net_skip_glu_gate": sig.skip_glu.gate,
                "sig_net_sig_dense_out": sig.sig_dense_out,
            }
        )
        for i, gru in ((1, sig.gru1), (2, sig.gru2), (3, sig.gru3)):
            layers[f"sig_net_gru{i}_input"] = gru.input
            layers[f"sig_net_gru{i}_recurrent"] = gru.recurrent
            layers[f"sig_net_gru{i}_glu_gate"] = getattr(sig, f"gru{i}_glu").gate
        for name, layer in layers.items():
            outputs, inputs = layer.weight.shape
            stored = blob_reader.linear(arrays, name, inputs, outputs)
            if stored.quantized != layer.int8:
                raise blob_reader.BlobError(f"{name}: the blob's {'int8' if stored.quantized else 'float'} weights are not what FARGAN expects")
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(stored.weight))
                layer.bias.copy_(torch.from_numpy(stored.bias))
        return model


def load(config: FarganConfig = None) -> FARGAN:
    """FARGAN with the runtime's weights blob (public/vocoder/libopus-vocoder.bin), in eval mode."""
    return FARGAN.from_blob(library.weights(), config).eval()
