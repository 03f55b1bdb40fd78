"""DRED's RDO-VAE (libopus 1.6.1's Deep REDundancy codec) in PyTorch, with the C build's weights.

The encoder turns LPCNet features (20 per 10 ms) into a 25-dim latent and a 50-dim decoder state
every 20 ms; DRED sends every second latent (each stands for 40 ms) and one state, the newest. The
decoder starts from that state at the *end* of the sequence and runs backwards in time, one latent
per step, each step giving 4 feature frames, newest first. Both are stacks of GRUs and 2-tap
causal convolutions whose outputs are all concatenated (dnn/dred_rdovae_enc.c, dred_rdovae_dec.c):

  encoder: dense(40 -> 64) tanh, then 5 x [GRU(32), dense -> 64 tanh -> conv(k=2, dilation 1 for the
           first, 2 for the others) tanh]; latent = dense(544 -> 25); state = dense(tanh(dense(544 -> 128)) -> 50)
  decoder: state -> tanh dense 128 -> tanh dense 320 = five GRU states; per latent: dense(26 -> 96) tanh,
           then 5 x [GRU(64) -> GLU, dense -> 32 tanh -> conv(k=2) tanh]; output dense(576 -> 80) = 4 frames

Every layer sees only earlier layers at the same or earlier steps, so both run layer by layer over
the whole sequence (only the GRU recurrences loop over steps): the same numbers as the C's step loop.

Quantisation. DRED's quantiser works between the two networks: a latent x at level q (0 finest ...
15 coarsest) is coded as the integer nearest x * s_q / 256 after a dead zone, with s_q a per-level,
per-dimension step table (dred_rdovae_stats_data.c), and decoded as that integer * 256 / s_q. So the
decoder takes latents in the encoder's own units (no rescaling), plus a 26th input, q / 8 - 1, which
tells it how coarse they are. At level 0 the step is 1 in every dimension (the encoder's units are the
finest quantiser's steps); coarser levels have larger steps, and some dimensions are always sent as 0.
The state is quantised the same way at the packet's q0.

    model = load()                                   # build/vocoder/libopus-dred.bin
    latents, state = model.encode(features)          # (B, 4L, 20) -> (B, L, 25), (B, 50)
    features = model.decode(latents, state)          # -> (B, 4L, 20), differentiable

The weights are frozen (requires_grad False); gradients flow to latents and state. With
`RdoVaeConfig.quantize_activations` (default) the int8 layers see their inputs in 1/127 steps as
libopus on x86 (straight-through gradient); tanh and sigmoid are exact where libopus's are
approximations. So the numbers are those of libopus's C built with exact activations (to 6e-6, until
a rounding difference flips one 8-bit activation), and differ from the shipped native build as much
as that exact C does (decoded features: mean 0.012, max 0.24 apart; training/tests/test_vocoder_rdovae.py,
docs/DRED_LATENT.md).
"""

import ctypes
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from . import blob as blob_reader
from . import library
from .fargan import GLU, Linear

# Built by native/build.sh: the RDO-VAE records of libopus 1.6.1's weights blob.
WEIGHTS_PATH = library.ROOT / "build" / "vocoder" / "libopus-dred.bin"
# Feature frames per encoder step (20 ms) and per decoder step / sent latent (40 ms).
ENCODER_FRAMES, DECODER_FRAMES = 2, 4
# Quantiser level fed to the decoder by `decode` when the caller gives none: the finest, the
# closest to unquantised latents (docs/DRED_LATENT.md measures the others).
DEFAULT_LEVEL = 0


