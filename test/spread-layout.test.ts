/**
 * The spread layout's TypeScript twin (src/core/spread-layout.ts): the lengths training/segments.py
 * gives (test/fixtures/spread-layout.json, ties included), the least total cost (brute force), the
 * same choices as the whole-table DP segments.py runs, and the shape of every layout.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_SPREAD_CELLS,
  spreadCells,
  spreadCosts,
  spreadLengths,
  spreadSegmentCount,
} from '../src/core/spread-layout.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

interface FixtureCase {
  name: string;
  frames: number;
  dim: number;
  features: number[];
  lengths: Record<string, number[]>;
  /** The same cases with the shipped length penalty (models.json `layoutLengthPenalty`). */
  penalized: { lengthPenalty: number; lengths: Record<string, number[]> };
}

const FIXTURE = JSON.parse(
  readFileSync(new URL('./fixtures/spread-layout.json', import.meta.url), 'utf8'),
) as { maxSegmentFrames: number; frameRateHz: number; cases: FixtureCase[] };

const MAX_LEN = 8;
const FRAME_RATE_HZ = 12.5;

/** The layout of these frames at `rateHz`, as the codec runs it. */
function layout(
  x: Float32Array,
  frames: number,
  dim: number,
  rateHz: number,
  maxLen = MAX_LEN,
  lengthPenalty = 0,
): Uint32Array {
  const segments = spreadSegmentCount(frames, rateHz, FRAME_RATE_HZ, maxLen);
  return spreadLengths(spreadCosts(x, frames, dim, maxLen), frames, maxLen, segments, lengthPenalty);
}

/** Total cost of a layout, summed left to right as the DP adds it. */
function totalCost(costs: ArrayLike<number>, lengths: ArrayLike<number>, maxLen: number): number {
  let total = 0;
  let end = 0;
  for (let k = 0; k < lengths.length; k++) {
    end += lengths[k];
    total += costs[(end - 1) * maxLen + lengths[k] - 1];
  }
  return total;
}

/** Every way to cut `frames` frames into `segments` segments of 1..maxLen, as length lists. */
function allLayouts(frames: number, segments: number, maxLen: number): number[][] {
  if (segments === 0) return frames === 0 ? [[]] : [];
  const out: number[][] = [];
  for (let l = 1; l <= Math.min(maxLen, frames); l++)
    for (const rest of allLayouts(frames - l, segments - 1, maxLen)) out.push([...rest, l]);
  return out;
}

/**
 * segments.py `spread_flags` transcribed cell for cell: the whole (K + 1) × (T + 1) table, every cell
 * filled, np.argmin's first minimum. The twin fills only a band of it; both must pick the same.
 */
function wholeTableLengths(
  costs: ArrayLike<number>,
  frames: number,
  maxLen: number,
  segments: number,
): number[] {
  const best = Array.from({ length: segments + 1 }, () => new Float64Array(frames + 1).fill(Infinity));
  const back = Array.from({ length: segments + 1 }, () => new Int32Array(frames + 1));
  best[0][0] = 0;
  for (let e = 1; e <= frames; e++) {
    const n = Math.min(maxLen, e);
    for (let k = 1; k <= segments; k++) {
      let j = 0;
      for (let i = 1; i < n; i++)
        if (
          best[k - 1][e - 1 - i] + costs[(e - 1) * maxLen + i] <
          best[k - 1][e - 1 - j] + costs[(e - 1) * maxLen + j]
        )
          j = i;
      best[k][e] = best[k - 1][e - 1 - j] + costs[(e - 1) * maxLen + j];
      back[k][e] = e - 1 - j;
    }
  }
  const lengths: number[] = [];
  let e = frames;
  for (let k = segments; k >= 1; k--) {
    lengths.unshift(e - back[k][e]);
    e = back[k][e];
  }
  return lengths;
}

function randomFrames(random: () => number, frames: number, dim: number): Float32Array {
  return Float32Array.from({ length: frames * dim }, () => random() * 2 - 1);
}

