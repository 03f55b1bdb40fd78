"""training/segments.py is the runtime's rate control (src/core/tau.ts) in numpy: the tau search picks
the achievable rate closest to the target, and the fixed layout averages the target rate, so PyTorch
A/Bs code the same segment counts as the shipped runtime.

  .venv/bin/python -m unittest training.tests.test_segments
"""
import unittest

import numpy as np

from training.segments import fixed_flags, flags_at_rate, merge_numpy


def rate_of(flags):
    return 12.5 * flags.sum() / len(flags)


class TauSearch(unittest.TestCase):
    def test_the_rate_is_the_closest_any_threshold_reaches(self):
        rng = np.random.default_rng(3)
        for T, rate in [(40, 3.0), (77, 6.25), (120, 3.0), (64, 8.3), (33, 4.1)]:
            x = rng.standard_normal((T, 18)).astype(np.float32)
            x[10:20] = x[10]  # ties: a run of identical frames
            got = rate_of(flags_at_rate(x, rate, 8))
            sim = merge_numpy(x, 1.0, 8)[0]
            reachable = {12.5 * len(merge_numpy(x, float(t), 8)[2]) / T for t in [-2.0, *sim[1:]]}
            best = min(reachable, key=lambda r: (abs(r - rate), -r))
            self.assertAlmostEqual(got, best, places=6, msg=(T, rate))

    def test_these_layouts_are_what_the_runtime_codes(self):
        # src/core/tau.ts searchTau on the same frames gave these counts (checked with tsx)
        rng = np.random.default_rng(5)
        for (T, D, rate), segments in zip([(40, 18, 3.0), (77, 18, 6.25), (120, 18, 3.0), (64, 6, 8.3), (33, 18, 4.1)],
                                          [10, 39, 29, 42, 11]):
            x = rng.standard_normal((T, D)).astype(np.float32)
            x[10:20] = x[10]
            self.assertEqual(int(flags_at_rate(x, rate, 8).sum()), segments)


class FixedLayout(unittest.TestCase):
    def test_three_hertz_mixes_four_and_five_frame_segments(self):
        starts = np.flatnonzero(fixed_flags(20, 3.0)).tolist() + [20]
        self.assertEqual(np.diff(starts).tolist(), [4, 4, 5, 4, 3])  # ends at round(k * 25 / 6), halves up
        self.assertEqual(int(fixed_flags(100, 3.0).sum()), 24)

    def test_whole_steps_are_constant_and_lengths_never_exceed_the_maximum(self):
        self.assertTrue(np.array_equal(np.flatnonzero(fixed_flags(10, 6.25)), [0, 2, 4, 6, 8]))
        self.assertEqual(int(fixed_flags(10, 12.5).sum()), 10)
        starts = np.flatnonzero(fixed_flags(50, 1.0)).tolist() + [50]
        self.assertLessEqual(max(np.diff(starts)), 8)


if __name__ == '__main__':
    unittest.main()


class TrainingDraws(unittest.TestCase):
    def test_a_drawn_rate_is_the_rate_the_crop_gets(self):
        import random

        import torch

        from training.merge import draw_tau, merge_segments

        class Draw(random.Random):
            """Never the 12.5 Hz share; always the given target."""

            def __init__(self, target):
                super().__init__(0)
                self.target = target

            def random(self):
                return 0.99

            def uniform(self, a, b):
                return self.target

        merge = torch.from_numpy(np.random.default_rng(0).standard_normal((8, 64, 18)).astype(np.float32))
        merge[:, 20:40] = merge[:, 20:21]  # long runs, which the max-length rule splits
        for target in (3.0, 6.25, 9.0):
            flags = merge_segments(merge, draw_tau(merge, Draw(target), 3.0), 8)[2]
            achieved = 12.5 * flags.float().mean(1)
            self.assertLessEqual(float((achieved - target).abs().max()), 12.5 / 64 / 2 + 1e-6, target)