@dataclass
class RdoVaeConfig:
    feature_count: int = 20  # DRED_NUM_FEATURES
    latent_dim: int = 25  # DRED_LATENT_DIM
    state_dim: int = 50  # DRED_STATE_DIM
    layers: int = 5  # GRU + conv blocks in each network
    enc_dense: int = 64  # ENC_DENSE1_OUT_SIZE
    enc_gru: int = 32
    enc_conv: int = 64
    enc_state_hidden: int = 128  # GDENSE1_OUT_SIZE
    dec_dense: int = 96  # DEC_DENSE1_OUT_SIZE
    dec_gru: int = 64
    dec_conv: int = 32
    dec_hidden_init: int = 128
    quant_levels: int = 16  # DRED_NUM_QUANTIZATION_LEVELS
    quantize_activations: bool = True  # int8 layers see inputs in 1/127 steps, as libopus on x86


class SequenceGRU(nn.Module):
    """nnet.c's compute_generic_gru over a sequence: gates z, r, h; reset applied after the recurrent product."""

    def __init__(self, inputs: int, size: int, config: RdoVaeConfig):
        super().__init__()
        self.size = size
        self.input = Linear(inputs, 3 * size, True, config)
        self.recurrent = Linear(size, 3 * size, True, config)

    def forward(self, x, h):
        """x (B, T, inputs), h (B, size) -> every step's state (B, T, size)."""
        n = self.size
        zrh = self.input(x)  # (B, T, 3n) all steps at once
        out = []
        for t in range(x.shape[1]):
            rec = self.recurrent(h)  # (B, 3n)
            z, r = torch.sigmoid(zrh[:, t, : 2 * n] + rec[:, : 2 * n]).chunk(2, dim=1)
            candidate = torch.tanh(zrh[:, t, 2 * n :] + r * rec[:, 2 * n :])
            h = candidate + z * (h - candidate)  # z h + (1 - z) candidate
            out.append(h)
        return torch.stack(out, dim=1)


class CausalConv(nn.Module):
    """compute_generic_conv1d(_dilation) with kernel 2: tanh(W [x[t - dilation], x[t]]), older input first."""

    def __init__(self, size: int, dilation: int, config: RdoVaeConfig):
        super().__init__()
        self.dilation = dilation
        self.dense = Linear(2 * size, size, True, config)

    def forward(self, x, memory):
        """x (B, T, size), memory (B, dilation, size) the inputs before x, oldest first ->
        (B, T, size), new memory."""
        history = torch.cat([memory, x], dim=1)  # (B, dilation + T, size)
        T = x.shape[1]
        y = torch.tanh(self.dense(torch.cat([history[:, :T], x], dim=-1)))
        return y, history[:, T:]


class Block(nn.Module):
    """One GRU + conv block; its outputs are appended to its input (both networks' layout)."""

    def __init__(self, inputs: int, gru: int, conv: int, dilation: int, glu: bool, config: RdoVaeConfig):
        super().__init__()
        self.gru = SequenceGRU(inputs, gru, config)
        self.glu = GLU(gru, config) if glu else None
        self.conv_dense = Linear(inputs + gru, conv, True, config)
        self.conv = CausalConv(conv, dilation, config)

    def forward(self, x, h, memory):
        """x (B, T, inputs), h (B, gru), memory (B, dilation, conv) -> (B, T, inputs + gru + conv), last GRU state, new memory."""
        states = self.gru(x, h)  # (B, T, gru)
        x = torch.cat([x, self.glu(states) if self.glu else states], dim=-1)
        y, memory = self.conv(torch.tanh(self.conv_dense(x)), memory)
        return torch.cat([x, y], dim=-1), states[:, -1], memory


@dataclass
class DecoderState:
    """RDOVAEDecState between calls; batch first."""

    gru: list  # layers x (B, 64)
    conv: list  # layers x (B, 1, 32): each conv's last input

    def detach(self):
        return DecoderState([h.detach() for h in self.gru], [m.detach() for m in self.conv])


