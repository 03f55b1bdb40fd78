import { describe, expect, it } from 'vitest';
import { adjacentCosine, countSegments, segmentTrends, trendWeight } from '../src/core/merge.ts';
import { fixedRateLengths, searchTau } from '../src/core/tau.ts';
import { TwinMerger, mergeWithLengths } from '../src/core/twin-merger.ts';
import type { EncodedFeatures } from '../src/core/types.ts';
import { HAVE_MODELS, NO_MODELS_REASON, realCodec, speechSamples } from './helpers/models.ts';
import { seededRandom } from './helpers/random.ts';

/** Random features with runs of near-identical frames, like speech features. */
function features(frames: number, seed: number, sd = 5, ad = 3): EncodedFeatures {
  const random = seededRandom(seed);
  const semantic = new Float32Array(frames * sd);
  const acoustic = new Float32Array(frames * ad);
  let base = Array.from({ length: sd }, () => random() - 0.5);
  for (let t = 0; t < frames; t++) {
    if (random() < 0.3) base = Array.from({ length: sd }, () => random() - 0.5);
    for (let i = 0; i < sd; i++) semantic[t * sd + i] = base[i] + 0.2 * (random() - 0.5);
    for (let i = 0; i < ad; i++) acoustic[t * ad + i] = random();
  }
  return { frames, semantic, acoustic };
}

describe('merge twin (TwinMerger)', () => {
  const merger = new TwinMerger(5, 3, 8);

  it('τ = 1 gives one segment per frame; any τ gives lengths 1..8 summing to T', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const f = features(1 + ((seed * 37) % 300), seed);
      const sim = await merger.similarities(f);
      const one = await merger.merge(f, sim, 1);
      expect(one.segments).toBe(f.frames);
      expect(Array.from(one.lengths).every((l) => l === 1)).toBe(true);
      for (const tau of [-2, 0, 0.5, 0.9]) {
        const m = await merger.merge(f, sim, tau);
        expect(m.segments).toBe(countSegments(sim, tau, 8));
        expect(Array.from(m.lengths).reduce((a, b) => a + b, 0)).toBe(f.frames);
        expect(Math.max(...m.lengths)).toBeLessThanOrEqual(8);
        expect(Math.min(...m.lengths)).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('means are the plain means of each segment', async () => {
    const f = features(50, 9);
    const sim = await merger.similarities(f);
    const m = await merger.merge(f, sim, 0.5);
    let t = 0;
    for (let k = 0; k < m.segments; k++) {
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let p = 0; p < m.lengths[k]; p++) s += f.acoustic[(t + p) * 3 + i];
        expect(m.acousticMean[k * 3 + i]).toBeCloseTo(s / m.lengths[k], 6);
      }
      for (let i = 0; i < 5; i++) {
        let s = 0;
        for (let p = 0; p < m.lengths[k]; p++) s += f.semantic[(t + p) * 5 + i];
        expect(m.semanticMean[k * 5 + i]).toBeCloseTo(s / m.lengths[k], 6);
      }
      t += m.lengths[k];
    }
  });

  it('trends: the weighted mean across each segment, 0 for one frame (the numbers of training/tests/test_segment_trend.py, commit 1215a19)', () => {
    // segments [0], [1, 2], [3, 4, 5] of two channels
    const x = Float32Array.of(5, 1, 1, 2, 3, 6, 0, 9, 7, 9, 4, 3);
    const trend = segmentTrends(x, 2, Uint32Array.of(0, 1, 1, 2, 2, 2), Uint32Array.of(1, 2, 3));
    const expected = [0, 0, 1, 2, 4 / 3, -2];
    expected.forEach((v, i) => expect(trend[i]).toBeCloseTo(v, 6));
    expect([0, 1, 2, 3, 7].map((p) => trendWeight(p, 8))).toEqual([-1, -5 / 7, -3 / 7, -1 / 7, 1]);
    expect(trendWeight(0, 1)).toBe(0);
  });

  it('trends flip sign when a segment is reversed; its mean stays', async () => {
    const f = features(40, 7);
    const sim = await merger.similarities(f);
    const m = await merger.merge(f, sim, 0.5);
    const reversed = { ...f, semantic: new Float32Array(f.semantic.length) };
    let t = 0; // reverse the frames inside every segment
    for (const n of m.lengths) {
      for (let p = 0; p < n; p++)
        reversed.semantic.set(f.semantic.subarray((t + n - 1 - p) * 5, (t + n - p) * 5), (t + p) * 5);
      t += n;
    }
    const r = await new TwinMerger(5, 3, 8).merge(reversed, sim, 0.5);
    expect(Math.max(...m.lengths)).toBeGreaterThan(1);
    for (let i = 0; i < m.semanticTrend.length; i++) {
      expect(r.semanticTrend[i]).toBeCloseTo(-m.semanticTrend[i], 5);
      expect(r.semanticMean[i]).toBeCloseTo(m.semanticMean[i], 5);
    }
    expect(Math.max(...Array.from(m.semanticTrend, Math.abs))).toBeGreaterThan(0.01);
  });

  it('handles silence: zero vectors never merge (cosine is 0 thanks to the epsilon)', async () => {
    const f: EncodedFeatures = {
      frames: 20,
      semantic: new Float32Array(100),
      acoustic: new Float32Array(60),
    };
    const sim = await merger.similarities(f);
    expect(Array.from(sim.subarray(1)).every((v) => v === 0)).toBe(true);
    const choice = searchTau(sim, 6.25, 12.5, 8);
    expect(Number.isFinite(choice.achievedRateHz)).toBe(true);
  });
});

