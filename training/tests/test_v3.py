"""FlexiCodec v3 (training/v3/): the segment pooling reads only its own segment's frames and follows
their order, the layout helpers agree with the merge, the exported ONNX models agree with PyTorch at
other sizes than they were traced with, and a training step on real speech lowers the loss.

  .venv/bin/python -m unittest training.tests.test_v3
"""
import json
import os
from pathlib import Path
import shutil
import tempfile
import unittest
from unittest import mock

import numpy as np
import soundfile as sf
import torch

from training.merge import frame_positions, merge_segments
from training.v3 import model as v3
from training.v3.decoder import feature_loss
from training.vocoder.library import LIBRARY_PATH

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / 'test/fixtures/speech-en-6s.wav'
WHISPER_TEST_ASR = 'node_modules/.cache/flexicodec-whisper-model/models/asr.onnx'


def tiny(**kw):
    return v3.V3Config(enc_dim=16, enc_blocks=1, queries=2, value_dim=8, quant_hidden=32, dec_dim=32, dec_layers=1,
                       dec_heads=2, up_dim=16, up_blocks=1, **kw)


def speech_features(seconds=2.56):
    from training.vocoder import native

    x, sr = sf.read(SPEECH, dtype='float32')
    assert sr == 16000
    n = int(seconds * 16000) // 1280 * 1280
    return x[:n], native.analyse(x[:n]).astype(np.float32)


