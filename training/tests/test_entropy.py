"""The Python range coder and v2/v3 payload coder: the fixture's bytes (which test/range-coder.test.ts
checks the TypeScript coder against), round trips, and the tables' invariants."""
import json
import os
import random
import tempfile
import unittest

import numpy as np

from training.entropy import tables as tb
from training.entropy.collect import load, save
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
        lf, df, pf = tb.from_section(self.section)
        self.assertIsNone(pf)
        self.assertEqual(tb.tables_id(lf, df), self.section['id'])
        for p in self.fx['payloads']:
            codes = np.array(p['codes']).reshape(-1, 7)
            data = tb.encode_segments(lf, df, p['targetRateCentiHz'], np.array(p['lengths']), codes)
            self.assertEqual(data.hex(), p['bytes'])
            lengths, back, pitch = tb.decode_segments(lf, df, p['targetRateCentiHz'], data, p['frames'])
            self.assertEqual(lengths.tolist(), p['lengths'])
            self.assertTrue((back == codes).all())
            self.assertIsNone(pitch)

    def test_pitch_payloads_reencode_and_decode_back(self):
        sec = self.fx['pitchEntropy']
        lf, df, pf = tb.from_section(sec)
        self.assertEqual(pf.shape, (tb.NO_PREVIOUS_LEVEL + 1, tb.PITCH_LEVELS))
        self.assertTrue((pf >= 1).all() and (pf.sum(1) == 1 << tb.TOTAL_BITS).all())
        self.assertEqual(tb.tables_id(lf, df, pf), sec['id'])
        self.assertNotEqual(sec['id'], self.section['id'])  # the pitch table is part of the id
        for p in self.fx['pitchPayloads']:
            codes = np.array(p['codes']).reshape(-1, 7)
            data = tb.encode_segments(lf, df, p['targetRateCentiHz'], np.array(p['lengths']), codes,
                                      pf=pf, pitch=np.array(p['pitch']))
            self.assertEqual(data.hex(), p['bytes'])
            lengths, back, pitch = tb.decode_segments(lf, df, p['targetRateCentiHz'], data, p['frames'], pf=pf)
            self.assertEqual(lengths.tolist(), p['lengths'])
            self.assertTrue((back == codes).all())
            self.assertEqual(pitch.tolist(), p['pitch'])
            # Without pitch the same segments code as version 2: other bytes.
            self.assertNotEqual(tb.encode_segments(lf, df, p['targetRateCentiHz'], np.array(p['lengths']), codes), data)


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

    def test_fit_pitch_learns_the_previous_level(self):
        rng = np.random.default_rng(1)
        streams = [{'pitch': np.clip(20 + np.cumsum(np.r_[0, rng.integers(-1, 2, 199)]), 1, 63)} for _ in range(20)]
        pf = tb.fit_pitch(streams)
        self.assertEqual(pf.shape, (tb.NO_PREVIOUS_LEVEL + 1, tb.PITCH_LEVELS))
        self.assertTrue((pf >= 1).all() and (pf.sum(1) == 1 << tb.TOTAL_BITS).all())
        self.assertGreater(pf[20, 19:22].sum(), 3500)  # a level stays within a step of the one before
        self.assertEqual(int(np.argmax(pf[tb.NO_PREVIOUS_LEVEL])), 20)  # every stream starts at 20

    def test_collected_pitch_levels_survive_the_cache(self):
        streams = [{'rate': r, 'lengths': np.array([1, 2, 3]), 'digits': np.zeros((3, 28), np.int64),
                    'pitch': np.array([0, 17, 63])} for r in (3.0, 12.5)]
        with tempfile.TemporaryDirectory() as d:
            save(os.path.join(d, 's.npz'), streams)
            back = load(os.path.join(d, 's.npz'))
            save(os.path.join(d, 'n.npz'), [{k: v for k, v in s.items() if k != 'pitch'} for s in streams])
            self.assertNotIn('pitch', load(os.path.join(d, 'n.npz'))[0])
        self.assertEqual([s['pitch'].tolist() for s in back], [[0, 17, 63]] * 2)


class PitchMeasureTest(unittest.TestCase):
    """A model that codes pitch gets pitch levels collected and a pitch table measured (tiny model,
    synthetic audio: seconds on a CPU)."""

    def test_collect_gives_the_levels_the_runtime_codes(self):
        import torch

        from training.entropy.collect import segments_at_rates
        from training.model import Codec, tiny_config
        from training.pitch.code import segment_levels
        from training.pitch.track import track

        torch.manual_seed(0)
        t = np.arange(2 * 16000) / 16000
        x = (0.3 * np.sign(np.sin(2 * np.pi * 150 * t)) * (t < 1.2)).astype(np.float32)  # voiced, then silence
        plain = segments_at_rates(Codec(tiny_config(n_phones=5)).eval(), x, [6.25])
        self.assertNotIn('pitch', plain[0])
        for s in segments_at_rates(Codec(tiny_config(n_phones=5, pitch=True)).eval(), x, [12.5, 3.0]):
            n = int(s['lengths'].sum()) * 1280
            self.assertEqual(s['pitch'].tolist(), segment_levels(track(x[:n]), s['lengths']).tolist())
            self.assertGreater(s['pitch'][0], 0)
            self.assertEqual(s['pitch'][-1], 0)

    def test_measure_adds_a_pitch_table_for_a_pitch_model(self):
        from training.entropy.measure import measure
        from training.model import Codec, tiny_config

        rng = np.random.default_rng(2)

        def streams(rates):
            out = []
            for r in rates:
                K = 30
                lengths = np.ones(K, np.int64) if r == 12.5 else rng.integers(1, 9, K)
                out.append({'rate': r, 'lengths': lengths, 'digits': rng.integers(0, 8, (K, 28)),
                            'pitch': np.clip(25 + np.cumsum(rng.integers(-2, 3, K)), 1, 63) * (rng.random(K) > 0.2)})
            return out

        with tempfile.TemporaryDirectory() as d:
            save(f'{d}/train.npz', streams([12.5, 3.0, 6.25] * 4))
            save(f'{d}/valid.npz', streams([12.5, 8.3, 6.25, 3.0] * 2))
            sec, text = measure(Codec(tiny_config(n_phones=5, pitch=True)), None, cache=d)
            plain, _ = measure(Codec(tiny_config(n_phones=5)), None, cache=d)
        lf, df, pf = tb.from_section(sec)
        self.assertEqual(pf.shape, (tb.NO_PREVIOUS_LEVEL + 1, tb.PITCH_LEVELS))
        self.assertEqual(sec['id'], tb.tables_id(lf, df, pf))
        self.assertIn('| pitch: previous level |', text)
        self.assertIn('whole file, v3', text)
        self.assertNotIn('pitch', plain)
        self.assertEqual(plain['id'], tb.tables_id(lf, df))


if __name__ == '__main__':
    unittest.main()
