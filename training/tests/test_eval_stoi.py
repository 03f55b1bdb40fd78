"""STOI (training/eval/stoi.py): known properties, and agreement with a literal loop transcription of the paper."""

import unittest

import numpy as np

from training.eval.stoi import STOI_RATE_HZ, remove_silent_frames, stoi, third_octave_matrix
from training.eval.synthetic import add_noise_at_snr, speech_like


def literal_stoi(x, y):
    """Taal et al. 2011 at 10 kHz, written with plain loops straight from the paper / stoi.m (slow, independent)."""
    N_frame, K, J, mn, N, beta, dyn = 256, 512, 15, 150.0, 30, -15.0, 40.0
    w = np.array([0.5 - 0.5 * np.cos(2 * np.pi * n / (N_frame + 1)) for n in range(1, N_frame + 1)])
    hop = N_frame // 2
    starts = list(range(0, len(x) - N_frame, hop))
    energies = [20 * np.log10(np.linalg.norm(w * x[s : s + N_frame]) + np.finfo(float).eps) for s in starts]
    kept = [s for s, e in zip(starts, energies) if e > max(energies) - dyn]
    xs, ys = np.zeros((len(kept) - 1) * hop + N_frame), np.zeros((len(kept) - 1) * hop + N_frame)
    for i, s in enumerate(kept):
        xs[i * hop : i * hop + N_frame] += w * x[s : s + N_frame]
        ys[i * hop : i * hop + N_frame] += w * y[s : s + N_frame]
    f = [k * STOI_RATE_HZ / K for k in range(K // 2 + 1)]

    def envelopes(sig):
        frames = [np.fft.rfft(w * sig[s : s + N_frame], K) for s in range(0, len(sig) - N_frame, hop)]
        out = np.zeros((J, len(frames)))
        for j in range(J):
            lo = int(np.argmin([(fk - mn * 2 ** ((2 * j - 1) / 6)) ** 2 for fk in f]))
            hi = int(np.argmin([(fk - mn * 2 ** ((2 * j + 1) / 6)) ** 2 for fk in f]))
            for m, spec in enumerate(frames):
                out[j, m] = np.sqrt(sum(abs(spec[k]) ** 2 for k in range(lo, hi)))
        return out

    X, Y = envelopes(xs), envelopes(ys)
    c = 10 ** (-beta / 20)
    total, count = 0.0, 0
    for m in range(N, X.shape[1] + 1):
        for j in range(J):
            xv, yv = X[j, m - N : m], Y[j, m - N : m]
            alpha = np.sqrt(np.sum(xv**2) / np.sum(yv**2))
            yp = np.minimum(alpha * yv, (1 + c) * xv)
            xc, yc = xv - xv.mean(), yp - yp.mean()
            total += np.dot(xc, yc) / (np.linalg.norm(xc) * np.linalg.norm(yc))
            count += 1
    return total / count


class StoiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clean = speech_like(3.0, 16000, seed=3)

    def test_identical_signals_score_one(self):
        self.assertAlmostEqual(stoi(self.clean, self.clean, 16000), 1.0, delta=1e-6)

    def test_gain_does_not_matter(self):
        # Envelopes are normalised per segment, so a louder copy is as intelligible.
        self.assertAlmostEqual(stoi(self.clean, 3.0 * self.clean, 16000), 1.0, delta=1e-6)

    def test_noise_at_0_db_scores_clearly_lower_than_at_20_db(self):
        at_0 = stoi(self.clean, add_noise_at_snr(self.clean, 0.0), 16000)
        at_20 = stoi(self.clean, add_noise_at_snr(self.clean, 20.0), 16000)
        self.assertLess(at_0, at_20 - 0.1)
        self.assertGreater(at_20, 0.9)

    def test_monotone_in_snr(self):
        scores = [stoi(self.clean, add_noise_at_snr(self.clean, snr), 16000) for snr in (-10, -5, 0, 5, 10, 20, 40)]
        self.assertEqual(scores, sorted(scores), scores)

    def test_noise_alone_scores_below_noisy_speech(self):
        # Not 0: the clipping step lets the clipped noise envelope follow the speech dips a little.
        noise = np.random.default_rng(4).standard_normal(len(self.clean)) * 0.1
        self.assertLess(stoi(self.clean, noise, 16000), stoi(self.clean, add_noise_at_snr(self.clean, -10.0), 16000) - 0.1)

    def test_matches_literal_transcription_of_the_paper(self):
        x = speech_like(1.5, STOI_RATE_HZ, seed=5)
        y = add_noise_at_snr(x, 3.0, seed=6)
        self.assertAlmostEqual(stoi(x, y, STOI_RATE_HZ), literal_stoi(x, y), delta=1e-9)

    def test_third_octave_bands(self):
        matrix, centres_hz = third_octave_matrix()
        self.assertEqual(matrix.shape, (15, 257))
        self.assertAlmostEqual(centres_hz[0], 150.0)
        self.assertAlmostEqual(centres_hz[-1], 150.0 * 2 ** (14 / 3))  # ~3810 Hz
        # Bands do not overlap and each holds at least one bin.
        self.assertTrue(np.all(matrix.sum(axis=0) <= 1))
        self.assertTrue(np.all(matrix.sum(axis=1) >= 1))
        # Lowest band starts at the bin nearest 150 * 2^(-1/6) = 133.6 Hz: bin 7 (136.7 Hz) at 19.53 Hz a bin.
        self.assertEqual(int(np.argmax(matrix[0])), 7)

    def test_leading_silence_is_removed(self):
        # 10 hops of digital silence in front of both signals: dropped as silent frames, same score.
        x = speech_like(1.5, STOI_RATE_HZ, seed=7)
        y = add_noise_at_snr(x, 5.0, seed=8)
        pad = np.zeros(10 * 128)
        self.assertAlmostEqual(stoi(np.concatenate([pad, x]), np.concatenate([pad, y]), STOI_RATE_HZ), stoi(x, y, STOI_RATE_HZ), delta=1e-12)

    def test_silent_frame_threshold_is_40_db_below_the_loudest(self):
        rng = np.random.default_rng(0)
        loud = rng.standard_normal(2560)
        for level_db, kept in ((-30.0, True), (-50.0, False)):
            quiet = rng.standard_normal(2560) * 10 ** (level_db / 20)
            x = np.concatenate([loud, quiet, loud])
            x_kept, _ = remove_silent_frames(x, x)
            quiet_frames_dropped = len(x) - len(x_kept) > 2000
            self.assertEqual(not quiet_frames_dropped, kept, level_db)

    def test_too_short_returns_nan(self):
        self.assertTrue(np.isnan(stoi(self.clean[:4000], self.clean[:4000], 16000)))


if __name__ == "__main__":
    unittest.main()
