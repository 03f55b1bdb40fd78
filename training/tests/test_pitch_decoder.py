"""The pitch-driven decoder (Config.pitch): the harmonic synthesiser puts energy at multiples of the
coded F0, joins decoder windows without a phase jump, trains, and exports to ONNX that agrees."""
import json
import os
import tempfile
import unittest

import numpy as np
import onnxruntime as ort
import torch

from training import export, train
from training.model import Codec, Config, HarmonicSynth, tiny_config
from training.pitch import code
from training.tests.golden import read_golden
from training.tests.synthetic_corpus import write_corpus


def synth_of(c, f0_hz, frames, log_amp=-3.0):
    s = HarmonicSynth(c)
    f0 = torch.full((1, frames), float(f0_hz))
    phase = torch.from_numpy(code.phase_starts(f0[0].numpy()).astype(np.float32))[None]
    env = torch.full((1, frames, c.envelope_points), log_amp)
    return s, env, f0, phase


class HarmonicSynthTest(unittest.TestCase):
    def test_harmonics_sit_at_multiples_of_f0(self):
        c = tiny_config(pitch=True)
        s, env, f0, phase = synth_of(c, 200.0, 100)
        y = s(env, f0, phase)[0].numpy()[1600:-1600]
        spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
        hz = np.fft.rfftfreq(len(y), 1 / 16000)
        for k in (1, 2, 5, 20):
            at = spec[np.argmin(np.abs(hz - 200 * k))]
            between = spec[np.argmin(np.abs(hz - 200 * k - 100))]
            self.assertGreater(at, 100 * between, f'harmonic {k}')
        self.assertLess(spec[hz > 7700].max(), 1e-3 * spec.max())  # silent near Nyquist

    def test_unvoiced_frames_are_silent(self):
        c = tiny_config(pitch=True)
        s, env, f0, phase = synth_of(c, 0.0, 20)
        self.assertEqual(float(s(env, f0, phase).abs().max()), 0.0)

    def test_windows_join_without_a_phase_jump(self):
        c = tiny_config(pitch=True)
        f0 = torch.from_numpy(np.linspace(110, 240, 200).astype(np.float32))[None]
        phase = torch.from_numpy(code.phase_starts(f0[0].numpy()).astype(np.float32))[None]
        env = torch.full((1, 200, c.envelope_points), -3.0)
        s = HarmonicSynth(c)
        whole = s(env, f0, phase)[0]
        a = s(env[:, :100], f0[:, :100], phase[:, :100])[0]
        b = s(env[:, 100:], f0[:, 100:], phase[:, 100:])[0]
        # away from each window's outer frame (the amplitude ramps there), the windows are the whole
        torch.testing.assert_close(a[160:-160], whole[160:16000 - 160], atol=2e-4, rtol=0)
        torch.testing.assert_close(b[160:-160], whole[16000 + 160:-160], atol=2e-4, rtol=0)


