"""A codec that merges on precomputed Whisper features: its streams, and growing a log-mel checkpoint into it."""
import os
import tempfile
import unittest

import numpy as np
import torch

from training.dataset import Corpus, FrameFeatures
from training.model import Codec, merge_segments, tiny_config
from training.train import grow_state


class WhisperMergeTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.audio = torch.randn(1, 1280 * 6) * 0.1
        self.asr = torch.randn(1, 6, 24)

    def test_merge_stream_is_the_asr_features_and_log_mel_rides_in_the_pooled_stream(self):
        m = Codec(tiny_config(n_phones=5, merge_on='whisper', asr_dim=24)).eval()
        m.mel_centre.fill_(-4.0)
        with torch.no_grad():
            merge, pooled = m.encode_frames(self.audio, self.asr)
            mel = m.mel(self.audio)
            sem, ac = m.semantic(mel), m.acoustic(mel)
        torch.testing.assert_close(merge, self.asr)
        self.assertEqual(tuple(pooled.shape), (1, 6, m.c.pooled_dim))
        torch.testing.assert_close(pooled, torch.cat([sem, ac, m.frame_log_mel(mel) + 4.0], -1))
        with self.assertRaises(ValueError):
            m.encode_frames(self.audio)  # no ASR features: a clear error, not a silent log-mel merge

    def test_grown_log_mel_model_decodes_the_same_on_the_same_segments(self):
        old = Codec(tiny_config(n_phones=5, merge_on='log-mel')).eval()
        old.mel_centre.fill_(-3.0)
        new = Codec(tiny_config(n_phones=5, merge_on='whisper', asr_dim=24)).eval()
        new.load_state_dict(grow_state(old.state_dict(), new.state_dict()))
        with torch.no_grad():
            merge_old, pooled_old = old.encode_frames(self.audio)
            merge_new, pooled_new = new.encode_frames(self.audio, self.asr)
            seg_id, n, flags = merge_segments(merge_old, torch.tensor([0.5]), 8)

            def mean(x):
                return torch.zeros(n, x.shape[-1]).index_add(0, seg_id[0], x[0]) / torch.bincount(seg_id[0]).float()[:, None]

            length = torch.bincount(seg_id[0]).float()
            z_old = old.quantizer.latent_from_streams(mean(merge_old), mean(pooled_old), length)
            z_new = new.quantizer.latent_from_streams(mean(merge_new), mean(pooled_new), length)
        # the ASR inputs of the semantic group start switched off: same latents, so training starts from the old function
        torch.testing.assert_close(z_new, z_old)


class FrameFeaturesTest(unittest.TestCase):
    def test_crop_lines_up_with_frame_aligned_audio_crops(self):
        import random

        import soundfile as sf

        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, 'wav'))
            sf.write(os.path.join(d, 'wav', 'a.wav'), np.zeros(1280 * 10 + 300, np.int16), 16000, subtype='PCM_16')
            os.makedirs(os.path.join(d, 'feat', 'wav'))
            np.save(os.path.join(d, 'feat', 'wav', 'a.npy'), np.arange(10 * 3, dtype=np.float16).reshape(10, 3))
            corpus = Corpus(d, [{'file': 'wav/a.wav'}])
            feats = FrameFeatures(os.path.join(d, 'feat'), corpus)
            _, i, off = corpus.crop(random.Random(1), 1280 * 4, align=1280)
            self.assertEqual(off % 1280, 0)
            np.testing.assert_array_equal(feats.crop(i, off, 4)[:, 0], np.arange(off // 1280, off // 1280 + 4) * 3)
            np.testing.assert_array_equal(feats.crop(0, 1280 * 8, 4)[2:], 0)  # past the last whole frame: zeros


if __name__ == '__main__':
    unittest.main()
