/**
 * WGSL merge kernels vs their TypeScript twins, in real Chromium with WebGPU (SwiftShader).
 * The page e2e/kernels/ runs both on the same data and reports the differences; this file
 * asserts them. WebGPU missing is a failure, not a skip: the product requires it.
 */
import { expect, test, type Page } from '@playwright/test';
// Window.kernelTests is declared by the page module.
import type {} from './kernels/main.ts';
import type { MergeCaseReport, SpreadCaseReport } from './kernels/report.ts';
import { startKernelServer, type KernelServer } from './kernels/server.ts';

/** Largest allowed |sim_gpu - sim_twin|, and relative error of segment means (docs/KERNELS.md). */
const TOLERANCE = 1e-5;
/**
 * Largest allowed |cost_gpu − cost_twin| of the spread layout's costs (0..maxLen; docs/KERNELS.md):
 * 1e-5, or float32's summation bound where that is larger, channels · maxLen · 2⁻²⁴ (each cost sums
 * `channels` terms of a squared norm up to maxLen²; 1.8e-4 for Whisper's 384 channels).
 */
function spreadCostTolerance(channels: number, maxLen: number): number {
  return Math.max(1e-5, channels * maxLen * 2 ** -24);
}

test.describe.configure({ mode: 'serial' });

let page: Page;
let server: KernelServer;

test.beforeAll(async ({ browser }) => {
  server = await startKernelServer();
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[kernels page] ${m.text()}`);
  });
  await page.goto(server.pageUrl);
  await page.waitForFunction(() => window.kernelTests !== undefined);
});

test.afterAll(async () => {
  await page?.close();
  await server?.close();
});

/** Every agreement the brief asks for, for one (features, τ). */
function expectAgreement(r: MergeCaseReport): void {
  const at = `${r.name}, τ=${r.tau}`;
  expect(r.simMaxAbsDiff, `${at}: max |sim difference|`).toBeLessThanOrEqual(TOLERANCE);
  expect(r.sameSimsBoundaryMismatches, `${at}: boundaries on identical similarities`).toBe(0);
  expect(r.boundaryMismatches, `${at}: boundaries away from τ ± 1e-5`).toBe(0);
  expect(r.comparedFrames, `${at}: frames compared`).toBeGreaterThan(0);
  expect(r.segmentsGpu, `${at}: K`).toBe(r.segmentsTwin);
  expect(r.segmentsCounted, `${at}: K by countSegments`).toBe(r.segmentsTwin);
  expect(r.lengthMismatches, `${at}: segment lengths`).toBe(0);
  expect(r.meanMaxError, `${at}: segment means`).toBeLessThanOrEqual(TOLERANCE);
  expect(r.trendMaxError, `${at}: segment trends`).toBeLessThanOrEqual(TOLERANCE);
  if (r.pooled) expect(r.meanValuesCompared, `${at}: means compared`).toBeGreaterThan(0);
  else expect(r.meanValuesCompared, `${at}: a lengths-only merger pools nothing`).toBe(0);
  expect(r.buffersVsReadBackMismatches, `${at}: mergeToBuffers vs merge`).toBe(0);
  expect(r.expandFrames, `${at}: expanded frames`).toBe(r.frames);
  expect(r.expandMismatches, `${at}: expandLengths`).toBe(0);
}

/**
 * The spread-cost kernel against its twin: every cost within spreadCostTolerance, +Infinity before
 * frame 0 on both sides, and at each rate a layout of exactly K segments covering every frame whose
 * twin cost is within what float32 cost errors allow of the twin's optimum (2 · K · max error). With
 * `sameLayouts` the DP must pick the twin's very lengths: where no two layouts tie, as on speech,
 * and where the costs agree to 1e-5. A merge stream as wide as Whisper's (384 channels) has costs
 * known to float32's bound only (spreadCostTolerance), and layouts within it of the optimum are
 * ties: there the gap check is what says the GPU's layout is optimal.
 */
function expectSpreadAgreement(r: SpreadCaseReport, sameLayouts: boolean, maxLen: number): void {
  let entries = 0;
  for (let e = 0; e < r.frames; e++) entries += Math.min(maxLen, e + 1);
  expect(r.costsCompared, `${r.name}: costs compared`).toBe(entries);
  expect(r.invalidMismatches, `${r.name}: +Infinity before frame 0`).toBe(0);
  expect(r.costMaxAbsDiff, `${r.name}: max |cost difference|`).toBeLessThanOrEqual(
    spreadCostTolerance(r.channels, maxLen),
  );
  expect(r.rates.length, `${r.name}: rates laid out`).toBeGreaterThan(0);
  for (const q of r.rates) {
    const at = `${r.name} at ${q.rateHz} Hz`;
    expect(q.gpuSegments, `${at}: K`).toBe(q.segments);
    expect(q.gpuFrames, `${at}: frames covered`).toBe(r.frames);
    expect(q.costGap, `${at}: GPU layout vs the twin's optimum`).toBeGreaterThanOrEqual(0);
    expect(q.costGap, `${at}: GPU layout vs the twin's optimum`).toBeLessThanOrEqual(q.gapBound);
    if (sameLayouts && spreadCostTolerance(r.channels, maxLen) <= 1e-5)
      expect(q.lengthMismatches, `${at}: lengths`).toBe(0);
  }
}

