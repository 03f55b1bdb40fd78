"""Segment trends: what the quantizer learns about the order of the frames a segment pools."""
import os
import tempfile
import unittest

import numpy as np
import onnxruntime as ort
import torch

from training import export, train
from training.model import Codec, frame_positions, segment_trend, tiny_config, trend_weights
from training.tests.golden import read_golden
from training.tests.synthetic_corpus import write_corpus
from training.train import grow_state


class SegmentTrendTest(unittest.TestCase):
    def test_weights_run_from_minus_one_to_one_and_vanish_for_one_frame(self):
        lengths = torch.tensor([1.0, 2, 2, 3, 3, 3, 8])
        positions = torch.tensor([0.0, 0, 1, 0, 1, 2, 7])
        torch.testing.assert_close(trend_weights(positions, lengths), torch.tensor([0.0, -1, 1, -1, 0, 1, 1]))

    def test_trend_is_the_mean_of_weighted_frames(self):
        # segments [0], [1, 2], [3, 4, 5] of one row, two channels
        x = torch.tensor([[[5.0, 1], [1, 2], [3, 6], [0, 9], [7, 9], [4, 3]]])
        flags = torch.tensor([[True, True, False, True, False, False]])
        seg_id = torch.cumsum(flags.long().flatten(), 0).view(1, -1) - 1
        lengths = torch.tensor([1.0, 2, 3])
        trend = segment_trend(x, seg_id, 3, frame_positions(flags), lengths)
        torch.testing.assert_close(trend, torch.tensor([[0.0, 0], [1, 2], [4 / 3, -2]]))

    def test_reversing_a_segment_flips_its_trend_and_keeps_its_mean(self):
        torch.manual_seed(1)
        x = torch.randn(1, 5, 3)
        flags = torch.tensor([[True, False, False, False, False]])
        seg_id = torch.zeros(1, 5, dtype=torch.long)
        n = torch.tensor([5.0])
        pos = frame_positions(flags)
        forward = segment_trend(x, seg_id, 1, pos, n)
        backward = segment_trend(x.flip(1), seg_id, 1, pos, n)
        torch.testing.assert_close(backward, -forward)
        self.assertGreater(float(forward.abs().max()), 0.05)

    def test_a_trend_model_tells_a_rise_from_a_fall_once_trained_but_starts_as_the_old_one(self):
        torch.manual_seed(0)
        old = Codec(tiny_config(n_phones=5)).eval()
        new = Codec(tiny_config(n_phones=5, segment_trend=True)).eval()
        new.load_state_dict(grow_state(old.state_dict(), new.state_dict()))
        audio = torch.randn(1, 1280 * 6) * 0.1
        flags = torch.tensor([[True, False, True, False, False, True]])
        with torch.no_grad():
            streams_old = old.encode_frames(audio)
            streams_new = new.encode_frames(audio)
            before = old.quantize_segments(*streams_old, flags)
            after = new.quantize_segments(*streams_new, flags)
        for a, b in zip(before, after):
            torch.testing.assert_close(a, b)
        with torch.no_grad():  # switched on, the same means with the order reversed give another latent
            first = new.quantizer.ac_proj[0]
            first.weight[:, -new.c.trend_dim:] = torch.randn_like(first.weight[:, -new.c.trend_dim:])
            merge, pooled = streams_new
            flipped = (merge.flip(1), pooled.flip(1))
            one = torch.tensor([[True, False, False, False, False, False]])  # one six-frame segment
            z_fwd = new.quantize_segments(merge, pooled, one)[0]
            z_rev = new.quantize_segments(*flipped, one)[0]
        self.assertGreater(float((z_fwd - z_rev).abs().max()), 0.0)

    def test_latent_refuses_missing_or_unexpected_trends(self):
        plain = Codec(tiny_config(n_phones=5)).quantizer
        trend = Codec(tiny_config(n_phones=5, segment_trend=True)).quantizer
        c = trend.c
        merge, pooled, length = torch.randn(2, c.merge_dim), torch.randn(2, c.pooled_dim), torch.ones(2)
        with self.assertRaisesRegex(ValueError, 'takes segment trends'):
            trend.latent_from_streams(merge, pooled, length)
        with self.assertRaisesRegex(ValueError, 'takes no segment trends'):
            plain.latent_from_streams(merge, pooled, length, merge, pooled)


class SegmentTrendExportTest(unittest.TestCase):
    def test_export_writes_format_2_and_onnx_agrees_with_pytorch(self):
        with tempfile.TemporaryDirectory() as d:
            corpus, run, out = os.path.join(d, 'corpus'), os.path.join(d, 'run'), os.path.join(d, 'models')
            write_corpus(corpus, utterances=4)
            common = ['--run', run, '--corpus', corpus, '--tiny', '--crop-frames', '16', '--batch', '2', '--segment-trend']
            train.main(['--stage', 'semantic', '--max-steps', '1', *common])
            train.main(['--stage', 'codec', '--max-steps', '2', *common])
            wav = os.path.join(corpus, 'wav', 'synth', 'u0.wav')
            m = export.export(os.path.join(run, 'codec.pt'), out, [wav], wav, os.path.join(d, 'golden'),
                              decoder_fp16=False)
            self.assertEqual(m['formatVersion'], 2)
            self.assertEqual(list(m['models']['quantizer']['inputs'])[-2:], export.TREND_INPUTS)
            meta, t = read_golden(os.path.join(d, 'golden'))
            # the golden trends are the model's own segment_trend of the golden streams
            ids = torch.from_numpy(t['frame_segment'].astype(np.int64))[None]
            pos = torch.from_numpy(t['frame_position'])[None]
            lengths = torch.from_numpy(t['segment_length'])
            for stream in ('semantic', 'acoustic'):
                x = torch.from_numpy(t[stream])[None]
                trend = segment_trend(x, ids, len(lengths), pos, lengths).numpy()
                np.testing.assert_allclose(t[f'{stream}_trend'], trend, atol=1e-6)
            self.assertGreater(float(lengths.max()), 1)
            sess = ort.InferenceSession(os.path.join(out, 'quantizer.onnx'), providers=['CPUExecutionProvider'])
            feeds = {n: t[n][None] for n in ['semantic_mean', 'acoustic_mean', 'segment_length', *export.TREND_INPUTS]}
            codes = sess.run(None, feeds)[0][0]
            self.assertLess(float((codes != t['codes']).mean()), 0.02)


if __name__ == '__main__':
    unittest.main()