class PitchDecoderTest(unittest.TestCase):
    def test_envelope_starts_from_the_istft_head(self):
        c = tiny_config(pitch=True)
        d = Codec(c).decoder
        d.init_envelope_from_istft(offset=0.0)
        x = torch.randn(3, c.up_dim)
        bin_of = lambda hz: int(round(hz / (c.sample_rate / c.istft_n_fft)))
        env, head = d.env_head(x), d.head(x)
        for g in (0, 10, 40):
            expected = head[:, bin_of(g * c.envelope_hz)] - np.log(c.istft_n_fft / 4)
            torch.testing.assert_close(env[:, g], expected, atol=1e-5, rtol=0)

    def test_codec_forward_trains_the_envelope(self):
        c = tiny_config(n_phones=5, pitch=True)
        m = Codec(c)
        x = torch.randn(2, 16 * 1280) * 0.1
        f0_sub = np.where(np.arange(16 * 8) % 40 < 30, 150.0, 0.0)[None].repeat(2, 0)
        y, _ = m(x, torch.tensor([0.5, 1.0]), None, f0_sub)
        self.assertEqual(tuple(y.shape), tuple(x.shape))
        y.pow(2).mean().backward()
        self.assertGreater(float(m.decoder.env_head.weight.grad.abs().sum()), 0.0)
        self.assertGreater(float(m.decoder.pitch_up.weight.grad.abs().sum()), 0.0)

    def test_export_agrees_with_pytorch(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, out = os.path.join(d, 'corpus'), os.path.join(d, 'run'), os.path.join(d, 'models')
            write_corpus(corpus, utterances=4)
            common = ['--run', run, '--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2', '--pitch']
            train.main(['--stage', 'semantic', '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--max-steps', '2', *common])
            wav = os.path.join(corpus, 'wav', 'synth', 'u0.wav')
            # float32 weights: the comparison is of the graph, not of float16 storage
            m = export.export(os.path.join(run, 'codec.pt'), out, [wav], wav, os.path.join(d, 'golden'),
                              decoder_fp16=False)
            self.assertEqual(m['pitch']['levels'], code.LEVELS)
            self.assertEqual(list(m['models']['decoder']['inputs'])[-2:], ['f0', 'phase'])
            meta, t = read_golden(os.path.join(d, 'golden'))
            sess = ort.InferenceSession(os.path.join(out, 'decoder.onnx'), providers=['CPUExecutionProvider'])
            y = sess.run(None, {'codes': t['codes'][None], 'segment_length': t['segment_length'][None],
                                'frame_segment': t['frame_segment'][None], 'frame_position': t['frame_position'][None],
                                'f0': t['f0'][None], 'phase': t['phase'][None]})[0][0]
            np.testing.assert_allclose(y, t['audio_out'], atol=1e-3)
            self.assertEqual(len(t['f0']), 8 * meta['frames'])


if __name__ == '__main__':
    unittest.main()


class VoicedNoiseGainTest(unittest.TestCase):
    def test_istft_is_turned_down_in_voiced_frames_only(self):
        torch.manual_seed(0)
        base = Codec(tiny_config(n_phones=5, pitch=True)).eval()
        quiet = Codec(tiny_config(n_phones=5, pitch=True, voiced_noise_gain=0.25, envelope_hidden=8)).eval()
        state = base.state_dict()
        missing = quiet.load_state_dict(state, strict=False)
        self.assertTrue(all(k.startswith('decoder.env_mlp') for k in missing.missing_keys))
        with torch.no_grad():
            base.decoder.env_head.bias.fill_(-30.0)  # no harmonics: the iSTFT output alone
            quiet.decoder.env_head.bias.fill_(-30.0)
        T = 6
        seg = torch.randn(T, base.c.latent_channels).tanh()
        f0 = torch.zeros(1, 8 * T)
        f0[0, 16:32] = 150.0  # frames 2 and 3 voiced
        kw = dict(seg_latent=seg, seg_len=torch.ones(T), frame_seg=torch.arange(T)[None],
                  frame_pos=torch.zeros(1, T), f0_frames=f0, phase_start=torch.zeros(1, 8 * T))
        with torch.no_grad():
            a, b = base.decoder(**kw)[0], quiet.decoder(**kw)[0]
        torch.testing.assert_close(b[:1280], a[:1280])  # unvoiced frame 0: unchanged
        mid = slice(2 * 1280 + 200, 4 * 1280 - 200)  # inside the voiced span, past the ramps
        torch.testing.assert_close(b[mid], 0.25 * a[mid], atol=1e-6, rtol=1e-4)

    def moved_by(self, *extra, refused=()):
        """Names of the parameters that 3 tiny codec steps with `extra` train.py flags changed; then
        train.py with the `refused` flags must exit with an error on the same run."""
        with tempfile.TemporaryDirectory() as d:
            corpus, run = os.path.join(d, 'corpus'), os.path.join(d, 'run')
            write_corpus(corpus, utterances=4)
            common = ['--run', run, '--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2', '--pitch']
            train.main(['--stage', 'semantic', '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--max-steps', '1', *common])
            before = torch.load(os.path.join(run, 'codec.pt'))['model']
            train.main(['--stage', 'codec', '--max-steps', '3', '--lr', '1e-2', *extra, *common])
            after = torch.load(os.path.join(run, 'codec.pt'))['model']
            if refused:
                with self.assertRaises(SystemExit):
                    train.main(['--stage', 'codec', '--max-steps', '4', *refused, *common])
            return {k for k in before if not torch.equal(before[k], after[k])}

    def test_train_only_moves_only_the_named_parameters(self):
        self.assertEqual(self.moved_by('--train-only', 'decoder.env_head'),
                         {'decoder.env_head.weight', 'decoder.env_head.bias'})

    def test_freeze_keeps_the_named_parameters_and_trains_the_rest(self):
        moved = self.moved_by('--freeze', 'decoder.head', refused=('--freeze', 'no.such.prefix'))
        self.assertTrue(moved.isdisjoint({'decoder.head.weight', 'decoder.head.bias'}))
        self.assertIn('decoder.env_head.weight', moved)
        self.assertIn('decoder.inp.weight', moved)  # the trunk trains


class ResetEnvelopeTest(unittest.TestCase):
    def test_a_new_run_starts_the_envelope_again_from_the_istft_head(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, new = (os.path.join(d, n) for n in ('corpus', 'run', 'new'))
            write_corpus(corpus, utterances=4)
            common = ['--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2', '--pitch']
            train.main(['--stage', 'semantic', '--run', run, '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--run', run, '--max-steps', '3', '--lr', '1e-2', *common])
            ck = torch.load(os.path.join(run, 'codec.pt'))
            with open(os.path.join(run, 'config.json')) as f:
                config = {**json.load(f), 'envelope_hidden': 8}
            trained = Codec(Config(**config))
            trained.load_state_dict(ck['model'], strict=False)
            torch.nn.init.normal_(trained.decoder.env_mlp[2].weight)  # as if the MLP had trained too
            compact = os.path.join(d, 'compact.pt')
            torch.save({'model': trained.state_dict(), 'config': config, 'vocab': ck['vocab'], 'step': ck['step'],
                        'seconds': ck['seconds']}, compact)
            fresh = Codec(Config(**config))
            fresh.load_state_dict(trained.state_dict())
            fresh.decoder.init_envelope_from_istft()
            # the trained envelope is not the iSTFT head's any more, so the reset has something to undo
            self.assertFalse(torch.equal(fresh.decoder.env_head.weight, trained.decoder.env_head.weight))
            # --max-steps at the checkpoint's step: the run starts, saves and stops without a step
            train.main(['--stage', 'codec', '--run', new, '--init', compact, '--reset-envelope',
                        '--max-steps', str(ck['step']), *common])
            state = torch.load(os.path.join(new, 'codec.pt'))['model']
            torch.testing.assert_close(state['decoder.env_head.weight'], fresh.decoder.env_head.weight)
            torch.testing.assert_close(state['decoder.env_head.bias'], fresh.decoder.env_head.bias)
            self.assertEqual(float(state['decoder.env_mlp.2.weight'].abs().sum()), 0.0)
            torch.testing.assert_close(state['decoder.inp.weight'], trained.decoder.inp.weight)
            with self.assertRaises(SystemExit):  # no --init: nothing to reset from
                train.main(['--stage', 'codec', '--run', os.path.join(d, 'other'), '--reset-envelope',
                            '--max-steps', '1', *common])