describe('spread layout twin', () => {
  it('gives the lengths training/segments.py gives, for every fixture case and rate', () => {
    expect(FIXTURE.maxSegmentFrames).toBe(MAX_LEN);
    expect(FIXTURE.frameRateHz).toBe(FRAME_RATE_HZ);
    expect(FIXTURE.cases.some((c) => c.name.startsWith('valid'))).toBe(true);
    let compared = 0;
    for (const c of FIXTURE.cases) {
      const x = Float32Array.from(c.features);
      expect(x.length, c.name).toBe(c.frames * c.dim);
      for (const [rate, expected] of Object.entries(c.lengths)) {
        const lengths = layout(x, c.frames, c.dim, Number(rate));
        expect(Array.from(lengths), `${c.name} at ${rate} Hz`).toEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe(FIXTURE.cases.length * 5);
    // The fixture must exercise merging, not only 12.5 Hz's one frame a segment.
    expect(FIXTURE.cases.some((c) => c.lengths['3'].some((l) => l > 2))).toBe(true);
  });

  it('gives the lengths training/segments.py gives with the length penalty, and the penalty matters', () => {
    let changed = 0;
    for (const c of FIXTURE.cases) {
      const x = Float32Array.from(c.features);
      const { lengthPenalty, lengths: table } = c.penalized;
      expect(lengthPenalty).toBeGreaterThan(0);
      for (const [rate, expected] of Object.entries(table)) {
        const lengths = layout(x, c.frames, c.dim, Number(rate), MAX_LEN, lengthPenalty);
        expect(Array.from(lengths), `${c.name} at ${rate} Hz, penalty ${lengthPenalty}`).toEqual(expected);
        if (JSON.stringify(expected) !== JSON.stringify(c.lengths[rate])) changed++;
      }
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('computes the spread of hand-checkable segments, +Infinity before frame 0', () => {
    // Frames: a, a (identical), b ⟂ a, −b (opposite), 0 (a zero frame: unit vector 0).
    const x = Float32Array.from([3, 0, 5, 0, 0, 2, 0, -7, 0, 0]);
    const costs = spreadCosts(x, 5, 2, 3);
    const cost = (e: number, l: number) => costs[e * 3 + l - 1];
    expect(cost(0, 1)).toBeCloseTo(0, 12); // one frame: 1 − 1
    expect(cost(0, 2)).toBe(Infinity);
    expect(cost(1, 3)).toBe(Infinity);
    expect(cost(1, 2)).toBeCloseTo(0, 12); // identical: 2 − 4 / 2
    expect(cost(2, 2)).toBeCloseTo(1, 12); // orthogonal: 2 − 2 / 2
    expect(cost(3, 2)).toBeCloseTo(2, 12); // opposite: 2 − 0
    expect(cost(2, 3)).toBeCloseTo(3 - 5 / 3, 12); // |2a + b|² = 5
    expect(cost(4, 1)).toBe(1); // a zero frame: 1 − 0
    expect(costs.length).toBe(15);
  });

  it('finds the least total cost (brute force over every layout of small inputs)', () => {
    const random = seededRandom(11);
    let checked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const frames = 1 + randomInt(random, 12);
      const maxLen = 1 + randomInt(random, 4);
      const dim = 1 + randomInt(random, 3);
      const costs = spreadCosts(randomFrames(random, frames, dim), frames, dim, maxLen);
      for (let segments = Math.ceil(frames / maxLen); segments <= frames; segments++) {
        const lengths = spreadLengths(costs, frames, maxLen, segments);
        const best = Math.min(
          ...allLayouts(frames, segments, maxLen).map((l) => totalCost(costs, l, maxLen)),
        );
        expect(totalCost(costs, lengths, maxLen), `T=${frames} K=${segments} L=${maxLen}`).toBe(best);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('picks what the whole-table DP of segments.py picks, on costs full of exact ties', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 200; trial++) {
      const frames = 1 + randomInt(random, 40);
      const maxLen = 1 + randomInt(random, 8);
      // Costs of 0, 1 or 2: most candidates tie, so only the same tie rule gives the same layout.
      const costs = new Float64Array(frames * maxLen);
      for (let e = 0; e < frames; e++)
        for (let l = 1; l <= maxLen; l++)
          costs[e * maxLen + l - 1] = l > e + 1 ? Infinity : randomInt(random, 3);
      const segments =
        Math.ceil(frames / maxLen) + randomInt(random, frames - Math.ceil(frames / maxLen) + 1);
      const at = `T=${frames} K=${segments} L=${maxLen}`;
      expect(Array.from(spreadLengths(costs, frames, maxLen, segments)), at).toEqual(
        wholeTableLengths(costs, frames, maxLen, segments),
      );
    }
  });

  it('breaks exact ties towards the shorter last segment', () => {
    const zeros = new Float64Array(10 * MAX_LEN);
    expect(Array.from(spreadLengths(zeros, 10, MAX_LEN, 3))).toEqual([8, 1, 1]);
    // Each cell takes the shortest segment its predecessors allow: the last 1, then 7, then the first 8.
    expect(Array.from(spreadLengths(new Float64Array(16 * MAX_LEN), 16, MAX_LEN, 3))).toEqual([8, 7, 1]);
  });

  it('always gives exactly K segments of 1..maxLen covering every frame', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 40; trial++) {
      const frames = randomInt(random, 400);
      const dim = 1 + randomInt(random, 20);
      const x = randomFrames(random, frames, dim);
      for (const rate of [12.5, 9, 6.25, 4.5, 3, 1.5625]) {
        const lengths = layout(x, frames, dim, rate);
        expect(lengths.length).toBe(spreadSegmentCount(frames, rate, FRAME_RATE_HZ, MAX_LEN));
        expect(lengths.reduce((a, b) => a + b, 0)).toBe(frames);
        expect(lengths.every((l) => l >= 1 && l <= MAX_LEN)).toBe(true);
      }
    }
  });

  it('counts round(T · rate / 12.5) segments, halves up, within [⌈T / maxLen⌉, T]', () => {
    expect(spreadSegmentCount(375, 6.25, 12.5, 8)).toBe(188); // 187.5 goes up
    expect(spreadSegmentCount(3, 6.25, 12.5, 8)).toBe(2); // 1.5 goes up
    expect(spreadSegmentCount(375, 3, 12.5, 8)).toBe(90);
    expect(spreadSegmentCount(375, 1.5625, 12.5, 8)).toBe(47); // 46.875 → 47, also ⌈375 / 8⌉
    expect(spreadSegmentCount(100, 1.5625, 12.5, 4)).toBe(25); // ⌈100 / 4⌉ beats 12.5 → 13
    expect(spreadSegmentCount(7, 12.5, 12.5, 8)).toBe(7);
    expect(spreadSegmentCount(1, 1.5625, 12.5, 8)).toBe(1); // 0.125 rounds to 0, but one frame is one segment
    expect(spreadSegmentCount(0, 6.25, 12.5, 8)).toBe(0);
  });

  it('codes 12.5 Hz as one frame a segment, and the edge cases T = 0, T = 1, T < maxLen', () => {
    const random = seededRandom(9);
    const x = randomFrames(random, 50, 4);
    expect(Array.from(layout(x, 50, 4, 12.5))).toEqual(new Array(50).fill(1));
    expect(Array.from(layout(new Float32Array(0), 0, 4, 6.25))).toEqual([]);
    expect(Array.from(layout(x.subarray(0, 4), 1, 4, 3))).toEqual([1]);
    expect(Array.from(layout(x.subarray(0, 20), 5, 4, 1.5625))).toEqual([5]); // one segment of it all
    const two = layout(x.subarray(0, 20), 5, 4, 6.25); // 2.5 → 3 segments
    expect(two.length).toBe(3);
    expect(two.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('refuses impossible counts, wrong cost arrays and DP tables past MAX_SPREAD_CELLS', () => {
    const costs = new Float64Array(10 * MAX_LEN);
    expect(() => spreadLengths(costs, 10, MAX_LEN, 11)).toThrow(RangeError);
    expect(() => spreadLengths(costs, 10, MAX_LEN, 1)).toThrow(/1 segments of 1..8 frames cannot cover 10/);
    expect(() => spreadLengths(costs, 10, MAX_LEN, 0)).toThrow(RangeError);
    expect(() => spreadLengths(costs.subarray(1), 10, MAX_LEN, 5)).toThrow(/79 costs for 10 frames/);
    const nan = costs.slice();
    nan[17] = NaN;
    expect(() => spreadLengths(nan, 10, MAX_LEN, 5)).toThrow(/NaN/);
    // One pass over an hour at 6.25 Hz: a table of ~5e8 cells is refused before anything is allocated.
    const hour = 45_000;
    const segments = spreadSegmentCount(hour, 6.25, 12.5, MAX_LEN);
    expect(() => spreadCells(hour, MAX_LEN, segments)).toThrow(/encode in windows/);
    expect(() => spreadLengths(new Float64Array(0), hour, MAX_LEN, segments)).toThrow(/more than 67108864/);
    // At 12.5 Hz the band is one cell a row: the same hour fits.
    expect(spreadCells(hour, MAX_LEN, hour)).toBe(hour);
    expect(MAX_SPREAD_CELLS).toBe(2 ** 26);
  });
});
