"""The Python range coder, v2/v3/v4 payload coder and v4 header: the fixture's bytes (which test/range-coder.test.ts
checks the TypeScript coder against), round trips, and the tables' invariants."""
import hashlib
import json
import os
import random
import tempfile
import unittest

import numpy as np

from training.entropy import container
from training.entropy import tables as tb
from training.entropy.collect import load, save
from training.entropy.rangecoder import RangeDecoder, cumulative, encode_symbols
from training.pitch import code as pitch_code

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
            self.assertEqual(len(p['pitch']), p['frames'])  # a level per frame, not per segment
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
        self.assertTrue(any(len(p['lengths']) < p['frames'] for p in self.fx['pitchPayloads']))

    def test_pitch_levels_are_coded_per_frame(self):
        """A segment of L frames carries L levels, each coded by the frame before (across segments
        too): splitting a segment's frames differently moves no level's context."""
        lf, df, pf = tb.from_section(self.fx['pitchEntropy'])
        codes = np.zeros((2, 7), np.int64)
        with self.assertRaisesRegex(ValueError, '2 pitch levels for 5 frames: one per frame'):
            tb.encode_segments(lf, df, 625, np.array([2, 3]), codes, pf=pf, pitch=np.array([3, 4]))
        pitch = np.array([0, 30, 31, 31, 0])
        data = tb.encode_segments(lf, df, 625, np.array([2, 3]), codes, pf=pf, pitch=pitch)
        self.assertEqual(tb.decode_segments(lf, df, 625, data, 5, pf=pf)[2].tolist(), pitch.tolist())
        # docs/FORMAT.md's order, symbol by symbol: length, the segment's levels, its 28 digits (all 0).
        tables, symbols, prev_level = [], [], tb.NO_PREVIOUS_LEVEL
        def code(row, symbol):
            tables.append([int(f) for f in row])
            symbols.append((len(tables) - 1, int(symbol)))
        for k, (first, n) in enumerate([(0, 2), (2, 3)]):
            code(lf[tb.rate_bucket(625)], n - 1)
            for q in pitch[first:first + n]:
                code(pf[prev_level], q)
                prev_level = q
            for c in range(28):
                code(df[c, tb.NO_PREVIOUS if k == 0 else 0, 0], 0)
        self.assertEqual(data, encode_symbols(symbols, tables, tb.TOTAL_BITS))

    def test_v4_pitch_payloads_reencode_and_decode_back(self):
        lf, df, pf = tb.from_section(self.fx['pitchEntropy'])
        cases = self.fx['v4PitchPayloads']
        for p in cases:
            T, stride, centi_hz = p['frames'], p['pitchStride'], p['targetRateCentiHz']
            self.assertEqual(stride, pitch_code.pitch_stride(centi_hz))
            self.assertEqual(p['spanLevels'], pitch_code.span_levels(p['pitch'], stride).tolist())
            self.assertEqual(len(p['spanLevels']), -(-T // stride))
            lengths, codes, pitch = np.array(p['lengths']), np.array(p['codes']).reshape(-1, 7), np.array(p['pitch'])
            data = tb.encode_segments(lf, df, centi_hz, lengths, codes, pf=pf, pitch=pitch, pitch_stride=stride)
            self.assertEqual(data.hex(), p['bytes'])
            back_lengths, back, spans = tb.decode_segments(lf, df, centi_hz, data, T, pf=pf, pitch_stride=stride)
            self.assertEqual(back_lengths.tolist(), p['lengths'])
            self.assertTrue((back == codes).all())
            self.assertEqual(spans.tolist(), p['spanLevels'])
            v3 = tb.encode_segments(lf, df, centi_hz, lengths, codes, pf=pf, pitch=pitch)
            # Stride 1 is version 3's payload byte for byte; stride 2 codes fewer levels (but a
            # one-frame file's one span is its frame).
            self.assertEqual(v3 == data, stride == 1 or T == 1, (centi_hz, T))
        two = [p for p in cases if p['pitchStride'] == 2]
        self.assertEqual({p['frames'] % 2 for p in two}, {0, 1})
        self.assertIn(1, [p['frames'] for p in two])
        self.assertTrue(any(p['pitchStride'] == 1 for p in cases))
        # Spans across segment boundaries: a segment that starts at an odd frame.
        self.assertTrue(any((np.cumsum(p['lengths'])[:-1] % 2).any() for p in two))

    def test_v4_headers_are_the_containers(self):
        hs = self.fx['v4Headers']
        for h in hs:
            data = bytes.fromhex(h['bytes'])
            self.assertEqual(container.v4_header(h['modelId'], h['sampleCount'], h['centiHz']), data)
            self.assertEqual(container.parse_v4_header(data), {'modelId': h['modelId'], 'sampleCount': h['sampleCount'],
                                                               'targetRateCentiHz': h['centiHz'], 'headerBytes': len(data)})
        self.assertEqual({len(bytes.fromhex(h['bytes'])) for h in hs}, {11, 12, 13, 14})
        self.assertTrue({1, 127, 128, 16383, 16384, 43200, container.MAX_SAMPLES} <= {h['sampleCount'] for h in hs})

    def test_refuses_the_per_segment_pitch_context(self):
        sec = dict(self.fx['pitchEntropy'], pitch=dict(self.fx['pitchEntropy']['pitch'], context='previous-segment-level'))
        with self.assertRaisesRegex(ValueError, "context 'previous-segment-level'.*'previous-frame-level'"):
            tb.from_section(sec)
        self.assertEqual(self.fx['pitchEntropy']['pitch']['context'], 'previous-frame-level')


class V4PayloadTest(unittest.TestCase):
    def setUp(self):
        with open(FIXTURE) as f:
            self.lf, self.df, self.pf = tb.from_section(json.load(f)['pitchEntropy'])

    def test_spans_are_coded_where_they_end(self):
        """docs/FORMAT.md's version 4 order with stride 2, symbol by symbol: a one-frame segment at an
        even frame codes no level, a segment codes the spans whose last frame it holds, the last span
        of an odd T is one frame; each level by the span before."""
        lf, df, pf = self.lf, self.df, self.pf
        lengths, frame_levels = np.array([1, 2, 2]), np.array([0, 30, 31, 0, 40])  # spans 30, 31, 40
        codes = np.zeros((3, 7), np.int64)
        data = tb.encode_segments(lf, df, 300, lengths, codes, pf=pf, pitch=frame_levels, pitch_stride=2)
        tables, symbols = [], []

        def code(row, symbol):
            tables.append([int(f) for f in row])
            symbols.append((len(tables) - 1, int(symbol)))
        for k, spans in enumerate([[], [(tb.NO_PREVIOUS_LEVEL, 30)], [(30, 31), (31, 40)]]):
            code(lf[tb.rate_bucket(300)], lengths[k] - 1)
            for prev, q in spans:
                code(pf[prev], q)
            for c in range(28):
                code(df[c, tb.NO_PREVIOUS if k == 0 else 0, 0], 0)
        self.assertEqual(data, encode_symbols(symbols, tables, tb.TOTAL_BITS))
        self.assertEqual(tb.decode_segments(lf, df, 300, data, 5, pf=pf, pitch_stride=2)[2].tolist(), [30, 31, 40])

    def test_random_round_trips_at_both_strides(self):
        rng = np.random.default_rng(3)
        for _ in range(30):
            lengths = rng.integers(1, 9, int(rng.integers(1, 12)))
            T, codes = int(lengths.sum()), rng.integers(0, 4096, (len(lengths), 7))
            levels = rng.integers(0, tb.PITCH_LEVELS, T) * (rng.random(T) > 0.3)
            for stride in (1, 2):
                data = tb.encode_segments(self.lf, self.df, 400, lengths, codes, pf=self.pf, pitch=levels,
                                          pitch_stride=stride)
                back_lengths, back, spans = tb.decode_segments(self.lf, self.df, 400, data, T, pf=self.pf,
                                                               pitch_stride=stride)
                self.assertEqual(back_lengths.tolist(), lengths.tolist())
                self.assertTrue((back == codes).all())
                self.assertEqual(spans.tolist(), pitch_code.span_levels(levels, stride).tolist())
            self.assertEqual(tb.encode_segments(self.lf, self.df, 400, lengths, codes, pf=self.pf, pitch=levels),
                             tb.encode_segments(self.lf, self.df, 400, lengths, codes, pf=self.pf, pitch=levels,
                                                pitch_stride=1))


class ContainerTest(unittest.TestCase):
    def test_leb128_edges(self):
        for n, want in [(0, '00'), (1, '01'), (127, '7f'), (128, '8001'), (16383, 'ff7f'), (16384, '808001'),
                        (43200, 'c0d102'), (2 ** 21, '80808001'), (2 ** 28 - 1, 'ffffff7f')]:
            self.assertEqual(container.leb128(n).hex(), want, n)
            self.assertEqual(container.read_leb128(b'\xaa' + bytes.fromhex(want) + b'\xaa', 1), (n, len(want) // 2))

    def test_leb128_refusals(self):
        for bad, message in [('8000', 'not minimal'), ('ff8000', 'not minimal'), ('80808080', 'longer than 4'),
                             ('8080808001', 'longer than 4'), ('80', 'truncated'), ('', 'truncated')]:
            with self.assertRaisesRegex(ValueError, message, msg=bad):
                container.read_leb128(bytes.fromhex(bad), 0)

    def test_header_refusals(self):
        good = container.v4_header('4bb024e4', 2000, 625)
        self.assertEqual(good.hex(), '46584304e424b04bd00f7102')
        for bad, message in [(good[:8] + bytes.fromhex('d08f00') + good[10:], 'not minimal'),
                             (good[:8] + bytes.fromhex('00') + good[10:], 'sampleCount 0 outside'),
                             (good[:8] + bytes.fromhex('81808080017102'), 'longer than 4'),
                             (good[:8] + container.leb128(container.MAX_SAMPLES + 1) + good[10:], 'outside 1..230400000'),
                             (good[:10] + bytes.fromhex('0000'), 'target rate 0 centi-Hz'),
                             (good[:10] + bytes.fromhex('e304'), 'target rate 1251'),
                             (good[:11], 'no target rate'),
                             (good[:3] + b'\x03' + good[4:], 'not a .fxc version 4'), (b'FXD' + good[3:], 'not a .fxc')]:
            with self.assertRaisesRegex(ValueError, message, msg=bad.hex()):
                container.parse_v4_header(bad)
        for args in [('4bb024e4', 0, 625), ('4bb024e4', container.MAX_SAMPLES + 1, 625), ('4bb024e4', 1, 0),
                     ('4bb024e4', 1, 1251)]:
            with self.assertRaises(ValueError, msg=str(args)):
                container.v4_header(*args)

    def test_parse_reads_the_header_of_a_whole_file(self):
        data = container.v4_header('95756a0b', 43200, 300) + bytes(20)
        self.assertEqual(container.parse_v4_header(data)['headerBytes'], 13)
        self.assertEqual(container.v4_overhead_bytes(43200), 17)
        self.assertEqual([container.v4_overhead_bytes(n) for n in (1, 128, 16384, 2 ** 21)], [15, 16, 17, 18])
        self.assertEqual(container.v4_overhead_bytes(43200, 5), 18)  # version 5: the codeGroups byte


class ManifestHeadTest(unittest.TestCase):
    """training.manifest.manifest_head: a model that codes pitch and has tables is version 4 and its id
    names the tables; any other keeps the id of its ONNX files alone and no fxcVersion."""
    hashes = {'encoder': 'aa' * 32, 'quantizer': 'bb' * 32, 'decoder': 'cc' * 32}

    def test_v4_only_with_pitch_and_tables(self):
        from training.manifest import manifest_head

        legacy = hashlib.sha256(('cc' * 32 + 'aa' * 32 + 'bb' * 32).encode()).hexdigest()[:8]  # decoder, encoder, quantizer
        for pitch, entropy in [(False, None), (True, None), (False, {'id': '389575e7'})]:
            self.assertEqual(manifest_head(self.hashes, pitch, entropy), {'formatVersion': 1, 'modelId': legacy})
        v4 = manifest_head(self.hashes, True, {'id': '389575e7'})
        self.assertEqual(list(v4), ['formatVersion', 'fxcVersion', 'modelId'])
        self.assertEqual(v4['fxcVersion'], 4)
        self.assertEqual(v4['modelId'], hashlib.sha256(('cc' * 32 + 'aa' * 32 + 'bb' * 32 + '389575e7').encode()).hexdigest()[:8])
        self.assertNotEqual(manifest_head(self.hashes, True, {'id': 'c491c012'})['modelId'], v4['modelId'])
        v5 = manifest_head(self.hashes, True, {'id': '389575e7'}, groups_in_header=True)
        self.assertEqual((v5['fxcVersion'], v5['modelId']), (5, v4['modelId']))


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

    def test_reduced_code_groups_fit_and_survive_the_cache(self):
        """Low-rate streams carry 28 digit channels, full-rate ones 36 (models.json reducedCodeGroups):
        each channel's table is fitted on the streams that carry it, and the cache keeps each width."""
        rng = np.random.default_rng(3)
        streams = [{'rate': 3.0, 'lengths': rng.integers(3, 9, 40), 'digits': np.full((40, 28), 2)},
                   {'rate': 12.5, 'lengths': np.ones(40, np.int64), 'digits': np.full((40, 36), 5)}]
        lf, df = tb.fit(streams, channels=36)
        self.assertEqual(df.shape[0], 36)
        self.assertEqual(int(np.argmax(df[30, 5, 5])), 5)  # channel 30: only the 12.5 Hz stream's 5s
        self.assertGreater(df[3, 2, 2, 2], 2000)  # channel 3: the 3 Hz stream's 2s after 2s
        with tempfile.TemporaryDirectory() as d:
            save(os.path.join(d, 's.npz'), streams)
            back = load(os.path.join(d, 's.npz'))
        self.assertEqual([s['digits'].shape for s in back], [(40, 28), (40, 36)])
        self.assertTrue((back[0]['digits'] == 2).all())
        codes = (back[1]['digits'].reshape(40, -1, 4) * 8 ** np.arange(4)).sum(-1)
        payload = tb.encode_segments(lf, df, 1250, back[1]['lengths'], codes)
        self.assertLess(len(payload), 40 * 108 // 8 // 4)  # constant digits: far under the raw 108 bits

    def test_fit_pitch_learns_the_previous_level(self):
        rng = np.random.default_rng(1)
        streams = [{'pitch': np.clip(20 + np.cumsum(np.r_[0, rng.integers(-1, 2, 199)]), 1, 63)} for _ in range(20)]
        pf = tb.fit_pitch(streams)
        self.assertEqual(pf.shape, (tb.NO_PREVIOUS_LEVEL + 1, tb.PITCH_LEVELS))
        self.assertTrue((pf >= 1).all() and (pf.sum(1) == 1 << tb.TOTAL_BITS).all())
        self.assertGreater(pf[20, 19:22].sum(), 3500)  # a level stays within a step of the one before
        self.assertEqual(int(np.argmax(pf[tb.NO_PREVIOUS_LEVEL])), 20)  # every stream starts at 20

    def test_collected_pitch_levels_survive_the_cache(self):
        # One level per frame: 6 frames in 3 segments at 3 Hz, in 6 at 12.5 Hz.
        levels = np.array([0, 17, 63, 63, 20, 0])
        streams = [{'rate': r, 'lengths': lengths, 'digits': np.zeros((len(lengths), 28), np.int64), 'pitch': levels}
                   for r, lengths in ((3.0, np.array([1, 2, 3])), (12.5, np.ones(6, np.int64)))]
        with tempfile.TemporaryDirectory() as d:
            save(os.path.join(d, 's.npz'), streams)
            back = load(os.path.join(d, 's.npz'))
            save(os.path.join(d, 'n.npz'), [{k: v for k, v in s.items() if k != 'pitch'} for s in streams])
            self.assertNotIn('pitch', load(os.path.join(d, 'n.npz'))[0])
            # A cache of the per-segment days: a level per segment, refused.
            save(os.path.join(d, 'old.npz'), [dict(streams[0], pitch=np.array([0, 17, 63]))])
            with self.assertRaisesRegex(ValueError, '3 pitch levels for 6 frames, not one per frame'):
                load(os.path.join(d, 'old.npz'))
        self.assertEqual([s['pitch'].tolist() for s in back], [levels.tolist()] * 2)


class PitchMeasureTest(unittest.TestCase):
    """A model that codes pitch gets pitch levels collected and a pitch table measured (tiny model,
    synthetic audio: seconds on a CPU)."""

    def test_collect_gives_the_levels_the_runtime_codes(self):
        """v3's segmenter (training/v3/export.py, what its export measures the tables with)."""
        import torch

        from training.pitch.code import frame_levels
        from training.pitch.track import track
        from training.tests.test_v3 import tiny
        from training.v3.export import segments_at_rates
        from training.v3.model import CodecV3

        torch.manual_seed(0)
        t = np.arange(2 * 16000) / 16000
        x = (0.3 * np.sign(np.sin(2 * np.pi * 150 * t)) * (t < 1.2)).astype(np.float32)  # voiced, then silence
        at_rates = segments_at_rates(CodecV3(tiny()).eval(), x, [12.5, 3.0])
        for s in at_rates:
            T = int(s['lengths'].sum())
            self.assertEqual(T, len(x) // 1280)
            self.assertEqual(len(s['digits']), len(s['lengths']))
            self.assertEqual(len(s['pitch']), T)  # a level per 80 ms frame, whatever the rate
            self.assertEqual(s['pitch'].tolist(), frame_levels(track(x[:T * 1280])).tolist())
            self.assertGreater(s['pitch'][0], 0)
            self.assertEqual(s['pitch'][-1], 0)
        self.assertLess(len(at_rates[1]['lengths']), len(at_rates[0]['lengths']))
        self.assertEqual(at_rates[0]['pitch'].tolist(), at_rates[1]['pitch'].tolist())

    def test_whole_file_bitrates_count_the_v4_header_and_stride(self):
        from training.entropy.measure import REPORT_RATES_HZ, V2_OVERHEAD_BYTES, report

        rng = np.random.default_rng(4)
        with open(FIXTURE) as f:
            lf, df, pf = tb.from_section(json.load(f)['pitchEntropy'])
        T = 75  # 6 s: 120000 samples, sampleCount in 3 LEB128 bytes (10 + 3 header bytes, 4 CRC)
        pitch = np.clip(25 + np.cumsum(rng.integers(-2, 3, T)), 1, 63) * (rng.random(T) > 0.2)
        streams = []
        for r in REPORT_RATES_HZ:
            lengths = np.ones(T, np.int64) if r == 12.5 else np.array([3] * 25)
            streams.append({'rate': r, 'lengths': lengths, 'digits': rng.integers(0, 8, (len(lengths), 28)), 'pitch': pitch})
        text, bps = report(streams, streams, lf, df, pf=pf)
        plain_text, plain_bps = report(streams, streams, lf, df)
        self.assertIn('whole file, v4 (bit/s)', text)
        self.assertIn('whole file, v2 (bit/s)', plain_text)
        for s in streams:
            K, centi_hz = len(s['lengths']), round(s['rate'] * 100)
            codes = (s['digits'].reshape(K, -1, 4) * 8 ** np.arange(4)).sum(-1)
            v4 = tb.encode_segments(lf, df, centi_hz, s['lengths'], codes, pf=pf, pitch=pitch,
                                    pitch_stride=pitch_code.pitch_stride(centi_hz))
            v2 = tb.encode_segments(lf, df, centi_hz, s['lengths'], codes)
            self.assertEqual(bps[str(s['rate'])], round(8 * (10 + 3 + 4 + len(v4)) / 6, 1), s['rate'])
            self.assertEqual(plain_bps[str(s['rate'])], round(8 * (V2_OVERHEAD_BYTES + len(v2)) / 6, 1))

    def test_measure_adds_a_pitch_table_for_a_pitch_model(self):
        from training.entropy.measure import measure

        rng = np.random.default_rng(2)

        def streams(utterances, rates):
            """Each utterance at each rate, as collect gives them: one set of frame levels per utterance."""
            out = []
            for _ in range(utterances):
                T = 60
                pitch = np.clip(25 + np.cumsum(rng.integers(-2, 3, T)), 1, 63) * (rng.random(T) > 0.2)
                for r in rates:
                    lengths = [1] * T if r == 12.5 else []
                    while sum(lengths) < T:
                        lengths.append(min(int(rng.integers(1, 9)), T - sum(lengths)))
                    lengths, K = np.array(lengths), len(lengths)
                    out.append({'rate': r, 'lengths': lengths, 'digits': rng.integers(0, 8, (K, 28)), 'pitch': pitch})
            return out

        with tempfile.TemporaryDirectory() as d:
            save(f'{d}/train.npz', streams(4, [12.5, 3.0, 6.25]))
            save(f'{d}/valid.npz', streams(2, [12.5, 8.3, 6.25, 3.0]))
            sec, text = measure(None, None, cache=d, pitch=True)
            plain, _ = measure(None, None, cache=d, pitch=False)
        lf, df, pf = tb.from_section(sec)
        self.assertEqual(pf.shape, (tb.NO_PREVIOUS_LEVEL + 1, tb.PITCH_LEVELS))
        self.assertEqual(sec['id'], tb.tables_id(lf, df, pf))
        self.assertIn("| pitch: previous frame's level |", text)
        self.assertIn('| pitch probability model | bits per frame | bit/s |', text)
        self.assertIn('whole file, v4', text)
        self.assertEqual(sec['measured']['pitchFrames'], 4 * 60)  # each utterance's frames once, not once per rate
        self.assertEqual(sec['pitch']['context'], 'previous-frame-level')
        self.assertNotIn('pitch', plain)
        self.assertEqual(plain['id'], tb.tables_id(lf, df))


if __name__ == '__main__':
    unittest.main()
