/**
 * Chromium side of the benchmark: the codec pipeline on WebGPU and on WASM (each in a browser
 * of its own, so memory is its own) and Opus through WebCodecs, on the bench page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { BenchPageApi, PageMemory } from './browser/main.ts';
import type { OpusRun } from './browser/opus.ts';
import type { WorkerLoadInfo } from './browser/pipeline.worker.ts';
import { launchChromium, serveSpeech } from './lib/chromium.ts';
import type { PipelineRun } from './lib/pipeline-run.ts';
import { PeakSampler } from './lib/proc-memory.ts';

/** The bench page under the Vite server's root. */
export const BENCH_PAGE_PATH = '/bench/browser/index.html';

/** One duration of the pipeline in Chromium, with the memory it took. */
export interface BrowserDurationResult {
  seconds: number;
  run: PipelineRun;
  /** Peak RssAnon + RssShmem summed over all Chromium processes (browser, renderer, GPU, utility) during the run, bytes. */
  peakTreeBytes: number;
  /** measureUserAgentSpecificMemory right after the run (page and worker JS/Wasm memory). */
  pageMemory: PageMemory;
}

/** Everything one backend gave. */
export interface BrowserPipelineResult {
  backend: 'webgpu' | 'wasm';
  browserVersion: string;
  load: WorkerLoadInfo;
  /** Chromium processes' memory (RssAnon + RssShmem, see proc-memory.ts) once the models are loaded, bytes. */
  treeBytesAfterLoad: number;
  warmupMs: number;
  durations: BrowserDurationResult[];
  /** Durations left out because the run would have passed the section's time budget. */
  skipped: { seconds: number; projectedMs: number }[];
}

declare global {
  interface Window {
    flexiBench?: BenchPageApi;
  }
}

/** Another model set to run instead of public/models (BENCH_MODELS=DIR), served to the page as /models/. */
async function serveModels(page: Page, dir: string): Promise<void> {
  await page.route('**/models/*', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    route.fulfill({ body: readFileSync(join(dir, name)), contentType: 'application/octet-stream' });
  });
}

async function openBenchPage(page: Page, baseUrl: string): Promise<void> {
  await serveSpeech(page);
  if (process.env.BENCH_MODELS) await serveModels(page, process.env.BENCH_MODELS);
  await page.goto(new URL(BENCH_PAGE_PATH, baseUrl).href);
  await page.waitForFunction(() => window.flexiBench !== undefined);
}

/**
 * Loads the codec on `backend`, warms up on `warmupSeconds`, then runs each duration once,
 * shortest first, skipping a duration whose projected time (the last run's real-time factor times
 * its length) would end the section after `budgetMs`. `threads` overrides the app's WASM thread
 * count (src/worker/wasm-threads.ts).
 */
export async function browserPipeline(
  baseUrl: string,
  backend: 'webgpu' | 'wasm',
  seconds: number[],
  warmupSeconds: number,
  budgetMs: number,
  log: (line: string) => void,
  threads?: number,
): Promise<BrowserPipelineResult> {
  const started = performance.now();
  const chromium = await launchChromium(backend === 'webgpu');
  const sampler = new PeakSampler(chromium.pid);
  try {
    const page = await chromium.browser.newPage();
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await openBenchPage(page, baseUrl);
    const load = await page.evaluate(([b, n]) => window.flexiBench!.load(b, n), [backend, threads] as const);
    const treeBytesAfterLoad = sampler.now();
    log(`  ${backend}: loaded (${JSON.stringify(load)})`);
    const t = performance.now();
    await page.evaluate((s) => window.flexiBench!.run(s), warmupSeconds);
    const warmupMs = performance.now() - t;
    const durations: BrowserDurationResult[] = [];
    const skipped: BrowserPipelineResult['skipped'] = [];
    let msPerSecond = warmupMs / warmupSeconds;
    for (const s of seconds) {
      const projectedMs = msPerSecond * s;
      if (durations.length > 0 && performance.now() - started + projectedMs > budgetMs) {
        skipped.push({ seconds: s, projectedMs });
        log(`  ${backend} ${s} s: skipped, projected ${(projectedMs / 1000).toFixed(0)} s passes the budget`);
        continue;
      }
      sampler.reset();
      const run = await page.evaluate((x) => window.flexiBench!.run(x), s);
      const peakTreeBytes = sampler.peak();
      const pageMemory = await page.evaluate(() => window.flexiBench!.memory());
      durations.push({ seconds: s, run, peakTreeBytes, pageMemory });
      msPerSecond = (run.encodeMs + run.decodeMs) / s;
      log(`  ${backend} ${s} s: encode ${run.encodeMs.toFixed(0)} ms, decode ${run.decodeMs.toFixed(0)} ms`);
    }
    return {
      backend,
      browserVersion: chromium.browser.version(),
      load,
      treeBytesAfterLoad,
      warmupMs,
      durations,
      skipped,
    };
  } finally {
    sampler.stop();
    await chromium.close();
  }
}

/** Opus speed and bitrate: `requestedBps` plus the lowest bitrate of `candidatesBps` the encoder accepts. */
export interface OpusResult {
  browserVersion: string;
  sampleRateHz: number;
  lowestAcceptedBps: number | null;
  candidatesBps: number[];
  runs: OpusRun[];
}

/** Opus via WebCodecs on the same speech, one run per (bitrate, duration) after a warm-up. */
export async function opusBench(
  baseUrl: string,
  bitratesBps: number[],
  candidatesBps: number[],
  seconds: number[],
  sampleRateHz: number,
): Promise<OpusResult> {
  const chromium = await launchChromium(false);
  try {
    const page = await chromium.browser.newPage();
    await openBenchPage(page, baseUrl);
    const lowest = await page.evaluate(([r, c]) => window.flexiBench!.opusLowestBps(r, c), [
      sampleRateHz,
      candidatesBps,
    ] as const);
    const rates = [...new Set([...bitratesBps, ...(lowest === null ? [] : [lowest])])];
    await page.evaluate(([r, b]) => window.flexiBench!.opus(10, r, b), [sampleRateHz, rates[0]] as const);
    const runs: OpusRun[] = [];
    for (const bps of rates)
      for (const s of seconds)
        runs.push(
          await page.evaluate(([x, r, b]) => window.flexiBench!.opus(x, r, b), [
            s,
            sampleRateHz,
            bps,
          ] as const),
        );
    return {
      browserVersion: chromium.browser.version(),
      sampleRateHz,
      lowestAcceptedBps: lowest,
      candidatesBps,
      runs,
    };
  } finally {
    await chromium.close();
  }
}
