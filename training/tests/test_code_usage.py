"""Entropy of code usage: a uniform channel carries its full bits, a constant one none."""
import unittest

import numpy as np

from training.code_usage import entropy_bits, usage


class CodeUsageTest(unittest.TestCase):
    def test_entropy_bounds(self):
        self.assertAlmostEqual(entropy_bits(np.arange(8).repeat(5), 8), 3.0)
        self.assertEqual(entropy_bits(np.full(40, 3), 8), 0.0)
        self.assertAlmostEqual(entropy_bits([0, 1, 0, 1], 8), 1.0)

    def test_usage_per_channel(self):
        digits = np.stack([np.arange(8).repeat(4), np.zeros(32, np.int64)], 1)
        u = usage(digits, 8)
        self.assertEqual(u, {'segments': 32, 'channel_bits': [3.0, 0.0], 'channel_bound': 3.0})


if __name__ == '__main__':
    unittest.main()
