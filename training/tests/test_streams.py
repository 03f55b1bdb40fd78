"""The merge and pooled streams the runtime sees, and growing an old checkpoint into a log-mel model."""
import unittest

import torch

from training.model import Codec, exact_transforms, tiny_config
from training.train import grow_state


class StreamsTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.audio = torch.randn(1, 1280 * 6) * 0.1

    def test_log_mel_merge_stream_is_centred_frame_log_mel(self):
        m = Codec(tiny_config(n_phones=5)).eval()
        m.mel_centre.fill_(-4.0)
        with torch.no_grad():
            merge, pooled = m.encode_frames(self.audio)
            mel = m.mel(self.audio)[0]  # (n_mels, 48)
            sem, ac = m.semantic(m.mel(self.audio)), m.acoustic(m.mel(self.audio))
        self.assertEqual(tuple(merge.shape), (1, 6, m.c.merge_dim))
        self.assertEqual(tuple(pooled.shape), (1, 6, m.c.pooled_dim))
        frame2 = mel[:, 16:24].mean(1) + 4.0  # third 80 ms frame, less the centre
        torch.testing.assert_close(merge[0, 2], frame2)
        torch.testing.assert_close(pooled, torch.cat([sem, ac], -1))

    def test_latent_from_streams_splits_the_pooled_stream(self):
        m = Codec(tiny_config(n_phones=5)).eval()
        c = m.c
        merge, pooled = torch.randn(3, c.merge_dim), torch.randn(3, c.pooled_dim)
        length = torch.tensor([1.0, 2.0, 8.0])
        with torch.no_grad():
            a = m.quantizer.latent_from_streams(merge, pooled, length)
            b = m.quantizer.latent(pooled[:, :c.sem_dim], pooled[:, c.sem_dim:], length, merge)
        torch.testing.assert_close(a, b)

    def test_semantic_merge_keeps_the_old_streams(self):
        m = Codec(tiny_config(n_phones=5, merge_on='semantic')).eval()
        with torch.no_grad():
            merge, pooled = m.encode_frames(self.audio)
            mel = m.mel(self.audio)
            torch.testing.assert_close(merge, m.semantic(mel))
            torch.testing.assert_close(pooled, m.acoustic(mel))

    def test_grown_checkpoint_decodes_as_before_until_trained(self):
        """A 'semantic' model's weights in a 'log-mel' model: the new quantizer inputs start at zero."""
        old = Codec(tiny_config(n_phones=5, merge_on='semantic')).eval()
        new = Codec(tiny_config(n_phones=5)).eval()
        new.load_state_dict(grow_state(old.state_dict(), new.state_dict()), strict=False)
        c = new.c
        sem, ac, length = torch.randn(4, c.sem_dim), torch.randn(4, c.ac_dim), torch.tensor([1.0, 3.0, 2.0, 8.0])
        with torch.no_grad():
            before = old.quantizer.latent(sem, ac, length)
            after = new.quantizer.latent(sem, ac, length, torch.randn(4, c.n_mels))
        torch.testing.assert_close(before, after)

    def test_detail_is_how_the_log_mel_moves_inside_each_frame(self):
        m = Codec(tiny_config(n_phones=5, detail_subframes=4)).eval()
        c = m.c
        with torch.no_grad():
            merge, pooled = m.encode_frames(self.audio)
            mel = m.mel(self.audio)  # (1, 80, 48)
            sem, ac = m.semantic(mel), m.acoustic(mel)
            mel = mel[0]
        self.assertEqual(c.pooled_dim, c.sem_dim + c.ac_dim + 4 * 40)
        torch.testing.assert_close(pooled[..., : c.sem_dim + c.ac_dim], torch.cat([sem, ac], -1))
        detail = pooled[0, :, c.sem_dim + c.ac_dim:].reshape(6, 4, 40)  # (frames, parts, bands)
        # frame 2, part 1 (samples 20-40 ms into it: mel hops 18, 19), band pair 5 (mel bands 10, 11)
        part = mel[10:12, 18:20].mean()
        frame = mel[10:12, 16:24].mean()
        torch.testing.assert_close(detail[2, 1, 5], part - frame)
        torch.testing.assert_close(detail.sum(1), torch.zeros(6, 40), atol=1e-4, rtol=0)
        # a steady tone has (almost) nothing moving inside its frames, in the bands that hold it
        t = torch.arange(1280 * 6) / 16000
        with torch.no_grad():
            tone_mel = m.mel(0.3 * torch.sin(2 * torch.pi * 440 * t)[None])
            steady = m.frame_detail(tone_mel)[0, 1:-1].reshape(4, 4, 40)
        pairs = tone_mel[0].reshape(40, 2, -1).mean((1, 2))
        loud = pairs > pairs.max() - 3  # within 3 nepers of the loudest band pair
        self.assertLess(float(steady[:, :, loud].abs().max()), 0.05)
        self.assertGreater(float(detail.abs().max()), 0.1)

    def test_detail_grown_into_an_old_checkpoint_starts_switched_off(self):
        old = Codec(tiny_config(n_phones=5)).eval()
        new = Codec(tiny_config(n_phones=5, detail_subframes=4)).eval()
        new.load_state_dict(grow_state(old.state_dict(), new.state_dict()))
        with torch.no_grad():
            m_old, p_old = old.encode_frames(self.audio)
            m_new, p_new = new.encode_frames(self.audio)
            length = torch.ones(6)
            before = old.quantizer.latent_from_streams(m_old[0], p_old[0], length)
            after = new.quantizer.latent_from_streams(m_new[0], p_new[0], length)
        self.assertEqual(p_new.shape[-1] - p_old.shape[-1], new.c.detail_dim)
        torch.testing.assert_close(before, after)

    def test_exact_transforms_match_a_float64_log_mel(self):
        """What golden tensors and the tau table use: the DFT conv, as onnxruntime runs it."""
        m = Codec(tiny_config(n_phones=5)).eval()
        mel = m.mel
        x = torch.nn.functional.pad(self.audio[:, None, :].double(), (mel.pad, mel.pad))
        spec = torch.nn.functional.conv1d(x, mel.basis.double(), stride=mel.hop)
        re, im = spec[:, : mel.n_bins], spec[:, mel.n_bins:]
        reference = torch.log(torch.matmul(mel.fb.double(), re * re + im * im) + 1e-5)
        with torch.no_grad(), exact_transforms():
            exact = mel(self.audio).double()
        self.assertLess(float((exact - reference).abs().max()), 1e-3)

    def test_grow_state_refuses_a_shrink(self):
        with self.assertRaises(SystemExit):
            grow_state({'w': torch.zeros(4, 8)}, {'w': torch.zeros(4, 6)})


if __name__ == '__main__':
    unittest.main()