describe('τ search', () => {
  it('is monotone: the rate never falls as τ rises', () => {
    const sim = adjacentCosine(features(400, 4).semantic, 400, 5);
    let last = 0;
    for (let tau = -1; tau <= 1.0001; tau += 0.01) {
      const k = countSegments(sim, tau, 8);
      expect(k).toBeGreaterThanOrEqual(last);
      last = k;
    }
    expect(countSegments(sim, 1, 8)).toBe(400);
  });

  it('hits 3, 6.25 and 12.5 Hz within 0.25 Hz on varied features, or the closest achievable rate', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const f = features(375, seed);
      const sim = adjacentCosine(f.semantic, 375, 5);
      for (const target of [3, 6.25, 8.33, 12.5]) {
        const c = searchTau(sim, target, 12.5, 8);
        expect(c.segments).toBe(countSegments(sim, c.tau, 8));
        expect(c.achievedRateHz).toBeCloseTo((12.5 * c.segments) / 375, 9);
        expect(Math.abs(c.achievedRateHz - target)).toBeLessThanOrEqual(0.25);
        // No other τ does better: check the neighbouring segment counts.
        const best = Math.min(
          ...[-2, ...sim].map((t) => Math.abs((12.5 * countSegments(sim, t, 8)) / 375 - target)),
        );
        expect(Math.abs(c.achievedRateHz - target)).toBeCloseTo(best, 9);
      }
      expect(searchTau(sim, 12.5, 12.5, 8).tau).toBeGreaterThanOrEqual(1);
    }
  });

  it('fixed-rate mode gives constant lengths for 6.25 Hz and the right average otherwise', () => {
    expect(Array.from(fixedRateLengths(10, 6.25, 12.5, 8))).toEqual([2, 2, 2, 2, 2]);
    expect(Array.from(fixedRateLengths(9, 6.25, 12.5, 8))).toEqual([2, 2, 2, 2, 1]);
    expect(Array.from(fixedRateLengths(5, 12.5, 12.5, 8))).toEqual([1, 1, 1, 1, 1]);
    const l = fixedRateLengths(3000, 3, 12.5, 8);
    expect(Math.abs((12.5 * l.length) / 3000 - 3)).toBeLessThan(0.01);
    expect(Math.max(...l)).toBeLessThanOrEqual(8);
    const f = features(10, 1);
    const m = mergeWithLengths(f, fixedRateLengths(10, 6.25, 12.5, 8), 5, 3);
    expect(m.semanticMean[0]).toBeCloseTo((f.semantic[0] + f.semantic[5]) / 2, 6);
  });

  it.skipIf(!HAVE_MODELS)(
    'hits 3, 6.25 and 12.5 Hz within 0.25 Hz on real encoder features of held-out speech',
    async () => {
      const codec = await realCodec();
      const session = await codec.analyze(speechSamples());
      for (const target of [3, 6.25, 12.5]) {
        const r = await session.recode(target);
        expect(Math.abs(r.achievedRateHz - target)).toBeLessThanOrEqual(0.25);
      }
      // Re-coding reuses the features: same result as a fresh encode.
      const fresh = await codec.encode(speechSamples(), { frameRateHz: 6.25 });
      expect(Array.from((await session.recode(6.25)).fxc)).toEqual(Array.from(fresh.fxc));
    },
  );
  if (!HAVE_MODELS) it.skip(`real-feature τ search: ${NO_MODELS_REASON}`, () => {});
});
