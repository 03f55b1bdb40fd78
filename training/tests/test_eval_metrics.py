"""Delay removal, log-mel distance, MCD and bitrate (training/eval/metrics.py)."""

import os
import tempfile
import unittest

import numpy as np
from scipy.signal import firwin, lfilter

from training.eval.metrics import (
    align,
    bits_per_second,
    estimate_delay,
    log_mel_distance,
    mel_cepstral_distortion,
    shift_to_reference,
)
from training.eval.stoi import stoi
from training.eval.synthetic import add_noise_at_snr, speech_like

RATE_HZ = 16000


def delayed(signal, delay_samples, extra=4000):
    """signal delayed by delay_samples (negative: advanced), zero-filled, a bit longer than the original."""
    return shift_to_reference(signal, -delay_samples, len(signal) + extra)


class DelayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clean = speech_like(3.0, RATE_HZ, seed=2)

    def test_known_shifts_are_found_to_the_sample(self):
        for delay in (0, 1, 1234, -800, 4400, -4700):
            with self.subTest(delay=delay):
                degraded = add_noise_at_snr(delayed(self.clean, delay), 10.0)
                self.assertEqual(estimate_delay(self.clean, degraded, RATE_HZ), delay)

    def test_filtered_copy_delay_includes_the_filter_group_delay(self):
        # A 101-tap linear-phase low-pass delays by 50 samples; plus 2000 samples of pure shift.
        taps = firwin(101, 3500, fs=RATE_HZ)
        degraded = lfilter(taps, [1.0], delayed(self.clean, 2000))
        self.assertLessEqual(abs(estimate_delay(self.clean, degraded, RATE_HZ) - 2050), 2)

    def test_phase_scrambled_copy_is_aligned_by_its_envelopes(self):
        # Same band envelopes, random phases (as a parametric codec): no waveform match, envelope lag only.
        rng = np.random.default_rng(0)
        spec = np.fft.rfft(delayed(self.clean, 3000, extra=4032).reshape(-1, 64), axis=1)
        scrambled = np.fft.irfft(np.abs(spec) * np.exp(2j * np.pi * rng.random(spec.shape)), 64, axis=1).ravel()
        self.assertLessEqual(abs(estimate_delay(self.clean, scrambled, RATE_HZ) - 3000), 64)

    def test_shifts_beyond_the_search_range_are_not_found(self):
        degraded = delayed(self.clean, int(0.45 * RATE_HZ), extra=10000)
        self.assertLessEqual(abs(estimate_delay(self.clean, degraded, RATE_HZ)), int(0.3 * RATE_HZ))

    def test_unrelated_audio_gets_no_delay(self):
        noise = np.random.default_rng(1).standard_normal(len(self.clean)) * 0.05
        self.assertEqual(estimate_delay(self.clean, noise, RATE_HZ), 0)

    def test_align_restores_the_reference_and_its_score(self):
        degraded = delayed(self.clean, 2345)
        aligned, delay = align(self.clean, degraded, RATE_HZ)
        self.assertEqual(delay, 2345)
        np.testing.assert_allclose(aligned, self.clean)
        self.assertLess(stoi(self.clean, degraded, RATE_HZ), 0.9)
        self.assertAlmostEqual(stoi(self.clean, aligned, RATE_HZ), 1.0, delta=1e-6)

    def test_shift_to_reference_pads_and_cuts(self):
        x = np.arange(1.0, 6.0)
        np.testing.assert_array_equal(shift_to_reference(x, 2, 5), [3, 4, 5, 0, 0])
        np.testing.assert_array_equal(shift_to_reference(x, -2, 4), [0, 0, 1, 2])


class SpectralDistanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clean = speech_like(2.0, RATE_HZ, seed=4)

    def test_identical_signals_have_zero_distance(self):
        self.assertEqual(log_mel_distance(self.clean, self.clean, RATE_HZ), 0.0)
        self.assertEqual(mel_cepstral_distortion(self.clean, self.clean, RATE_HZ), 0.0)

    def test_distances_grow_with_noise(self):
        mels = [log_mel_distance(self.clean, add_noise_at_snr(self.clean, snr), RATE_HZ) for snr in (30, 20, 10, 0)]
        mcds = [mel_cepstral_distortion(self.clean, add_noise_at_snr(self.clean, snr), RATE_HZ) for snr in (30, 20, 10, 0)]
        self.assertEqual(mels, sorted(mels))
        self.assertEqual(mcds, sorted(mcds))
        self.assertGreater(mcds[-1], 3.0)

    def test_gain_changes_log_mel_by_ln_gain_but_not_mcd(self):
        # c0 (level) is excluded from MCD; every loud bin's log moves by ln 2.
        louder = 2.0 * (self.clean + 1e-3 * np.random.default_rng(0).standard_normal(len(self.clean)))
        base = self.clean + 1e-3 * np.random.default_rng(0).standard_normal(len(self.clean))
        self.assertAlmostEqual(log_mel_distance(base, louder, RATE_HZ), np.log(2.0), delta=0.02)
        self.assertLess(mel_cepstral_distortion(base, louder, RATE_HZ), 0.05)

    def test_spectral_tilt_moves_mcd(self):
        # A first-difference filter (+6 dB/octave) changes the spectral shape: clearly nonzero MCD.
        tilted = lfilter([1.0, -0.9], [1.0], self.clean)
        self.assertGreater(mel_cepstral_distortion(self.clean, tilted, RATE_HZ), 1.0)


class BitrateTest(unittest.TestCase):
    def test_whole_file_bits_per_second(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.bin")
            with open(path, "wb") as f:
                f.write(bytes(1000))
            self.assertAlmostEqual(bits_per_second(path, 2.0), 4000.0)


if __name__ == "__main__":
    unittest.main()
