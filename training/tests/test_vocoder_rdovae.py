"""The PyTorch RDO-VAE (training/vocoder/rdovae.py) against libopus's C on real speech features.

- libopus's own RDO-VAE C (native/rdovae_glue.c over dred_rdovae_enc.c / _dec.c), built here with
  exact tanh/sigmoid (HIGH_ACCURACY) and no SIMD: PyTorch gives the same numbers to float rounding
  until a rounding difference flips one 8-bit activation (the encoder's GRUs then carry it on).
- the shipped native build (libfxvocoder.so, whose tanh and sigmoid are AVX2 approximations): a DRED
  payload of the stand-alone codec, range-decoded by the C, goes through the PyTorch decoder and
  lands as close to the C's own features as the exact C does.
- the contract a training loop relies on: forward time order, the state at the end, batches,
  chunks, gradients to latents and state, frozen weights.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ctypes  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import unittest  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402

from training.vocoder import blob, dred, native, rdovae  # noqa: E402

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
# ../shared/data beside the checkout (CI lays a copy there): LJ Speech training clips.
LJ = Path(__file__).resolve().parents[3] / "shared/data/ljspeech-364/wavs"
CLIPS = ["LJ001-0001", "LJ001-0003", "LJ001-0005"]
FEATURES = 20

# libopus sources the exact reference needs beside native/rdovae_glue.c (the payload reader included).
REFERENCE_SOURCES = [
    *(f"dnn/{n}.c" for n in ("nnet", "nnet_default", "parse_lpcnet_weights", "dred_rdovae_enc", "dred_rdovae_dec")),
    *(f"dnn/{n}.c" for n in ("dred_rdovae_enc_data", "dred_rdovae_dec_data", "dred_rdovae_stats_data", "dred_decoder", "dred_coding")),
    *(f"celt/{n}.c" for n in ("entdec", "entenc", "entcode", "laplace")),
]
# HIGH_ACCURACY: libm's tanh and exp; no SIMD flags, so the 8-bit products are exact integers.
REFERENCE_FLAGS = ["-DOPUS_BUILD", "-DUSE_WEIGHTS_FILE", "-DHAVE_LRINTF", "-DVAR_ARRAYS", "-DDISABLE_DEBUG_FLOAT", "-DHIGH_ACCURACY", "-DENABLE_DRED"]


def build_reference(out_dir: Path):
    src = Path(subprocess.run(["bash", str(ROOT / "native/opus-source.sh")], check=True, capture_output=True, text=True).stdout.strip())
    lib = out_dir / "librdovae_exact.so"
    includes = [f"-I{src / d}" for d in ("include", "celt", "silk", "dnn", ".")]
    sources = [str(ROOT / "native/rdovae_glue.c"), *(str(src / s) for s in REFERENCE_SOURCES)]
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-w", *REFERENCE_FLAGS, *includes, *sources, "-lm", "-o", str(lib)], check=True)
    return rdovae.bind(ctypes.CDLL(str(lib)))


def read(clip):
    audio, rate = sf.read(str(LJ / f"{clip}.flac"), dtype="float32")
    assert rate == native.SAMPLE_RATE_HZ
    return audio


def whole_blocks(features):
    return features[: len(features) // 4 * 4]


def decoder_inputs(latents, level):
    """(L, 25) oldest first -> the C's (L, 26) newest first with the level input."""
    return np.concatenate([latents[::-1], np.full((len(latents), 1), level / 8 - 1, np.float32)], axis=1)


def torch_decoder(model, state, inputs):
    """The PyTorch decoder on the C's inputs, in the C's order: (L, 80), newest frame first."""
    with torch.no_grad():
        out, _ = model.decoder(torch.from_numpy(np.ascontiguousarray(inputs))[None], model.decoder.initial_state(torch.from_numpy(state)[None]))
    return out[0].numpy()


