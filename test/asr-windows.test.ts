/**
 * The runtime's window scheme for asr.onnx (src/core/asr-windows.ts) agrees with Python's
 * (training/whisper/windows.py `plan`, fixtures written by training/whisper/runtime_fixtures.py),
 * and models.json's asrWindow is validated with clear errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAsrWindow, planAsrWindows } from '../src/core/asr-windows.ts';

interface PlanFixture {
  defaults: { window: number; margin: number };
  cases: { window: number; margin: number; plans: Record<string, [number, number, number, number][]> }[];
}

const fixture = JSON.parse(readFileSync('test/fixtures/whisper/plans.json', 'utf8')) as PlanFixture;

describe('asr windows: the twin of training/whisper/windows.py', () => {
  it('plans the same windows as Python for every T of the fixture', () => {
    let checked = 0;
    for (const c of fixture.cases) {
      const w = { windowFrames: c.window, marginFrames: c.margin, padShortToWindow: true };
      for (const [t, expected] of Object.entries(c.plans)) {
        const got = planAsrWindows(Number(t), w).map((p) => [p.start, p.end, p.keepFrom, p.keepTo]);
        expect(got, `window ${c.window}, margin ${c.margin}, T ${t}`).toEqual(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(fixture.defaults).toEqual({ window: 375, margin: 31 });
  });

  it('tiles the file with kept ranges at least a margin from every inner window edge', () => {
    const w = { windowFrames: 375, marginFrames: 31, padShortToWindow: true };
    for (const t of [1, 374, 375, 376, 688, 689, 1000, 45_000]) {
      const plan = planAsrWindows(t, w);
      expect(plan[0].keepFrom).toBe(0);
      expect(plan[plan.length - 1].keepTo).toBe(t);
      for (let i = 0; i < plan.length; i++) {
        const p = plan[i];
        if (i > 0) expect(p.keepFrom).toBe(plan[i - 1].keepTo);
        expect(p.end - p.start).toBe(Math.min(t, 375));
        if (p.start > 0) expect(p.keepFrom - p.start).toBeGreaterThanOrEqual(31);
        if (p.end < t) expect(p.end - p.keepTo).toBeGreaterThanOrEqual(31);
      }
    }
  });

  it('rejects an asrWindow the runtime cannot plan with', () => {
    const ok = { windowFrames: 375, marginFrames: 31, padShortToWindow: true };
    expect(checkAsrWindow(ok)).toEqual(ok);
    expect(() => checkAsrWindow(null)).toThrow(/asrWindow must be an object/);
    expect(() => checkAsrWindow({ ...ok, windowFrames: 0 })).toThrow(/windowFrames/);
    expect(() => checkAsrWindow({ ...ok, marginFrames: 188 })).toThrow(/marginFrames/);
    expect(() => checkAsrWindow({ ...ok, marginFrames: -1 })).toThrow(/marginFrames/);
    expect(() => checkAsrWindow({ ...ok, padShortToWindow: 'yes' })).toThrow(/padShortToWindow/);
  });
});
