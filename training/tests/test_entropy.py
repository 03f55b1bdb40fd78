"""The Python range coder and v2 payload coder: the fixture's bytes (which test/range-coder.test.ts
checks the TypeScript coder against), round trips, and the tables' invariants."""
import json
import random
import unittest

import numpy as np

from training.entropy import tables as tb
from training.entropy.rangecoder import RangeDecoder, cumulative, encode_symbols

FIXTURE = 'test/fixtures/range-coder.json'


class FixtureTest(unittest.TestCase):
    def setUp(self):
        with open(FIXTURE) as f:
            self.fx = json.load(f)
        self.section = self.fx['entropy']

    def test_coder_cases_reencode_to_the_same_bytes(self):
        for c in self.fx['coder']:
            symbols = [tuple(s) for s in c['symbols']]
            self.assertEqual(encode_symbols(symbols, c['tables'], c['totalBits']).hex(), c['bytes'], c['name'])

    def test_payloads_reencode_with_the_fixture_tables(self):
        self.assertEqual(self.fx['entropyId'], self.section['id'])
        lf, df = tb.from_section(self.section)
        self.assertEqual(tb.tables_id(lf, df), self.section['id'])
        for p in self.fx['payloads']:
            codes = np.array(p['codes']).reshape(-1, 7)
            data = tb.encode_segments(lf, df, p['targetRateCentiHz'], np.array(p['lengths']), codes)
            self.assertEqual(data.hex(), p['bytes'])
            lengths, back = tb.decode_segments(lf, df, p['targetRateCentiHz'], data, p['frames'])
            self.assertEqual(lengths.tolist(), p['lengths'])
            self.assertTrue((back == codes).all())


class CoderTest(unittest.TestCase):
    def test_random_round_trips_read_three_bytes_past_the_end(self):
        rng = random.Random(5)
        for _ in range(100):
            bits = rng.randint(1, 16)
            n = min(1 << bits, rng.randint(2, 9))
            tables = [[int(f) for f in tb.quantise(np.array([rng.random() ** 6 for _ in range(n)]) + 1e-9, bits)]
                      for _ in range(2)]
            symbols = [(rng.randrange(2), rng.randrange(n)) for _ in range(rng.randrange(300))]
            data = encode_symbols(symbols, tables, bits)
            dec = RangeDecoder(data)
            cums = [cumulative(t) for t in tables]
            self.assertEqual([(t, dec.decode(cums[t], bits)) for t, _ in symbols], symbols)
            self.assertEqual(dec.overread, 3)

    def test_quantise_keeps_every_symbol_codable(self):
        f = tb.quantise(np.array([1e6, 1e-3, 0.5, 0.5, 0, 0, 0, 3]) + tb.PSEUDO_COUNT)
        self.assertEqual(int(f.sum()), 1 << tb.TOTAL_BITS)
        self.assertTrue((f >= 1).all())

    def test_fit_learns_the_contexts(self):
        rng = np.random.default_rng(0)
        streams = []
        for rate in [12.5, 3.0] * 20:
            K = 50
            lengths = np.ones(K, np.int64) if rate == 12.5 else rng.integers(3, 9, K)
            digits = np.repeat(rng.integers(0, 8, (K, 1)), 28, 1)  # every channel repeats the one before
            streams.append({'rate': rate, 'lengths': lengths, 'digits': digits})
        lf, df = tb.fit(streams)
        self.assertGreater(lf[tb.rate_bucket(1250), 0], 4000)  # 12.5 Hz: length 1 nearly certain
        self.assertGreater(df[5, 3, 2, 2], 3000)  # channel 5 copies channel 4
        bits = tb.segment_bits(lf, df, 1250, streams[0]['lengths'], streams[0]['digits'])
        self.assertLess(bits[1:].mean(), 10)


if __name__ == '__main__':
    unittest.main()
