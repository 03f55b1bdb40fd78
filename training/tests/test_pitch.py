"""The pitch tracker (training/pitch/track.py) and level code (code.py): tones, silence and noise,
the NCCF against its docstring's direct sums, levels, version 4's two-frame spans, the decoder's F0
track and phases, and the
fixture the TypeScript twins are checked on (test/pitch.test.ts)."""
import math
import unittest

import numpy as np
import soundfile as sf

from training.pitch import code, track
from training.pitch import fixture

RATE = 16000


def tone(seconds, f0, harmonics=1):
    t = np.arange(int(seconds * RATE)) / RATE
    return sum(0.3 / h * np.sin(2 * np.pi * h * f0 * t) for h in range(1, harmonics + 1)).astype(np.float32)


def interior(f0):
    """Frames whose window and lag span lie inside the signal."""
    return f0[3:-5]


class TrackTest(unittest.TestCase):
    def test_tones_track_within_one_percent_and_voiced(self):
        for f0, harmonics in [(200, 1), (120, 12), (75, 8), (420, 1)]:
            got = interior(track.track(tone(2, f0, harmonics)))
            self.assertLess(np.abs(got / f0 - 1).max(), 0.01, f'{f0} Hz, {harmonics} harmonics')

    def test_one_frame_per_10_ms(self):
        for n in [0, 159, 160, 1000, 16001]:
            self.assertEqual(len(track.track(np.zeros(n, np.float32))), n // track.HOP)

    def test_silence_noise_and_a_tone_under_the_energy_floor_are_unvoiced(self):
        noise = np.random.default_rng(7).uniform(-0.1, 0.1, 2 * RATE).astype(np.float32)
        quiet = tone(1, 200) * 3e-4  # mean square ~5e-9: under ENERGY_FLOOR, though perfectly periodic
        for name, x in [('silence', np.zeros(RATE, np.float32)), ('noise', noise), ('quiet', quiet)]:
            self.assertTrue((track.track(x) == 0).all(), name)

    def test_decimate_is_the_1331_filter_with_zeros_outside(self):
        x = np.random.default_rng(1).standard_normal(41)
        p = lambda k: x[k] if 0 <= k < len(x) else 0.0  # noqa: E731
        want = [(p(2 * n - 1) + 3 * p(2 * n) + 3 * p(2 * n + 1) + p(2 * n + 2)) / 8 for n in range(20)]
        np.testing.assert_allclose(track.decimate(x), want, rtol=0, atol=1e-15)

    def test_nccf_is_the_docstrings_direct_sums(self):
        x = np.random.default_rng(2).standard_normal(4000)
        r, power = track.nccf(x)
        y = track.decimate(x)
        at = lambda n: y[n] if 0 <= n < len(y) else 0.0  # noqa: E731
        for i in [0, 3, 12, 24]:  # the first and the last frames see the zeros outside
            c = 80 * i + 40
            a = np.array([at(n) for n in range(c - 128, c + 128)])
            self.assertAlmostEqual(power[i], (a * a).mean(), delta=1e-15)
            for j, lag in enumerate(range(track.MIN_LAG - 1, track.MAX_LAG + 2)):
                b = np.array([at(n) for n in range(c - 128 + lag, c + 128 + lag)])
                want = (a @ b) / math.sqrt((a @ a) * (b @ b) + 1e-12)
                self.assertAlmostEqual(r[i, j], want, delta=1e-12, msg=f'frame {i} lag {lag}')


def subframes(*segments):
    """Per-segment lists of 10 ms F0s -> one flat track."""
    return np.concatenate([np.asarray(s, np.float64) for s in segments])


class SegmentLevelsTest(unittest.TestCase):
    def test_unvoiced_under_the_voiced_share(self):
        two, three = [200.0] * 2 + [0.0] * 6, [200.0] * 3 + [0.0] * 5  # 0.25 and 0.375 of 8
        self.assertEqual(code.segment_levels(subframes(two, three, [0.0] * 16), [1, 1, 2]).tolist(),
                         [0, code.segment_levels(subframes(three), [1])[0], 0])
        self.assertGreater(code.segment_levels(subframes(three), [1])[0], 0)

    def test_voiced_levels_stay_in_1_to_63(self):
        f0 = subframes([20.0] * 8, [49.0] * 8, [50.0] * 8, [500.0] * 8, [2000.0] * 8)
        self.assertEqual(code.segment_levels(f0, [1] * 5).tolist(), [1, 1, 1, 63, 63])

    def test_level_round_trip_within_half_a_step(self):
        for f in np.geomspace(50, 500, 997):
            level = code.segment_levels(np.full(8, f), [1])[0]
            self.assertTrue(1 <= level <= 63)
            self.assertLessEqual(abs(code.level_log2_f0(level) - math.log2(f)), code.STEP / 2 + 1e-12)

    def test_median_of_the_voiced_frames(self):
        odd = [100.0, 300.0, 0.0, 200.0, 0.0, 0.0, 0.0, 0.0]  # median 200
        even = [100.0, 150.0, 250.0, 400.0, 0.0, 0.0, 0.0, 0.0]  # median (150 + 250) / 2
        for sub, med in [(odd, 200.0), (even, 200.0)]:
            self.assertEqual(code.segment_levels(np.array(sub), [1])[0],
                             code.segment_levels(np.full(8, med), [1])[0])

    def test_exact_halves_round_to_even(self):
        for k, hz in [(24, 124.20277370931775), (33, 173.4972458208955)]:  # (log2 hz - log2 50) / STEP = k + 0.5
            self.assertEqual((math.log2(hz) - math.log2(code.F0_MIN)) / code.STEP, k + 0.5)
            self.assertEqual(code.segment_levels(np.full(8, hz), [1])[0], 1 + (k if k % 2 == 0 else k + 1))


class FrameTrackTest(unittest.TestCase):
    def test_interpolates_log_f0_between_adjacent_voiced_centres(self):
        levels, lengths = [10, 30], [2, 3]  # centres at 8 and 16 + 12 = 28 (10 ms frames)
        f0 = code.frame_track(levels, lengths)
        v0, v1 = code.level_log2_f0(10), code.level_log2_f0(30)
        for j in range(8, 28):
            w = (j + 0.5 - 8) / 20
            self.assertAlmostEqual(math.log2(f0[j]), v0 + w * (v1 - v0), delta=1e-12)
        # outside the two centres there is no neighbour to go to: hold
        np.testing.assert_allclose(np.log2(f0[:8]), v0, atol=1e-12)
        np.testing.assert_allclose(np.log2(f0[28:]), v1, atol=1e-12)

    def test_holds_at_voicing_edges_and_is_zero_where_unvoiced(self):
        levels, lengths = [20, 0, 40, 41], [2, 1, 2, 2]
        f0 = code.frame_track(levels, lengths)
        self.assertEqual(len(f0), 8 * sum(lengths))
        np.testing.assert_allclose(f0[:16], 2 ** code.level_log2_f0(20), rtol=1e-12)
        self.assertTrue((f0[16:24] == 0).all())
        np.testing.assert_allclose(f0[24:32], 2 ** code.level_log2_f0(40), rtol=1e-12)  # before its centre
        self.assertTrue((np.diff(f0[32:48]) > 0).all())  # after it, rising towards level 41

    def test_continuous_across_a_boundary_between_voiced_segments(self):
        f0 = np.log2(code.frame_track([5, 50, 12], [1, 4, 2]))
        steps = np.abs(np.diff(f0[4:44]))  # between the first and the last centre: piecewise linear
        self.assertLess(steps.max(), (code.level_log2_f0(50) - code.level_log2_f0(5)) / 19)


class SpanTest(unittest.TestCase):
    """.fxc version 4 below 5 Hz: a level per two-frame span, and the decoder's track from them."""

    def test_stride_2_below_5_hz(self):
        self.assertEqual([code.pitch_stride(c) for c in (1, 300, 450, 499, 500, 625, 1250)], [2, 2, 2, 2, 1, 1, 1])

    def test_span_level_rules(self):
        self.assertEqual(code.span_level(0, 0), 0)
        self.assertEqual((code.span_level(0, 17), code.span_level(17, 0)), (17, 17))  # the voiced one's
        self.assertEqual((code.span_level(3, 4), code.span_level(4, 3)), (4, 4))  # a half rounds up
        self.assertEqual((code.span_level(3, 5), code.span_level(62, 63), code.span_level(1, 63)), (4, 63, 32))

    def test_span_levels_and_lengths(self):
        levels = np.array([10, 20, 0, 0, 0, 7, 5])  # odd T: the last span is frame 6 alone
        self.assertEqual(code.span_levels(levels, 2).tolist(), [15, 0, 7, 5])
        self.assertEqual(code.span_levels(levels, 1).tolist(), levels.tolist())
        self.assertEqual(code.span_levels(levels[:6], 2).tolist(), [15, 0, 7])
        self.assertEqual(code.span_levels([9], 2).tolist(), [9])
        with self.assertRaisesRegex(ValueError, 'pitch stride 3'):
            code.span_levels(levels, 3)
        self.assertEqual(code.span_lengths(7, 2).tolist(), [2, 2, 2, 1])
        self.assertEqual(code.span_lengths(6, 2).tolist(), [2, 2, 2])
        self.assertEqual(code.span_lengths(1, 2).tolist(), [1])
        self.assertEqual(code.span_lengths(3, 1).tolist(), [1, 1, 1])

    def test_stride_track(self):
        levels = np.array([0, 12, 40, 41, 0, 30, 31])
        self.assertEqual(code.stride_track(levels, 1, 7).tolist(), code.decoder_track(levels).tolist())
        f0 = code.stride_track(code.span_levels(levels, 2), 2, 7)  # spans 12, 41, 30, 31
        self.assertEqual(len(f0), 8 * 7)
        np.testing.assert_allclose(f0[:8], 2 ** code.level_log2_f0(12), rtol=1e-12)  # held before the first centre
        self.assertAlmostEqual(math.log2(f0[23]), code.level_log2_f0(41) - 0.5 / 16 * (41 - 12) * code.STEP, delta=1e-12)
        np.testing.assert_allclose(f0[52:], 2 ** code.level_log2_f0(31), rtol=1e-12)  # the one-frame span, after its centre

    def test_pitch_inputs_follow_the_stride(self):
        from training.pitch.inputs import pitch_inputs

        f0_sub = np.concatenate([np.geomspace(100, 200, 40), np.zeros(16)])[None]  # 7 frames, the last two unvoiced
        levels = code.frame_levels(f0_sub[0])
        for stride in (1, 2):
            got = pitch_inputs(f0_sub, pitch_stride=stride)
            want = code.stride_track(code.span_levels(levels, stride), stride, 7)
            np.testing.assert_allclose(got['f0_frames'][0].numpy(), want.astype(np.float32))
            np.testing.assert_allclose(got['phase_start'][0].numpy(), code.phase_starts(want).astype(np.float32), atol=1e-6)
        self.assertFalse(np.allclose(pitch_inputs(f0_sub)['f0_frames'], pitch_inputs(f0_sub, pitch_stride=2)['f0_frames']))

    def test_fine_pitch_inputs_take_the_trackers_f0_inside_the_coded_voicing(self):
        from training.pitch.inputs import pitch_inputs

        # 7 frames: a glide, a frame the tracker calls voiced in only 2 of its 8 subframes (below the
        # 30 % the coded level needs), then silence
        f0_sub = np.concatenate([np.geomspace(100, 200, 40), [0] * 6 + [150, 150], np.zeros(8)])[None]
        coded = pitch_inputs(f0_sub)['f0_frames'][0].numpy()
        fine = pitch_inputs(f0_sub, fine=True)
        got = fine['f0_frames'][0].numpy()
        np.testing.assert_allclose(got[:40], f0_sub[0, :40].astype(np.float32))  # the tracker's contour, not the levels'
        self.assertGreater(np.abs(coded[:40] - got[:40]).max(), 1.0)
        np.testing.assert_array_equal(got > 0, coded > 0)  # voicing stays the coded one
        self.assertTrue((got[40:] == 0).all())
        np.testing.assert_allclose(fine['phase_start'][0].numpy(), code.phase_starts(got).astype(np.float32), atol=1e-6)


class PhaseStartsTest(unittest.TestCase):
    def test_advances_by_f0_over_100_cycles_a_frame(self):
        rng = np.random.default_rng(3)
        f0 = np.where(rng.random(3000) < 0.2, 0.0, rng.uniform(50, 500, 3000))
        p = code.phase_starts(f0)
        self.assertEqual(p[0], 0.0)
        self.assertTrue(((p >= 0) & (p < 1)).all())
        d = p[1:] - p[:-1] - f0[:-1] / 100
        self.assertLess(np.abs(d - np.round(d)).max(), 1e-9)


class FixtureTest(unittest.TestCase):
    """test/fixtures/pitch is what the Python code gives now (rerun training.pitch.fixture if not)."""

    def test_fixture_is_current(self):
        meta, arrays = fixture.load()
        x, _ = sf.read(meta['source'], dtype='float32')
        f0 = track.track(x)
        np.testing.assert_allclose(f0, arrays['f0'], rtol=1e-9, atol=0)  # the tracker's last bits differ between builds
        self.assertGreater((f0 > 0).mean(), 0.5)
        for name in meta['segmentations']:
            lengths = arrays[f'{name}.lengths'].astype(int).tolist()
            levels = code.segment_levels(f0, lengths)
            self.assertEqual(levels.tolist(), arrays[f'{name}.levels'].tolist())
            frames = code.frame_track(levels, lengths)
            self.assertEqual(frames.tolist(), arrays[f'{name}.frameTrack'].tolist())
            self.assertEqual(code.phase_starts(frames).tolist(), arrays[f'{name}.phaseStarts'].tolist())
        levels = code.frame_levels(f0)
        self.assertEqual(len(levels), len(f0) // code.SUBFRAMES)  # one per whole 80 ms frame
        self.assertEqual(levels.tolist(), arrays['frames.levels'].tolist())
        self.assertEqual(code.decoder_track(levels).tolist(), arrays['frames.decoderTrack'].tolist())
        self.assertEqual(code.phase_starts(code.decoder_track(levels)).tolist(), arrays['frames.phaseStarts'].tolist())

if __name__ == '__main__':
    unittest.main()