class RdoVaeDecoder(nn.Module):
    """dred_rdovae_dec.c: 50-dim state + latents (newest first) -> 4 feature frames per latent."""

    def __init__(self, config: RdoVaeConfig = None):
        super().__init__()
        c = self.config = config or RdoVaeConfig()
        self.hidden_init = Linear(c.state_dim, c.dec_hidden_init, False, c)
        self.gru_init = Linear(c.dec_hidden_init, c.layers * c.dec_gru, True, c)
        self.dense1 = Linear(c.latent_dim + 1, c.dec_dense, False, c)
        width = c.dec_dense
        self.blocks = nn.ModuleList()
        for _ in range(c.layers):
            self.blocks.append(Block(width, c.dec_gru, c.dec_conv, 1, True, c))
            width += c.dec_gru + c.dec_conv
        self.output = Linear(width, DECODER_FRAMES * c.feature_count, True, c)

    def initial_state(self, state: torch.Tensor) -> DecoderState:
        """dred_rdovae_dec_init_states: (B, 50) -> GRU states from two tanh denses, conv memories zero."""
        c = self.config
        h = torch.tanh(self.gru_init(torch.tanh(self.hidden_init(state))))  # (B, 320)
        zeros = state.new_zeros(state.shape[0], 1, c.dec_conv)
        return DecoderState(list(h.split(c.dec_gru, dim=1)), [zeros] * c.layers)

    def forward(self, inputs: torch.Tensor, state: DecoderState):
        """dred_rdovae_decode_qframe, one step per row of `inputs`, in the C's order.

        Args:
            inputs: (B, L, 26) latents newest first, each with its level input q / 8 - 1.
            state: from `initial_state` or a previous call (not modified).
        Returns:
            (B, L, 80): per step 4 frames of 20 features, newest frame first; the state after the last step.
        """
        x = torch.tanh(self.dense1(inputs))  # (B, L, 96)
        gru, conv = [], []
        for block, h, memory in zip(self.blocks, state.gru, state.conv):
            x, h, memory = block(x, h, memory)
            gru.append(h)
            conv.append(memory)
        return self.output(x), DecoderState(gru, conv)


