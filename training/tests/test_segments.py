"""training/segments.py is the runtime's rate control (src/core/tau.ts) in numpy: the tau search picks
the achievable rate closest to the target, and the fixed layout averages the target rate, so PyTorch
A/Bs code the same segment counts as the shipped runtime.

  .venv/bin/python -m unittest training.tests.test_segments
"""
import unittest

import numpy as np

from training.segments import (fixed_flags, flags_at_rate, layout_flags, merge_numpy, spread_costs, spread_flags,
                               spread_flags_at_rate, spread_segments_at_rate)


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


class SpreadLayout(unittest.TestCase):
    def test_the_dynamic_programme_finds_the_least_spread_layout(self):
        import itertools

        rng = np.random.default_rng(11)
        for T, L in [(9, 4), (10, 3), (8, 8)]:
            x = rng.standard_normal((T, 5))
            x[3:6] = x[3]  # a run of identical frames costs nothing as one segment
            costs = spread_costs(x, L)
            for K in range(-(-T // L), T + 1):
                best = None
                for cuts in itertools.combinations(range(1, T), K - 1):
                    bounds = [0, *cuts, T]
                    lengths = np.diff(bounds)
                    if lengths.max() > L:
                        continue
                    total = sum(costs[e - 1, n - 1] for e, n in zip(bounds[1:], lengths))
                    best = total if best is None else min(best, total)
                starts = np.flatnonzero(spread_flags(costs, K)).tolist() + [T]
                lengths = np.diff(starts)
                self.assertEqual(len(lengths), K)
                self.assertLessEqual(lengths.max(), L)
                got = sum(costs[e - 1, n - 1] for e, n in zip(starts[1:], lengths))
                self.assertAlmostEqual(got, best, places=9, msg=(T, L, K))

    def test_a_segment_of_one_direction_costs_nothing(self):
        x = np.repeat(np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0]]), [4, 4], axis=0)
        costs = spread_costs(x * np.arange(1, 9)[:, None], 8)  # scale does not matter: cosines
        self.assertAlmostEqual(costs[3, 3], 0.0, places=12)
        self.assertGreater(costs[4, 4], 0.5)  # crosses the change
        self.assertTrue(np.isinf(costs[2, 3]))  # would start before frame 0
        self.assertEqual(np.flatnonzero(spread_flags_at_rate(x, 12.5 * 2 / 8, 8)).tolist(), [0, 4])
        penalised = spread_costs(x, 8, length_penalty=0.05)
        self.assertAlmostEqual(penalised[3, 3] - costs[3, 3], 0.05 * 16, places=12)

    def test_a_length_penalty_evens_the_lengths_out(self):
        rng = np.random.default_rng(2)
        x = np.concatenate([np.repeat(rng.standard_normal((1, 6)), 8, 0), rng.standard_normal((8, 6))])
        spread = np.diff(np.flatnonzero(spread_flags_at_rate(x, 12.5 * 4 / 16, 8)).tolist() + [16])
        even = np.diff(np.flatnonzero(spread_flags_at_rate(x, 12.5 * 4 / 16, 8, 10.0)).tolist() + [16])
        self.assertEqual(spread[0], 8)  # the steady half is one segment
        self.assertEqual(even.tolist(), [4, 4, 4, 4])

    def test_the_count_is_the_rate_s_within_what_the_longest_segment_allows(self):
        self.assertEqual(spread_segments_at_rate(32, 6.25, 8), 16)
        self.assertEqual(spread_segments_at_rate(37, 3.0, 8), 9)  # 8.88 rounds up
        self.assertEqual(spread_segments_at_rate(30, 3.0, 8), 7)  # 7.2 rounds down
        self.assertEqual(spread_segments_at_rate(64, 1.0, 8), 8)  # the longest segment caps it
        self.assertEqual(spread_segments_at_rate(5, 12.5, 8), 5)
        self.assertEqual(int(layout_flags(np.ones((32, 3)), 12.5, 8, 'spread').sum()), 32)

    def test_the_runtime_fixture_still_holds(self):
        """test/fixtures/spread-layout.json (training/spread_fixture.py) is what test/spread-layout.test.ts
        checks the TypeScript twin against: segments.py must still give its lengths."""
        import json
        import os

        path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'spread-layout.json')
        with open(path) as f:
            fixture = json.load(f)
        for case in fixture['cases']:
            x = np.array(case['features'], np.float32).reshape(case['frames'], case['dim'])
            for penalty, table in [(0.0, case['lengths']), (case['penalized']['lengthPenalty'], case['penalized']['lengths'])]:
                for rate, lengths in table.items():
                    flags = spread_flags_at_rate(x, float(rate), fixture['maxSegmentFrames'], penalty)
                    self.assertEqual(np.diff(np.flatnonzero(flags).tolist() + [case['frames']]).tolist(), lengths,
                                     (case['name'], rate, penalty))


if __name__ == '__main__':
    unittest.main()