class Shared(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = rdovae.load()
        cls.audio = {c: read(c) for c in CLIPS}
        cls.features = {c: whole_blocks(native.analyse(a)) for c, a in cls.audio.items()}


class BlobTest(unittest.TestCase):
    def test_int8_layers_dequantize_to_their_trained_bias(self):
        # libopus adds `subias` (bias less the +127 activation offset's product); adding the dequantized
        # matrix's row sums back must give the `_bias` record, dense and block-sparse layers alike.
        arrays = blob.read_blob(rdovae.weights())
        layers = rdovae.RdoVae().blob_layers()
        checked = sparse = 0
        for name in sorted(n[: -len("_subias")] for n in arrays if n.endswith("_subias")):
            outputs, inputs = layers[name].weight.shape
            layer = rdovae._layer(arrays, name, inputs, outputs)
            self.assertTrue(layer.quantized, name)
            np.testing.assert_allclose(layer.bias, arrays[f"{name}_bias"], atol=2e-5, err_msg=name)
            checked += 1
            sparse += f"{name}_weights_idx" in arrays
        self.assertEqual((checked, sparse), (50, 23))

    def test_corrupt_sparse_index_is_a_clear_error(self):
        arrays = blob.read_blob(rdovae.weights())
        arrays["dec_output_weights_idx"] = arrays["dec_output_weights_idx"].copy()
        arrays["dec_output_weights_idx"][1] = 575  # not a multiple of 4
        with self.assertRaisesRegex(blob.BlobError, "dec_output_weights_idx"):
            rdovae._layer(arrays, "dec_output", 576, 80)

    def test_blob_without_the_decoder_names_what_is_missing(self):
        data = rdovae.weights()
        records, pos = [], 0
        while pos < len(data):
            block = int.from_bytes(data[pos + 16 : pos + 20], "little")
            name = data[pos + 20 : pos + 64].split(b"\0", 1)[0].decode()
            if not name.startswith("dec_"):
                records.append(data[pos : pos + blob.HEADER_BYTES + block])
            pos += blob.HEADER_BYTES + block
        with self.assertRaisesRegex(blob.BlobError, "dec_"):
            rdovae.RdoVae.from_blob(b"".join(records))


class ReferenceTest(Shared):
    """Against libopus's RDO-VAE C with exact activations (number for number) and the shipped build
    (whose tanh and sigmoid are approximations: as close as the exact C is)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ref = build_reference(Path(cls.tmp.name))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_decoder_same_numbers_as_libopus(self):
        # 1 s segments (25 latents, the C's own latents and state) every 200 ms. Measured: max
        # difference 1.9e-6 .. 5.7e-6 in 94 of 106 segments, the others parted by a flipped 8-bit activation.
        errors = []
        for clip in CLIPS:
            latents, states = rdovae.native_encode(self.features[clip], self.ref)
            sent = latents[1::2]
            for start in range(0, len(sent) - 25, 5):
                state, inputs = states[2 * (start + 25) - 1], decoder_inputs(sent[start : start + 25], 0)
                exact = rdovae.native_decode(state, inputs, self.ref)
                errors.append(np.abs(torch_decoder(self.model, state, inputs) - exact).max())
        self.assertGreaterEqual(len(errors), 60)
        self.assertLess(np.median(errors), 2e-5)
        self.assertGreaterEqual(np.mean(np.array(errors) < 1e-4), 0.75)

    def test_encoder_same_numbers_as_libopus(self):
        # 0.5 s segments (25 steps) every 200 ms, from a zero state: latents and states equal to float
        # rounding until a flipped 8-bit activation parts them (measured: in 90 % of 113 segments none
        # does, median max difference 4.6e-5).
        errors = []
        for clip in CLIPS:
            f = self.features[clip]
            for start in range(0, len(f) - 50, 20):
                segment = f[start : start + 50]
                latents, states = rdovae.native_encode(segment, self.ref)
                with torch.no_grad():
                    z, s = self.model.encoder(torch.from_numpy(segment)[None])
                errors.append(max(np.abs(z[0].numpy() - latents).max(), np.abs(s[0].numpy() - states).max()))
        self.assertGreaterEqual(len(errors), 50)
        self.assertGreaterEqual(np.mean(np.array(errors) < 1e-3), 0.75)

    def test_payload_reader_and_blob_are_the_codecs(self):
        # The glue reads a payload's state and latents as the exact build does (integer range decoding),
        # and its decoder, with the blob's weights, gives the codec's features (weights compiled in)
        # bit for bit: the blob holds the numbers the C runs.
        data = dred.encode(self.audio[CLIPS[0]], dred.Quantizer(6))
        stream = dred.parse(data)
        shipped, _, _ = dred.decode_features(data)
        at = 0
        for payload, count in zip(stream.payloads, stream.latents):
            state, inputs = rdovae.payload_inputs(payload, count)
            exact_state, exact_inputs = rdovae.payload_inputs(payload, count, self.ref)
            np.testing.assert_array_equal(state, exact_state)
            np.testing.assert_array_equal(inputs, exact_inputs)
            codec = shipped[at : at + 4 * count]
            glue = rdovae.native_decode(state, inputs).reshape(-1, FEATURES)[::-1]
            np.testing.assert_array_equal(glue, codec)
            at += 4 * count

    def test_payload_latents_through_pytorch_give_the_codecs_features(self):
        # A stand-alone DRED stream (1 s payloads) at three quantisers; each payload's dequantised state
        # and latents, as the C reads them, go through the PyTorch decoder. Measured over 25 payloads
        # (mean |feature| 0.8): mean |difference| 0.0127, 0.0123, 0.0115 at q 0, 6, 12, max 0.22 .. 0.24,
        # the exact C's distance to the shipped build to 4 decimals.
        for q in (0, 6, 12):
            torch_err, exact_err, peak = [], [], []
            for clip in CLIPS:
                data = dred.encode(self.audio[clip], dred.Quantizer(q))
                stream = dred.parse(data)
                shipped, _, _ = dred.decode_features(data)
                at = 0
                for payload, count in zip(stream.payloads, stream.latents):
                    state, inputs = rdovae.payload_inputs(payload, count)
                    self.assertEqual(inputs[0, -1], q / 8 - 1)  # the level input of a uniform quantiser
                    codec = shipped[at : at + 4 * count]
                    ours = torch_decoder(self.model, state, inputs).reshape(-1, FEATURES)[::-1]
                    exact = rdovae.native_decode(state, inputs, self.ref).reshape(-1, FEATURES)[::-1]
                    torch_err.append(np.abs(ours - codec).mean())
                    exact_err.append(np.abs(exact - codec).mean())
                    peak.append(np.abs(ours - codec).max())
                    at += 4 * count
            self.assertLess(np.mean(torch_err), 0.03, q)
            self.assertLess(np.max(peak), 0.5, q)
            self.assertAlmostEqual(np.mean(torch_err), np.mean(exact_err), delta=0.1 * np.mean(exact_err))

    def test_decoder_takes_dequantised_latents_in_encoder_units(self):
        # Each payload latent is an integer number of quantiser steps 256 / scale at its level: the
        # decoder input is the encoder's latent rounded to that grid, not a rescaled one.
        latent_scales, _, state_scales = rdovae.quantizer_steps()
        q = 6
        stream = dred.parse(dred.encode(self.audio[CLIPS[1]], dred.Quantizer(q)))
        for payload, count in zip(stream.payloads, stream.latents):
            state, inputs = rdovae.payload_inputs(payload, count)
            steps = inputs[:, :-1] * latent_scales[q] / 256.0
            np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
            state_steps = state * state_scales[q] / 256.0
            np.testing.assert_allclose(state_steps, np.round(state_steps), atol=1e-3)

    def test_encoder_near_the_native_build(self):
        # The encoder runs forward over whole clips; flipped activations leave a lasting difference in
        # both builds. Measured: mean |PyTorch - C| 0.090 .. 0.094 against a mean |latent| of 4 (states
        # 0.115 .. 0.120 against 8.5 .. 9.2), as exact C to shipped C.
        for clip in CLIPS:
            latents, states = rdovae.native_encode(self.features[clip])
            with torch.no_grad():
                z, s = self.model.encoder(torch.from_numpy(self.features[clip])[None])
            self.assertLess(np.abs(z[0].numpy() - latents).mean(), 0.05 * np.abs(latents).mean(), clip)
            self.assertLess(np.abs(s[0].numpy() - states).mean(), 0.05 * np.abs(states).mean(), clip)


class ContractTest(Shared):
    def test_round_trip_is_aligned_in_forward_time(self):
        # encode -> decode gives frame n back at frame n: the error is smallest with no shift.
        f = self.features[CLIPS[1]]
        with torch.no_grad():
            latents, state = self.model.encode(torch.from_numpy(f)[None])
            y = self.model.decode(latents, state)[0].numpy()
        self.assertEqual(tuple(latents.shape), (1, len(f) // 4, 25))
        self.assertEqual(tuple(state.shape), (1, 50))
        self.assertEqual(y.shape, f.shape)
        err = {s: np.abs(y[max(s, 0) : len(f) + min(s, 0), :6] - f[max(-s, 0) : len(f) - max(s, 0), :6]).mean() for s in (-1, 0, 1)}
        self.assertLess(err[0], 0.35)
        self.assertLess(err[0], 0.7 * min(err[-1], err[1]))

    def test_decode_is_the_c_decoder_in_forward_time(self):
        # decode(latents oldest first, state) is DRED_rdovae_decode_all on the reversed latents, reversed.
        f = self.features[CLIPS[0]][:200]
        z, s = rdovae.native_encode(f)
        latents, state = z[1::2], s[-1]
        c = rdovae.native_decode(state, decoder_inputs(latents, 0)).reshape(-1, FEATURES)[::-1]
        with torch.no_grad():
            y = self.model.decode(torch.from_numpy(latents)[None], torch.from_numpy(state)[None])[0].numpy()
        self.assertLess(np.abs(y - c).mean(), 0.03)
        # The state sits at the end: the last frames depend on it most.
        with torch.no_grad():
            other = self.model.decode(torch.from_numpy(latents)[None], torch.from_numpy(s[len(s) // 2])[None])[0].numpy()
        change = np.abs(other - y).mean(axis=1)
        self.assertGreater(change[-8:].mean(), 3 * change[:8].mean())

    def test_batches_chunks_and_levels(self):
        f = torch.from_numpy(np.stack([self.features[CLIPS[0]][:160], self.features[CLIPS[1]][:160]]))  # (2, 160, 20)
        with torch.no_grad():
            latents, state = self.model.encode(f)  # (2, 40, 25), (2, 50)
            both = self.model.decode(latents, state, level=3)
            one = self.model.decode(latents[1:], state[1:], level=torch.full((1, 40), 3))
            torch.testing.assert_close(both[1:], one, rtol=0, atol=1e-5)
            inputs = torch.cat([latents.flip(1), torch.full((2, 40, 1), 3 / 8 - 1)], dim=-1)
            start = self.model.decoder.initial_state(state)
            whole, _ = self.model.decoder(inputs, start)
            head, mid = self.model.decoder(inputs[:, :15], start)
            tail, _ = self.model.decoder(inputs[:, 15:], mid)
        torch.testing.assert_close(torch.cat([head, tail], dim=1), whole, rtol=0, atol=1e-6)
        torch.testing.assert_close(whole.reshape(2, 160, FEATURES).flip(1), both, rtol=0, atol=0)

    def test_gradients_reach_latents_and_state_not_weights(self):
        f = torch.from_numpy(self.features[CLIPS[1]][:128])[None]
        with torch.no_grad():
            latents, state = self.model.encode(f)
        latents, state = latents.clone().requires_grad_(True), state.clone().requires_grad_(True)
        loss = (self.model.decode(latents, state) - f).abs().mean()
        loss.backward()
        for g in (latents.grad, state.grad):
            self.assertTrue(torch.isfinite(g).all())
            self.assertGreater(g.abs().sum().item(), 0)
        self.assertFalse(any(p.requires_grad for p in self.model.parameters()))

    def test_encode_wants_whole_40ms_blocks(self):
        with self.assertRaisesRegex(ValueError, "multiple of 4"):
            self.model.encode(torch.zeros(1, 10, FEATURES))


if __name__ == "__main__":
    unittest.main()