class RdoVaeEncoder(nn.Module):
    """dred_rdovae_enc.c: pairs of feature frames -> unquantised latent and decoder state per 20 ms."""

    def __init__(self, config: RdoVaeConfig = None):
        super().__init__()
        c = self.config = config or RdoVaeConfig()
        self.dense1 = Linear(ENCODER_FRAMES * c.feature_count, c.enc_dense, False, c)
        width = c.enc_dense
        self.blocks = nn.ModuleList()
        for i in range(c.layers):
            self.blocks.append(Block(width, c.enc_gru, c.enc_conv, 1 if i == 0 else 2, False, c))
            width += c.enc_gru + c.enc_conv
        self.zdense = Linear(width, c.latent_dim, True, c)
        self.gdense1 = Linear(width, c.enc_state_hidden, True, c)
        self.gdense2 = Linear(c.enc_state_hidden, c.state_dim, True, c)

    def forward(self, features: torch.Tensor):
        """The encoder from its zero state (dred_encoder_reset), one step per 2 frames.

        Args:
            features: (B, 2S, 20) oldest first.
        Returns:
            latents (B, S, 25) and states (B, S, 50), unquantised; step k has seen frames up to 2k + 1.
        """
        c = self.config
        B, T, _ = features.shape
        if T == 0 or T % ENCODER_FRAMES:
            raise ValueError(f"the encoder takes a positive even number of frames, not {T}")
        x = torch.tanh(self.dense1(features.reshape(B, T // ENCODER_FRAMES, ENCODER_FRAMES * c.feature_count)))
        for block in self.blocks:
            h = x.new_zeros(B, c.enc_gru)
            memory = x.new_zeros(B, block.conv.dilation, c.enc_conv)
            x, _, _ = block(x, h, memory)
        return self.zdense(x), self.gdense2(torch.tanh(self.gdense1(x)))


class RdoVae(nn.Module):
    """Encoder and decoder with DRED's time bookkeeping: `encode` and `decode` work in forward time."""

    def __init__(self, config: RdoVaeConfig = None):
        super().__init__()
        self.config = config or RdoVaeConfig()
        self.encoder = RdoVaeEncoder(self.config)
        self.decoder = RdoVaeDecoder(self.config)

    def encode(self, features: torch.Tensor):
        """The latents DRED would send for `features`, unquantised, and the state at their end.

        Encoder step k (20 ms) reads frames 2k, 2k + 1 and its latent stands for frames 2k - 2 .. 2k + 1,
        so the odd steps tile the input: latent j covers frames 4j .. 4j + 3.

        Args:
            features: (B, 4L, 20) oldest first.
        Returns:
            latents (B, L, 25) oldest first; state (B, 50), the encoder's state output at the last
            step, which describes the *end* of the sequence (the decoder starts there).
        """
        if features.shape[1] % DECODER_FRAMES:
            raise ValueError(f"encode takes whole 40 ms blocks (a multiple of 4 frames), not {features.shape[1]}")
        latents, states = self.encoder(features)  # (B, 2L, 25), (B, 2L, 50)
        return latents[:, 1::2], states[:, -1]

    def decode(self, latents: torch.Tensor, state: torch.Tensor, level=DEFAULT_LEVEL) -> torch.Tensor:
        """Features from latents and the state at their end, in forward time (DRED's reversal hidden).

        The decoder runs from the state backwards, and drifts the further it goes: DRED uses it over
        at most 26 latents (about 1 s); decode longer sequences in chunks, each with its own state.

        Args:
            latents: (B, L, 25) oldest first, in the encoder's units (dequantised, not scaled).
            state: (B, 50) the state at the end of the sequence, as `encode` returns it.
            level: quantiser level input, an int 0 .. 15 or a (B, L) tensor; 0 for unquantised latents.
        Returns:
            (B, 4L, 20) oldest first: frame 4j + m is the m-th 10 ms frame of latent j.
        """
        B, L, _ = latents.shape
        if not torch.is_tensor(level):
            level = latents.new_full((B, L), float(level))
        inputs = torch.cat([latents, (level.to(latents) / 8.0 - 1.0)[..., None]], dim=-1)  # (B, L, 26)
        out, _ = self.decoder(inputs.flip(1), self.decoder.initial_state(state))  # (B, L, 80) newest first
        c = self.config
        return out.reshape(B, L * DECODER_FRAMES, c.feature_count).flip(1)  # every frame reversed: oldest first

    def blob_layers(self) -> dict:
        """Each Linear by the name of its records in libopus's weights blob."""
        enc, dec = self.encoder, self.decoder
        layers = {"enc_dense1": enc.dense1, "enc_zdense": enc.zdense, "gdense1": enc.gdense1, "gdense2": enc.gdense2}
        layers.update({"dec_dense1": dec.dense1, "dec_hidden_init": dec.hidden_init, "dec_gru_init": dec.gru_init, "dec_output": dec.output})
        for prefix, blocks in (("enc", enc.blocks), ("dec", dec.blocks)):
            for i, b in enumerate(blocks, 1):
                layers.update({f"{prefix}_gru{i}_input": b.gru.input, f"{prefix}_gru{i}_recurrent": b.gru.recurrent})
                layers.update({f"{prefix}_conv_dense{i}": b.conv_dense, f"{prefix}_conv{i}": b.conv.dense})
                if b.glu is not None:
                    layers[f"{prefix}_glu{i}"] = b.glu.gate
        return layers

    @classmethod
    def from_blob(cls, data: bytes, config: RdoVaeConfig = None) -> "RdoVae":
        """The model with a libopus weights blob's RDO-VAE records (the numbers the C uses), frozen."""
        model = cls(config)
        arrays = blob_reader.read_blob(data)
        layers = model.blob_layers()
        for name, layer in layers.items():
            outputs, inputs = layer.weight.shape
            stored = _layer(arrays, name, inputs, outputs)
            if stored.quantized != layer.int8:
                raise blob_reader.BlobError(f"{name}: {'int8' if stored.quantized else 'float'} weights are not what the RDO-VAE expects")
            with torch.no_grad():
                # The C's padded outputs (latent 32, state 56) beyond what it copies out are dropped.
                layer.weight.copy_(torch.from_numpy(stored.weight[:outputs]))
                layer.bias.copy_(torch.from_numpy(stored.bias[:outputs]))
        return model.requires_grad_(False).eval()


# Outputs libopus computes for layers whose result it truncates (DRED_PADDED_LATENT_DIM, _STATE_DIM).
PADDED_OUTPUTS = {"enc_zdense": 32, "gdense2": 56}


def _layer(arrays, name, inputs, outputs) -> blob_reader.Linear:
    """blob.linear, also for the block-sparse layers (a `_weights_idx` record) and padded outputs."""
    outputs = PADDED_OUTPUTS.get(name, outputs)
    if f"{name}_weights_idx" not in arrays:
        return blob_reader.linear(arrays, name, inputs, outputs)
    return _sparse_linear(arrays, name, inputs, outputs)


def _sparse_linear(arrays, prefix, inputs, outputs) -> blob_reader.Linear:
    """A block-sparse layer as its dense matrix (zeros where no block is stored).

    `_weights_idx` lists, for each run of 8 outputs, the count of stored 8 x 4 blocks and each one's
    first input column (vec.h's sparse_cgemv8x4 / sparse_sgemv8x4); the blocks follow in that order,
    int8 ones row-major (8 rows of 4), float ones column-major (4 columns of 8).
    """
    idx = arrays[f"{prefix}_weights_idx"]
    dense, pos, blocks = np.zeros((outputs, inputs)), 0, []
    for row in range(0, outputs, blob_reader.INT8_BLOCK_ROWS):
        if pos >= idx.size:
            raise blob_reader.BlobError(f"{prefix}_weights_idx is shorter than {outputs} outputs need")
        count = int(idx[pos])
        cols = idx[pos + 1 : pos + 1 + count]
        if cols.size != count or np.any(cols % 4) or np.any(cols + 4 > inputs):
            raise blob_reader.BlobError(f"{prefix}_weights_idx is corrupt at output {row}")
        blocks += [(row, int(col)) for col in cols]
        pos += 1 + count
    if pos != idx.size:
        raise blob_reader.BlobError(f"{prefix}_weights_idx is longer than {outputs} outputs need")
    size = 32 * len(blocks)
    if f"{prefix}_weights_float" in arrays:
        w = blob_reader._array(arrays, f"{prefix}_weights_float", size, np.float32).reshape(-1, 4, 8).transpose(0, 2, 1)
        for (row, col), block in zip(blocks, w):
            dense[row : row + 8, col : col + 4] = block
        bias = blob_reader._array(arrays, f"{prefix}_bias", outputs, np.float32)
        return blob_reader.Linear(dense.astype(np.float32), bias.copy(), False)
    q = blob_reader._array(arrays, f"{prefix}_weights_int8", size, np.int8).reshape(-1, 8, 4)
    for (row, col), block in zip(blocks, q):
        dense[row : row + 8, col : col + 4] = block
    scale = blob_reader._array(arrays, f"{prefix}_scale", outputs, np.float32).astype(np.float64)
    subias = blob_reader._array(arrays, f"{prefix}_subias", outputs, np.float32).astype(np.float64)
    weight = blob_reader.ACTIVATION_STEPS * scale[:, None] * dense
    bias = subias + weight.sum(axis=1)  # undo the +127 offset of the unsigned activations
    return blob_reader.Linear(weight.astype(np.float32), bias.astype(np.float32), True)


@lru_cache(maxsize=1)
def weights() -> bytes:
    """The bytes of the RDO-VAE weights blob."""
    if not WEIGHTS_PATH.exists():
        raise library.LibraryMissing(f"{WEIGHTS_PATH} is missing: run `bash native/build.sh`")
    return WEIGHTS_PATH.read_bytes()


def load(config: RdoVaeConfig = None) -> RdoVae:
    """The RDO-VAE with libopus 1.6.1's weights (build/vocoder/libopus-dred.bin), frozen, in eval mode."""
    return RdoVae.from_blob(weights(), config)


# ---- the native C (native/rdovae_glue.c in libfxvocoder.so), the reference the tests compare with ----
_floats = ctypes.POINTER(ctypes.c_float)
_NATIVE_SIGNATURES = {
    "fxr_encode": ([ctypes.c_char_p, ctypes.c_int, _floats, ctypes.c_int, _floats, _floats], ctypes.c_int),
    "fxr_decode": ([ctypes.c_char_p, ctypes.c_int, _floats, _floats, ctypes.c_int, _floats], ctypes.c_int),
    "fxr_payload_inputs": ([ctypes.c_char_p, ctypes.c_int, ctypes.c_int, _floats, _floats], ctypes.c_int),
    "fxr_quant_scales": ([ctypes.POINTER(ctypes.c_uint8)] * 3, None),
}


def bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    """`lib` with rdovae_glue.c's functions typed (libfxvocoder.so, or a test build of the same glue)."""
    for name, (args, result) in _NATIVE_SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib


@lru_cache(maxsize=1)
def _native():
    return bind(library.load())


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(_floats)


def native_encode(features: np.ndarray, lib=None):
    """dred_rdovae_encode_dframe from a zero state: (2S, 20) -> latents (S, 25), states (S, 50), unquantised."""
    c = RdoVaeConfig()
    features = _f32(features)
    steps = features.shape[0] // ENCODER_FRAMES
    latents, states = np.zeros((steps, c.latent_dim), np.float32), np.zeros((steps, c.state_dim), np.float32)
    data = weights()
    if (lib or _native()).fxr_encode(data, len(data), _ptr(features), steps, _ptr(latents), _ptr(states)) != 0:
        raise RuntimeError("the native RDO-VAE encoder refused its weights or input")
    return latents, states


def native_decode(state: np.ndarray, inputs: np.ndarray, lib=None) -> np.ndarray:
    """DRED_rdovae_decode_all: state (50,), inputs (L, 26) newest first -> (L, 80), newest frame first."""
    inputs, state = _f32(inputs), _f32(state)
    out = np.zeros((inputs.shape[0], DECODER_FRAMES * RdoVaeConfig().feature_count), np.float32)
    data = weights()
    if (lib or _native()).fxr_decode(data, len(data), _ptr(state), _ptr(inputs), inputs.shape[0], _ptr(out)) != 0:
        raise RuntimeError("the native RDO-VAE decoder refused its weights or input")
    return out


def payload_inputs(payload: bytes, latents: int, lib=None):
    """A DRED payload's dequantised state (50,) and decoder inputs (latents, 26), newest first."""
    c = RdoVaeConfig()
    state, inputs = np.zeros(c.state_dim, np.float32), np.zeros((latents, c.latent_dim + 1), np.float32)
    if (lib or _native()).fxr_payload_inputs(payload, len(payload), latents, _ptr(state), _ptr(inputs)) != 0:
        raise ValueError(f"the payload does not decode as {latents} DRED latents")
    return state, inputs


def quantizer_steps():
    """DRED's Q8 step tables: latent scales (16, 25), latent dead zones (16, 25), state scales (16, 50).

    At level q a value x is coded as round(x * s / 256) after a dead zone and decoded as that * 256 / s.
    """
    c = RdoVaeConfig()
    tables = [np.zeros((c.quant_levels, d), np.uint8) for d in (c.latent_dim, c.latent_dim, c.state_dim)]
    _native().fxr_quant_scales(*(t.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)) for t in tables))
    return tuple(tables)
