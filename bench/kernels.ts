/**
 * WGSL merge kernels vs their TypeScript twins: the existing kernel benchmark page
 * (e2e/kernels/, docs/KERNELS.md) driven for 1 min, 10 min and 1 h of frames.
 */
import type {} from '../e2e/kernels/main.ts';
import type { BenchRow } from '../e2e/kernels/report.ts';
import { KERNEL_PAGE_PATH } from '../e2e/kernels/server.ts';
import { launchChromium } from './lib/chromium.ts';

/** 1 min, 10 min and 1 h of 12.5 Hz frames. */
export const KERNEL_FRAME_COUNTS = [750, 7_500, 45_000];
/** Timed runs per cell after the page's warm-up; the median is kept. */
export const KERNEL_REPEATS = 5;

/** The kernel page's rows and the adapter they ran on. */
export interface KernelResult {
  adapter: string;
  browserVersion: string;
  repeats: number;
  rows: BenchRow[];
}

/** Runs the kernel page's benchmark in Chromium with WebGPU (SwiftShader here). */
export async function kernelBench(baseUrl: string): Promise<KernelResult> {
  const chromium = await launchChromium(true);
  try {
    const page = await chromium.browser.newPage();
    await page.goto(new URL(KERNEL_PAGE_PATH, baseUrl).href);
    await page.waitForFunction(() => window.kernelTests !== undefined);
    const { adapter } = await page.evaluate(() => window.kernelTests!.webgpu());
    if (!adapter) throw new Error('no WebGPU adapter');
    const rows = await page.evaluate(([counts, repeats]) => window.kernelTests!.bench(counts, repeats), [
      KERNEL_FRAME_COUNTS,
      KERNEL_REPEATS,
    ] as const);
    return { adapter, browserVersion: chromium.browser.version(), repeats: KERNEL_REPEATS, rows };
  } finally {
    await chromium.close();
  }
}