class Pooling(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.c = tiny()
        self.pool = v3.SegmentPooler(self.c)

    def test_a_segment_reads_only_its_own_frames(self):
        lengths = torch.tensor([2., 1., 3.])  # frames; 8 fine rows each
        starts = torch.tensor([0, 2, 3])
        h = torch.randn(6 * 8, self.c.enc_dim)
        before = self.pool(h, starts, lengths)
        h2 = h.clone()
        h2[16:24] += 5.0  # the second segment's frame only
        after = self.pool(h2, starts, lengths)
        self.assertTrue(torch.allclose(before[0], after[0]))
        self.assertTrue(torch.allclose(before[2], after[2]))
        self.assertFalse(torch.allclose(before[1], after[1]))

    def test_the_order_inside_a_segment_is_kept(self):
        """A mean would not tell a rise from a fall; the position bumps must."""
        lengths, starts = torch.tensor([4.]), torch.tensor([0])
        ramp = torch.linspace(-1, 1, 32)[:, None].repeat(1, self.c.enc_dim)
        rise = self.pool(ramp, starts, lengths)
        fall = self.pool(ramp.flip(0), starts, lengths)
        self.assertGreater(float((rise - fall).abs().max()), 0.1)

    def test_layout_matches_the_merge(self):
        merge = torch.randn(2, 12, 6)
        seg_id, n_seg, flags = merge_segments(merge, torch.tensor([0.2, -2.0]), 8)
        ids, starts, lengths = v3.segment_layout(flags)
        self.assertTrue(torch.equal(ids, seg_id))
        self.assertEqual(len(starts), n_seg)
        self.assertEqual(float(lengths.sum()), 24.0)
        self.assertTrue(torch.equal(torch.bincount(seg_id.reshape(-1)).float(), lengths))
        self.assertTrue(flags.reshape(-1)[starts].all())


class Model(unittest.TestCase):
    def test_shapes_and_merge_stream(self):
        torch.manual_seed(0)
        m = v3.CodecV3(tiny())
        feats = torch.randn(2, 8 * 6, 20)
        merge, fine = m.encode_streams(feats)
        self.assertEqual(tuple(merge.shape), (2, 6, 18))
        self.assertEqual(tuple(fine.shape), (2, 48, 16))
        self.assertTrue(torch.allclose(merge[1, 2], m.normalise(feats)[1, 16:24, :18].mean(0), atol=1e-6))
        out, stats = m(feats, torch.tensor([1.0, 0.0]), torch.full((2, 48), 120.0))
        self.assertEqual(tuple(out.shape), (2, 48, 20))
        self.assertEqual(stats['frames'], 12)

    def test_the_spread_layout_codes_exactly_the_rates_segment_count(self):
        torch.manual_seed(0)
        m = v3.CodecV3(tiny(layout='spread'))
        feats = torch.randn(2, 8 * 16, 20)
        merge, _ = m.encode_streams(feats)
        flags = m.layout_flags(merge, [6.25, 3.0])
        self.assertEqual(flags[:, 0].tolist(), [True, True])
        self.assertEqual(flags.sum(1).tolist(), [8, 4])  # round(16 * rate / 12.5)
        out, stats = m(feats, None, torch.full((2, 128), 120.0), [6.25, 3.0], flags)
        self.assertEqual((tuple(out.shape), stats['segments']), ((2, 128, 20), 12))

    def test_the_fine_merge_stream_is_each_frames_mean_of_the_fine_stream(self):
        torch.manual_seed(0)
        m = v3.CodecV3(tiny(merge_on='fine'))
        feats = torch.randn(1, 8 * 5, 20)
        merge, fine = m.encode_streams(feats)
        self.assertEqual(tuple(merge.shape), (1, 5, 16))
        self.assertTrue(torch.allclose(merge[0, 3], fine[0, 24:32].mean(0), atol=1e-6))
        from training.v3.export import MERGE_FEATURES, merge_dim

        self.assertEqual((merge_dim(m.c), MERGE_FEATURES[m.c.merge_on]), (16, 'v3-fine-stream'))

    @unittest.skipUnless(LIBRARY_PATH.exists(), 'needs build/vocoder (bash native/build.sh)')
    def test_training_steps_lower_the_loss_on_real_speech(self):
        torch.manual_seed(0)
        _, f = speech_features()
        feats = torch.from_numpy(f)[None].repeat(2, 1, 1)
        m = v3.CodecV3(tiny())
        m.set_feature_stats(feats.reshape(-1, 20).mean(0), feats.reshape(-1, 20).std(0) + 1e-3)
        opt = torch.optim.Adam(m.parameters(), lr=3e-3)
        f0 = torch.full(feats.shape[:2], 120.0)
        tau = torch.tensor([1.0, 0.5])
        losses = []
        for _ in range(80):
            loss, _ = feature_loss(m(feats, tau, f0)[0], feats)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        self.assertLess(np.mean(losses[-5:]), 0.8 * np.mean(losses[:5]))


@unittest.skipUnless(LIBRARY_PATH.exists(), 'needs build/vocoder (bash native/build.sh)')
class Training(unittest.TestCase):
    def test_the_cache_trains_and_a_run_resumes(self):
        from training.tests.synthetic_corpus import write_corpus
        from training.v3 import data, train

        with tempfile.TemporaryDirectory() as tmp:
            rows = write_corpus(f'{tmp}/corpus', utterances=2)
            data.build(f'{tmp}/corpus', f'{tmp}/cache', 'train')  # the synthetic corpus is all 'train'
            shutil.copy(f'{tmp}/cache/train.npz', f'{tmp}/cache/valid.npz')
            cache = data.FeatureCache(f'{tmp}/cache/train.npz')
            self.assertEqual(len(cache), len(rows))
            self.assertTrue(all(cache.frames >= data.MIN_FRAMES))
            self.assertEqual((len(cache.f0), len(cache.lpcnet)), (8 * cache.offsets[-1], 8 * cache.offsets[-1]))
            _, _, f0, lpc = cache.batch(np.random.default_rng(0), 2, 32)
            self.assertEqual((f0.shape, tuple(lpc.shape)), ((2, 256), (2, 256, 20)))
            args = ['--run', f'{tmp}/run', '--cache', f'{tmp}/cache', '--batch', '2', '--valid-every', '1000',
                    '--init-decoder', '']
            train.main(args + ['--max-steps', '2'])
            first = torch.load(f'{tmp}/run/v3.pt')
            train.main(args + ['--max-steps', '3'])
            second = torch.load(f'{tmp}/run/v3.pt')
            self.assertEqual((first['step'], second['step']), (2, 3))
            self.assertEqual(second['schedule_start'], first['schedule_start'])
            self.assertTrue(torch.equal(second['model']['feat_mean'], first['model']['feat_mean']))
            # the third step moved on from the saved weights and optimiser, not from a fresh start
            self.assertTrue(all(int(s['step']) == 3 for s in second['optimizer']['state'].values()))
            # a new run started from the compact fp16 file has its weights (to fp16 precision)
            train.compact(f'{tmp}/run/v3.pt', f'{tmp}/compact.pt')
            train.main(['--run', f'{tmp}/run2'] + args[2:] + ['--init', f'{tmp}/compact.pt', '--max-steps', '1',
                                                             '--lr', '0', '--lr-final', '0'])
            third = torch.load(f'{tmp}/run2/v3.pt')
            for key in ('decoder.feat_head.weight', 'encoder.inp.weight'):
                self.assertTrue(torch.allclose(third['model'][key], second['model'][key], atol=1e-2, rtol=1e-3), key)


    def test_a_run_that_merges_on_whisper_cuts_the_caches_whisper_features(self):
        from training.tests.synthetic_corpus import write_corpus
        from training.v3 import data, train

        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(f'{tmp}/corpus', utterances=2)
            data.build(f'{tmp}/corpus', f'{tmp}/cache', 'train')
            frames = int(np.load(f'{tmp}/cache/train.npz')['offsets'][-1])
            self.assertLess(frames, 2048)  # float16 holds every frame index exactly
            # asr_cache.py's files: row t's first value is t, so a merge row tells which cached frame it is
            asr = np.random.default_rng(0).standard_normal((frames, 384)).astype(np.float16)
            asr[:, 0] = np.arange(frames)
            shutil.copy(f'{tmp}/cache/train.npz', f'{tmp}/cache/valid.npz')
            for split in ('train', 'valid'):
                np.save(f'{tmp}/cache/{split}-asr.npy', asr)
                with open(f'{tmp}/cache/{split}-asr.json', 'w') as fh:
                    json.dump({'encoder_sha256': '0' * 64, 'utterances': 2, 'frames': frames}, fh)
            args = ['--run', f'{tmp}/run', '--cache', f'{tmp}/cache', '--batch', '2', '--valid-every', '1000',
                    '--init-decoder', '', '--asr-onnx', '', '--layout', 'spread', '--max-steps', '1']
            with self.assertRaisesRegex(SystemExit, "merge_on 'whisper'.*needs semantic='whisper'"):
                train.main(args + ['--merge-on', 'whisper'])
            seen = []
            layout_flags = v3.CodecV3.layout_flags

            def spy(m, merge, rates):
                seen.append(merge.detach().clone())
                return layout_flags(m, merge, rates)

            with mock.patch.object(v3.CodecV3, 'layout_flags', spy):
                train.main(args + ['--semantic', 'whisper', '--merge-on', 'whisper'])
            ck = torch.load(f'{tmp}/run/v3.pt')
            self.assertEqual((ck['step'], ck['config']['merge_on'], ck['config']['semantic']), (1, 'whisper', 'whisper'))
            self.assertGreaterEqual(len(seen), 2)  # the step and its validation
            for merge in seen:
                self.assertEqual(merge.shape[-1], 384)
                for crop in merge:  # a crop of the cache's Whisper rows, in order
                    first = int(crop[0, 0])
                    np.testing.assert_array_equal(crop.numpy(), asr[first:first + len(crop)].astype(np.float32))


class ReducedCodeGroups(unittest.TestCase):
    """Below reduced_below_hz a segment carries only its first code groups; a 7-group checkpoint
    widened to 9 decodes exactly as before."""

    def test_groups_at_the_slider_rates(self):
        c = tiny(code_groups=9, reduced_groups=7, reduced_below_hz=9.0)
        self.assertEqual([c.groups_at(r) for r in (3.0, 6.25, 8.99, 9.0, 12.5)], [7, 7, 7, 9, 9])
        self.assertEqual(tiny().groups_at(3.0), tiny().code_groups)  # no reduction configured

    def test_low_rate_crops_read_zeros_for_the_absent_groups(self):
        torch.manual_seed(0)
        m = v3.CodecV3(tiny(code_groups=9, reduced_groups=7)).eval()
        fine = torch.randn(2, 8 * 6, m.c.enc_dim)
        flags = torch.tensor([[1, 0, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
        zq, _, _, _, _ = m.code(fine, flags, rates=[6.25, 12.5])
        low, full = zq[:3], zq[3:]  # crop 0 holds the first 3 segments
        self.assertTrue((low[:, 28:] == 0).all())
        self.assertTrue((low[:, :28] != 0).all())  # 0 is no FSQ level: present values never read as absent
        self.assertTrue((full != 0).all())
        same, _, _, _, _ = m.code(fine, flags)  # no rates: every group
        self.assertTrue(torch.equal(same[:3, :28], low[:, :28]))

    def test_a_widened_checkpoint_decodes_as_before(self):
        torch.manual_seed(1)
        small = v3.CodecV3(tiny()).eval()
        c = tiny(code_groups=9, reduced_groups=7)
        wide = v3.CodecV3(c).eval()
        wide.load_state_dict(v3.widen_code_groups(small.state_dict(), c))
        feats = torch.randn(2, 8 * 8, 20)
        tau = torch.tensor([1.0, 0.5])
        f0 = torch.full((2, 8 * 8), 120.0)
        with torch.no_grad():
            a, _ = small(feats, tau, f0)
            b, _ = wide(feats, tau, f0, rates=[12.5, 6.25])
        torch.testing.assert_close(a, b)
        self.assertEqual(wide.quantizer.proj[4].weight.shape[0], 36)

    def test_a_new_run_takes_its_inits_config_and_widens_on_request(self):
        from types import SimpleNamespace

        from training.v3.train import new_model

        torch.manual_seed(3)
        small = v3.CodecV3(tiny())
        with tempfile.TemporaryDirectory() as d:
            torch.save({'model': small.state_dict(), 'config': v3.config_dict(small.c), 'step': 5, 'seconds': 60.0}, f'{d}/a.pt')
            args = dict(init=f'{d}/a.pt', arm='v3', code_groups=None, reduced_groups=None, reduced_below_hz=None)
            same = new_model(SimpleNamespace(**args), None)
            self.assertEqual((same.c.enc_dim, same.c.code_groups, same.c.reduced_groups), (16, 7, 0))
            wide = new_model(SimpleNamespace(**{**args, 'code_groups': 9, 'reduced_groups': 7}), None)
            self.assertEqual((wide.c.enc_dim, wide.c.code_groups, wide.c.reduced_groups), (16, 9, 7))
            torch.save({'model': wide.state_dict(), 'config': v3.config_dict(wide.c), 'step': 9, 'seconds': 90.0}, f'{d}/b.pt')
            again = new_model(SimpleNamespace(**{**args, 'init': f'{d}/b.pt'}), None)
            self.assertEqual((again.c.code_groups, again.c.reduced_groups), (9, 7))


class SemanticStream(unittest.TestCase):
    """V3Config.semantic: Whisper's 12.5 Hz features join the fine stream; a checkpoint without them
    gains them at zero and codes exactly as before."""

    def test_a_model_widened_with_the_semantic_stream_codes_as_before_until_trained(self):
        from types import SimpleNamespace

        from training.v3.train import new_model

        torch.manual_seed(4)
        plain = v3.CodecV3(tiny()).eval()
        with tempfile.TemporaryDirectory() as d:
            torch.save({'model': plain.state_dict(), 'config': v3.config_dict(plain.c), 'step': 5, 'seconds': 60.0}, f'{d}/a.pt')
            args = dict(init=f'{d}/a.pt', arm='v3', code_groups=None, reduced_groups=None, reduced_below_hz=None,
                        semantic='whisper')
            sem = new_model(SimpleNamespace(**args), None).eval()
        self.assertEqual(sem.c.semantic, 'whisper')
        feats, asr = torch.randn(2, 8 * 6, 20), torch.randn(2, 6, 384)
        with torch.no_grad():
            torch.testing.assert_close(sem.encode_streams(feats, asr)[1], plain.encode_streams(feats)[1])
            with self.assertRaisesRegex(ValueError, 'semantic stream'):
                sem.encode_streams(feats)
            # once the projection is trained, what Whisper hears moves the fine stream, frame by frame
            sem.encoder.semantic_proj.weight.normal_()
            asr2 = asr.clone()
            asr2[:, 3] = torch.randn(384)  # the fourth 80 ms frame only
            a, b = sem.encode_streams(feats, asr)[1], sem.encode_streams(feats, asr2)[1]
        moved = (a - b).abs().amax(-1)[0]  # (48,) per 10 ms frame
        self.assertTrue((moved[24:32] > 1e-3).all())
        self.assertTrue((moved[:16] < 1e-6).all())  # outside the conv stack's reach (1 + 7 x 3 frames)

    def test_merge_on_whisper_merges_on_the_semantic_features_themselves(self):
        from training.v3.export import MERGE_FEATURES, encoder_outputs, merge_dim

        torch.manual_seed(5)
        m = v3.CodecV3(tiny(semantic='whisper', merge_on='whisper')).eval()
        feats, asr = torch.randn(2, 8 * 6, 20), torch.randn(2, 6, 384)
        with torch.no_grad():
            merge, fine = m.encode_streams(feats, asr)
            self.assertTrue(torch.equal(merge, asr))
            self.assertEqual(tuple(fine.shape), (2, 48, 16))
            # the merge cuts them: six alike rows make one segment, six unlike ones six
            f0 = torch.full((2, 48), 120.0)
            alike = asr[:, :1].expand(-1, 6, -1)
            self.assertEqual(m(feats, torch.tensor([0.5, 0.5]), f0, semantic=alike)[1]['segments'], 2)
            self.assertEqual(m(feats, torch.tensor([0.99, 0.99]), f0, semantic=asr)[1]['segments'], 12)
        self.assertEqual((merge_dim(m.c), MERGE_FEATURES[m.c.merge_on], encoder_outputs(m.c)),
                         (384, 'whisper-tiny.en', ['acoustic']))
        with self.assertRaisesRegex(ValueError, "merge_on 'whisper' merges on the semantic stream's features: it needs"):
            tiny(merge_on='whisper')
        with self.assertRaisesRegex(ValueError, "merge_on 'mfcc': one of cepstra, fine, whisper"):
            tiny(merge_on='mfcc')


@unittest.skipUnless(LIBRARY_PATH.exists(), 'needs build/vocoder (bash native/build.sh)')
class EvaluateMergeOn(unittest.TestCase):
    """evaluate.py cuts a model's own merge stream unless --merge-on says otherwise, and computes a
    file's Whisper features once for the encoder and the merge."""

    def test_the_models_own_merge_by_default_and_the_features_once(self):
        from training.v3 import evaluate

        torch.manual_seed(6)
        whisper = v3.CodecV3(tiny(semantic='whisper', merge_on='whisper')).eval()
        plain = v3.CodecV3(tiny()).eval()
        self.assertEqual([evaluate.check_merge_on(whisper, None), evaluate.check_merge_on(whisper, 'whisper')],
                         ['whisper', 'whisper'])
        self.assertEqual([evaluate.check_merge_on(plain, None), evaluate.check_merge_on(plain, 'whisper')],
                         ['cepstra', 'whisper'])
        with self.assertRaisesRegex(SystemExit, 'has no cepstral merge stream'):
            evaluate.check_merge_on(whisper, 'cepstra')
        x, _ = speech_features(2.56)  # 32 frames
        calls = []

        def features(xp):
            calls.append(len(xp))
            # alike rows but for a jump at frame 12: the threshold merge cuts there and where segments
            # reach 8 frames, whatever tau the rate search picks below 1 (every frame cut)
            rows = np.ones((len(xp) // 1280, 384), np.float32)
            rows[12:] = -1.0
            return rows

        with mock.patch('training.whisper.merge_features.asr_features', features):
            _, _, segments, frames = evaluate.code_and_decode(whisper, x, 3.0, layout='threshold')
        self.assertEqual(len(calls), 1)  # the encoder's input and the merge stream: one pass
        self.assertEqual(frames, 32)
        self.assertEqual(segments, 5)  # [0, 8) [8, 12) [12, 20) [20, 28) [28, 32)


@unittest.skipUnless(LIBRARY_PATH.exists(), 'needs build/vocoder (bash native/build.sh)')
class Export(unittest.TestCase):
    def test_onnx_agrees_with_pytorch_at_new_sizes(self):
        import onnxruntime as ort

        from training.segments import merge_numpy
        from training.v3 import export

        torch.manual_seed(0)
        m = v3.CodecV3(tiny()).eval()
        x, f = speech_features(4.48)  # 56 frames: the models were traced on 10
        with tempfile.TemporaryDirectory() as d:
            export.export_onnx(m, d, decoder_fp16=False)
            run = lambda name, feeds: ort.InferenceSession(f'{d}/{name}.onnx').run(None, feeds)
            sem, ac = run('encoder', {'features': f[None]})
            ps, pa = export.streams(m, x)
            np.testing.assert_allclose(sem[0], ps, atol=1e-4)
            np.testing.assert_allclose(ac[0], pa, atol=1e-4)
            _, ids, lengths, pos = merge_numpy(ps, 0.6, 8)
            self.assertLess(len(lengths), 56)
            codes = run('quantizer', {'acoustic': ac, 'segment_length': lengths[None]})[0]
            with torch.no_grad():
                expect = export.QuantizerOnnx(m)(torch.from_numpy(pa)[None], torch.from_numpy(lengths)[None]).numpy()
            np.testing.assert_array_equal(codes, expect)
            f0 = np.where(np.arange(f.shape[0]) % 9 < 5, 130.0, 0.0).astype(np.float32)[None]
            out = run('decoder', {'codes': codes, 'segment_length': lengths[None], 'frame_segment': ids[None],
                                  'frame_position': pos[None], 'f0': f0})[0]
            with torch.no_grad():
                ref = export.DecoderOnnx(m)(torch.from_numpy(codes), torch.from_numpy(lengths)[None],
                                            torch.from_numpy(ids)[None], torch.from_numpy(pos)[None], torch.from_numpy(f0)).numpy()
            self.assertEqual(out.shape, (1, f.shape[0], 20))
            np.testing.assert_allclose(out, ref, atol=1e-3)
            # the frame positions the decoder is fed are the merge's
            flags = torch.from_numpy(np.r_[True, ids[1:] != ids[:-1]])[None]
            np.testing.assert_array_equal(frame_positions(flags)[0].numpy(), pos)

    def test_decoder_onnx_reads_code_minus_one_as_an_absent_group(self):
        import onnxruntime as ort

        from training.v3 import export

        torch.manual_seed(2)
        m = v3.CodecV3(tiny(code_groups=9, reduced_groups=7)).eval()
        _, f = speech_features(1.28)
        with tempfile.TemporaryDirectory() as d:
            export.export_onnx(m, d, decoder_fp16=False)
            lengths = np.array([[1.0, 3.0, 2.0, 4.0, 3.0, 3.0]], np.float32)
            ids = np.repeat(np.arange(6), lengths[0].astype(int)).astype(np.int32)[None]
            pos = np.concatenate([np.arange(n) for n in lengths[0].astype(int)]).astype(np.float32)[None]
            codes = np.random.default_rng(0).integers(0, 4096, (1, 6, 9)).astype(np.int32)
            codes[..., 7:] = -1
            f0 = np.full((1, 8 * 16), 120.0, np.float32)
            out = ort.InferenceSession(f'{d}/decoder.onnx').run(None, {
                'codes': codes, 'segment_length': lengths, 'frame_segment': ids, 'frame_position': pos, 'f0': f0})[0]
        latent = m.quantizer.dequantize_codes(torch.from_numpy(codes[0]).clamp(min=0).float())
        latent = v3.drop_absent_groups(latent, torch.full((6,), 7), 4)
        with torch.no_grad():
            ref = m.decoder(latent, torch.from_numpy(lengths[0]), torch.from_numpy(ids).long(),
                            torch.from_numpy(pos), torch.from_numpy(f0)).numpy()
        np.testing.assert_allclose(out, ref, atol=1e-3)
        self.assertGreater(np.abs(out).max(), 0)


@unittest.skipUnless(LIBRARY_PATH.exists(), 'needs build/vocoder (bash native/build.sh)')
class SemanticExport(unittest.TestCase):
    """A model with the semantic stream exports as formatVersion 4: encoder.onnx reads `asr` [1, T, 384]
    besides the features, and models.json lists asr.onnx with its window scheme (docs/MODELS.md)."""

    def asr_onnx(self):
        """The exported Whisper encoder, else the one the TypeScript tests put together
        (test/helpers/whisper-model.ts), which a fresh checkout's `npm test` has built by the time
        these tests run; skips the test where neither is."""
        from training.v3 import export

        asr = next((p for p in (ROOT / export.ASR_ONNX, ROOT / WHISPER_TEST_ASR) if p.exists()), None)
        if asr is None:
            self.skipTest(f'needs {export.ASR_ONNX} (training/whisper/export_encoder.py) or {WHISPER_TEST_ASR}')
        return asr

    def test_encoder_onnx_reads_asr_and_agrees_with_pytorch_at_new_sizes(self):
        import onnxruntime as ort

        from training.tests.semantic_model import tiny_semantic_model
        from training.v3 import export

        m = tiny_semantic_model()
        _, f = speech_features(4.48)  # 56 frames: the encoder was traced on 10
        rng = np.random.default_rng(1)
        asr = rng.standard_normal((1, 56, 384)).astype(np.float32)
        with tempfile.TemporaryDirectory() as d:
            export.export_onnx(m, d, decoder_fp16=False)
            sess = ort.InferenceSession(f'{d}/encoder.onnx')
            self.assertEqual([i.name for i in sess.get_inputs()], ['features', 'asr'])
            sem, ac = sess.run(None, {'features': f[None], 'asr': asr})
            asr2 = asr.copy()
            asr2[:, 30] = rng.standard_normal(384)  # one 80 ms frame's features
            sem2, ac2 = sess.run(None, {'features': f[None], 'asr': asr2})
            export.export_onnx(v3.CodecV3(tiny()).eval(), d, decoder_fp16=False)
            plain = ort.InferenceSession(f'{d}/encoder.onnx')
            self.assertEqual([i.name for i in plain.get_inputs()], ['features'])
        with torch.no_grad():
            ps, pa = export.EncoderOnnx(m)(torch.from_numpy(f)[None], torch.from_numpy(asr))
        self.assertEqual(ac.shape, (1, 56, 8 * m.c.enc_dim))
        np.testing.assert_allclose(sem, ps.numpy(), atol=1e-4)
        np.testing.assert_allclose(ac, pa.numpy(), atol=1e-4)
        # Whisper's features move the fine stream of their frame; the merge stream stays the cepstra's.
        moved = np.abs(ac2 - ac).max(-1)[0]
        self.assertGreater(moved[30], 1e-3)
        self.assertLess(moved[:20].max(), 1e-6)
        np.testing.assert_array_equal(sem2, sem)

    def test_export_writes_format_version_4_with_asr_onnx_listed(self):
        import onnxruntime as ort

        from training.manifest import manifest_head, sha256
        from training.tests.semantic_model import export_tiny_semantic_model
        from training.v3 import export
        from training.whisper import windows

        asr = self.asr_onnx()
        with tempfile.TemporaryDirectory() as d:
            m, written, _ = export_tiny_semantic_model(d, str(asr))
            with open(f'{d}/models/models.json') as fh:
                manifest = json.load(fh)
            self.assertEqual(manifest, written)
            self.assertEqual(manifest['formatVersion'], 4)
            self.assertEqual(manifest['semanticInput'], 'whisper-tiny.en')
            self.assertEqual(manifest['asrWindow'], {'windowFrames': windows.WINDOW_FRAMES,
                                                     'marginFrames': windows.MARGIN_FRAMES, 'padShortToWindow': True})
            self.assertEqual((manifest['asrWindow']['windowFrames'], manifest['asrWindow']['marginFrames']), (375, 31))
            self.assertEqual(manifest['mergeFeatures'], 'lpcnet-cepstra')  # the merge stream is still the encoder's
            models = manifest['models']
            self.assertEqual(sorted(models), ['asr', 'decoder', 'encoder', 'quantizer'])
            for role, spec in models.items():  # every file spec is the real file's
                self.assertEqual(spec['sha256'], sha256(f"{d}/models/{spec['file']}"), role)
                self.assertEqual(spec['bytes'], os.path.getsize(f"{d}/models/{spec['file']}"), role)
            self.assertEqual(models['asr']['file'], 'asr.onnx')
            self.assertEqual(models['asr']['sha256'], sha256(asr))
            self.assertEqual(models['asr']['inputs'], {'audio': {'type': 'float32', 'shape': [1, 'S']}})
            self.assertEqual(models['asr']['outputs'], {'asr': {'type': 'float32', 'shape': [1, 'T', 384]}})
            self.assertEqual(models['encoder']['inputs']['asr'], {'type': 'float32', 'shape': [1, 'T', 384]})
            self.assertEqual(set(models['encoder']['outputs']), {'semantic', 'acoustic'})
            # asr.onnx's hash joins the model id, as every file's does
            hashes = {n: s['sha256'] for n, s in models.items()}
            self.assertEqual(manifest['modelId'], manifest_head(hashes, True, manifest['entropy'])['modelId'])
            del hashes['asr']
            self.assertNotEqual(manifest['modelId'], manifest_head(hashes, True, manifest['entropy'])['modelId'])
            # The exported encoder fed the shipped asr.onnx's features of speech computes what PyTorch does.
            x, f = speech_features(4.48)
            asr = export.asr_features_of(f'{d}/models/asr.onnx')(x)
            self.assertEqual(asr.shape, (56, 384))
            encoder = ort.InferenceSession(f'{d}/models/encoder.onnx')
            sem, ac = encoder.run(None, {'features': f[None], 'asr': asr[None]})
            ps, pa = export.streams(m, x, export.asr_features_of(f'{d}/models/asr.onnx'))
            np.testing.assert_allclose(sem[0], ps, atol=1e-4)
            np.testing.assert_allclose(ac[0], pa, atol=1e-4)

    def test_a_model_that_merges_on_whisper_exports_mergefeatures_whisper_and_its_tables_cut_them(self):
        import onnxruntime as ort

        from training.segments import layout_flags
        from training.tests.semantic_model import export_tiny_semantic_model
        from training.v3 import export

        asr_onnx = self.asr_onnx()
        with tempfile.TemporaryDirectory() as d:
            m, manifest, calib = export_tiny_semantic_model(d, str(asr_onnx), merge_on='whisper', work=f'{d}/work')
            self.assertEqual((manifest['formatVersion'], manifest['semanticInput'], manifest['mergeFeatures'],
                              manifest['semanticDim']), (4, 'whisper-tiny.en', 'whisper-tiny.en', 384))
            self.assertEqual(manifest['asrWindow']['windowFrames'], 375)
            models = manifest['models']
            self.assertEqual(sorted(models), ['asr', 'decoder', 'encoder', 'quantizer'])
            self.assertEqual(models['asr']['outputs'], {'asr': {'type': 'float32', 'shape': [1, 'T', 384]}})
            self.assertEqual(models['encoder']['inputs']['asr'], {'type': 'float32', 'shape': [1, 'T', 384]})
            # the merge stream is asr.onnx's rows: encoder.onnx gives the fine stream alone
            ad = 8 * m.c.enc_dim
            self.assertEqual(models['encoder']['outputs'], {'acoustic': {'type': 'float32', 'shape': [1, 'T', ad]}})
            encoder = ort.InferenceSession(f'{d}/models/encoder.onnx')
            self.assertEqual([o.name for o in encoder.get_outputs()], ['acoustic'])
            run = export.asr_features_of(f'{d}/models/asr.onnx')
            x, f = speech_features(4.48)  # 56 frames: the encoder was traced on 10
            feats = run(x)
            (ac,) = encoder.run(None, {'features': f[None], 'asr': feats[None]})
            pm, pa = export.streams(m, x, run)
            np.testing.assert_array_equal(pm, feats)
            np.testing.assert_allclose(ac[0], pa, atol=1e-4)
            # The entropy tables' segments are the layout of the Whisper features, as the runtime cuts it
            (seg,) = export.segments_at_rates(m, x, [3.0], run)
            starts = np.flatnonzero(layout_flags(feats, 3.0, m.c.max_segment_frames, m.c.layout, m.c.spread_length_penalty))
            np.testing.assert_array_equal(seg['lengths'], np.diff(np.append(starts, 56)))
            # ... and so is the tau table: measured on them, not on the cepstra
            self.assertEqual(manifest['tauCalibration'], export.tau_calibration(m, calib, run))
            # golden.py reads an encoder without `semantic`: the golden merge stream is its asr input
            from training.v3 import golden

            t = golden.golden_tensors(m, x[: 25 * 1280], 0.5, run)
            np.testing.assert_array_equal(t['semantic'], t['asr_in'])
            agreement = golden.onnx_agreement(f'{d}/models', t)
            self.assertEqual((agreement['semantic'], agreement['codes_differing']), (0.0, 0))
            self.assertLess(agreement['acoustic'], 1e-4)
            self.assertNotEqual(manifest['tauCalibration'], export.tau_calibration(v3.with_merge_on(m, 'cepstra'), calib, run))

    def test_the_tables_read_cached_rows_of_a_corpus_file_and_run_the_encoder_for_others(self):
        """export.py --asr-cache: asr_cache.py's rows by corpus path (refused from another encoder),
        which segments_at_rates cuts instead of running the encoder again."""
        from training.manifest import sha256
        from training.segments import layout_flags
        from training.v3 import asr_cache, export

        asr_onnx = self.asr_onnx()
        torch.manual_seed(2)
        m = v3.CodecV3(tiny(semantic='whisper', merge_on='whisper')).eval()
        x, _ = speech_features(2.56)  # 32 frames
        cached = np.random.default_rng(0).standard_normal((40, 384)).astype(np.float16)
        with tempfile.TemporaryDirectory() as d:
            with open(f'{d}/train.json', 'w') as f:
                json.dump({'files': ['wav/a.wav', 'wav/b.wav']}, f)
            np.savez(f'{d}/train.npz', offsets=np.array([0, 8, 48]))
            np.save(f'{d}/train-asr.npy', np.concatenate([np.zeros((8, 384), np.float16), cached]))
            with open(f'{d}/train-asr.json', 'w') as f:
                json.dump({'encoder_sha256': sha256(str(asr_onnx))}, f)
            rows = asr_cache.rows_by_file(d, str(asr_onnx))
            self.assertEqual({k: v.shape for k, v in rows.items()}, {'wav/a.wav': (8, 384), 'wav/b.wav': (40, 384)})
            with open(f'{d}/other.onnx', 'wb') as f:
                f.write(b'another encoder')
            with self.assertRaisesRegex(SystemExit, 'built by another encoder'):
                asr_cache.rows_by_file(d, f'{d}/other.onnx')
        run = export.asr_features_of(str(asr_onnx))
        lengths = []
        for file, merge in (('wav/b.wav', cached[:32].astype(np.float32)), ('wav/c.wav', run(x))):
            (seg,) = export.segments_at_rates(m, x, [3.0], run, file=file, asr_rows=rows)
            starts = np.flatnonzero(layout_flags(merge, 3.0, m.c.max_segment_frames, m.c.layout, m.c.spread_length_penalty))
            np.testing.assert_array_equal(seg['lengths'], np.diff(np.append(starts, 32)))
            lengths.append(seg['lengths'].tolist())
        self.assertNotEqual(*lengths)  # the cached rows cut another layout than the encoder's

    def test_a_model_trained_on_the_cepstral_merge_exports_cutting_whisper_features(self):
        """export.py --merge-on: the weights as trained, the layout cut on another stream; models.json
        says which it trained on."""
        from training.tests.semantic_model import export_tiny_semantic_model
        from training.v3 import export

        asr_onnx = self.asr_onnx()
        with tempfile.TemporaryDirectory() as d:
            m, manifest, calib = export_tiny_semantic_model(d, str(asr_onnx), work=f'{d}/work', export_merge_on='whisper')
            self.assertEqual((manifest['mergeFeatures'], manifest['semanticDim'], manifest['training']['trainedMergeOn'],
                              manifest['training']['config']['merge_on']), ('whisper-tiny.en', 384, 'cepstra', 'whisper'))
            self.assertEqual(list(manifest['models']['encoder']['outputs']), ['acoustic'])
            run = export.asr_features_of(f'{d}/models/asr.onnx')
            trained = export.tau_calibration(m, calib, run)
            self.assertEqual(manifest['tauCalibration'], export.tau_calibration(v3.with_merge_on(m, 'whisper'), calib, run))
            self.assertNotEqual(manifest['tauCalibration'], trained)
        with self.assertRaisesRegex(ValueError, "merge_on 'whisper' merges on the semantic stream's features"):
            v3.with_merge_on(v3.CodecV3(tiny()), 'whisper')

    def test_a_model_without_the_semantic_stream_exports_as_before(self):
        from training.v3 import export

        m = v3.CodecV3(tiny()).eval()
        self.assertEqual(export.semantic_fields(m.c), {})
        sigs = export.signatures(m)
        self.assertEqual(sorted(sigs), ['decoder', 'encoder', 'quantizer'])
        self.assertEqual(list(sigs['encoder'][0]), ['features'])
        self.assertEqual(export.example_inputs(m)[1], None)


if __name__ == '__main__':
    unittest.main()
