/**
 * Kernel-vs-twin timing for docs/KERNELS.md: serves the kernel page, opens it in Debian's
 * Chromium (WebGPU on SwiftShader, the test flags) and prints a Markdown table.
 * Run: npx tsx e2e/kernels/runBench.ts
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, WEBGPU_ARGS } from '../../playwright.config.ts';
import type {} from './main.ts';
import type { BenchRow } from './report.ts';
import { startKernelServer } from './server.ts';

/** 1 min, 10 min and 1 h of 12.5 Hz frames. */
const FRAME_COUNTS = [750, 7_500, 45_000];
/** Timed runs per cell (after one warm-up); the table shows the median. */
const REPEATS = 7;

function table(rows: BenchRow[], adapter: string, browser: string): string {
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} in Chromium ${browser}, adapter "${adapter}", ` +
      `median of ${REPEATS} runs after a warm-up, milliseconds.`,
    '',
    '| audio | frames T | segments K | similarities: twin | similarities: GPU | merge: twin | merge: GPU, resident | merge: GPU, means kept on GPU | merge: GPU, with upload | expand: twin | expand: GPU |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${r.frames} | ${r.segments} | ${ms(r.twinSimilaritiesMs)} | ${ms(r.gpuSimilaritiesMs)} | ` +
        `${ms(r.twinMergeMs)} | ${ms(r.gpuMergeMs)} | ${ms(r.gpuMergeToBuffersMs)} | ${ms(r.gpuMergeWithUploadMs)} | ${ms(r.twinExpandMs)} | ${ms(r.gpuExpandMs)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const server = await startKernelServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS],
  });
  try {
    const page = await browser.newPage();
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.kernelTests !== undefined);
    const { adapter } = await page.evaluate(() => window.kernelTests!.webgpu());
    if (!adapter) throw new Error('no WebGPU adapter');
    const rows = await page.evaluate(([counts, repeats]) => window.kernelTests!.bench(counts, repeats), [
      FRAME_COUNTS,
      REPEATS,
    ] as const);
    console.log(table(rows, adapter, browser.version()));
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