test('WebGPU gives an adapter in this Chromium', async () => {
  const report = await page.evaluate(() => window.kernelTests!.webgpu());
  expect(report.hasNavigatorGpu, 'navigator.gpu').toBe(true);
  expect(report.adapter, 'navigator.gpu.requestAdapter()').not.toBeNull();
});

test('prefix scan (sum and max) equals a plain loop, one to three levels', async () => {
  for (const n of [1, 1023, 1024, 1025, 45_000, 1_048_577]) {
    for (const op of ['sum', 'max'] as const) {
      const r = await page.evaluate(([n, op]) => window.kernelTests!.runScan(n, op), [n, op] as const);
      expect(r.mismatches, `${op}-scan of ${n}`).toBe(0);
      expect(r.last, `${op}-scan of ${n}: last`).toBe(r.expectedLast);
    }
  }
});

test('expandLengths kernel equals the twin', async () => {
  const reports = await page.evaluate(() => window.kernelTests!.runExpand());
  expect(reports.length).toBeGreaterThan(0);
  for (const r of reports) expect(r.mismatches, `${r.name} (${r.frames} frames)`).toBe(0);
});

test('merge kernels equal the twin on synthetic edge cases (T=1, T=2, identical, zeros, 1 h)', async () => {
  const names = await page.evaluate(() => window.kernelTests!.syntheticNames());
  expect(names.some((n) => n.includes('45000'))).toBe(true);
  for (const name of names) {
    await test.step(name, async () => {
      const reports = await page.evaluate((n) => window.kernelTests!.runSynthetic(n), name);
      expect(reports.length).toBeGreaterThan(0);
      for (const r of reports) expectAgreement(r);
      if (name.startsWith('identical')) {
        // One long run: only the max-length rule splits it (τ < 1), into ceil(T / 8) segments.
        const merged = reports.find((r) => r.tau === 0.9)!;
        expect(merged.segmentsGpu).toBe(Math.ceil(merged.frames / 8));
      }
    });
  }
});

test('merge kernels equal the twin on real encoder features (encoder.onnx on ORT WebGPU, speech)', async () => {
  // ORT's WebGPU session on SwiftShader takes over a minute to build on a loaded 2-core machine.
  test.setTimeout(600_000);
  const reports = await page.evaluate(() => window.kernelTests!.runReal());
  expect(reports.length).toBeGreaterThan(0);
  for (const r of reports) expectAgreement(r);
  // The data must exercise merging: some τ gives segments longer than a frame, on GPU buffers too.
  const merged = reports.filter((r) => r.name.includes('GPU buffers') && r.segmentsGpu < r.frames);
  expect(merged.length).toBeGreaterThan(0);
  // The merger a formatVersion 3 model gets (its quantizer pools the frames): the same segments.
  expect(reports.filter((r) => !r.pooled && r.segmentsGpu < r.frames).length).toBeGreaterThan(0);
});

test('spread-cost kernel equals the twin on synthetic edge cases (T=1, identical, zeros, opposite, 1 h)', async () => {
  const names = await page.evaluate(() => window.kernelTests!.syntheticNames());
  const maxLen = await page.evaluate(() => window.kernelTests!.maxSegmentFrames());
  for (const name of names) {
    await test.step(name, async () => {
      const r = await page.evaluate((n) => window.kernelTests!.runSpreadSynthetic(n), name);
      // Identical, zero and opposite frames tie exactly in float64 (and within float32 rounding on
      // the GPU), so only there may the DP pick another layout of the same cost.
      const ties = /identical|zeros|opposite/.test(name);
      expectSpreadAgreement(r, !ties, maxLen);
    });
  }
});

test('spread-cost kernel equals the twin on real encoder features, and the DP picks the same layout', async () => {
  test.setTimeout(600_000);
  const maxLen = await page.evaluate(() => window.kernelTests!.maxSegmentFrames());
  const reports = await page.evaluate(() => window.kernelTests!.runSpreadReal());
  expect(reports.length).toBe(2);
  for (const r of reports) {
    expectSpreadAgreement(r, true, maxLen);
    // Every rate fits a 6 s window, and the low ones merge.
    expect(r.rates.length).toBe(6);
    expect(r.rates.some((q) => q.segments < r.frames / 2)).toBe(true);
  }
});
