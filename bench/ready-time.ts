/**
 * Time from page load to `ready` on the demo page (index.html) of a production build served by
 * `vite preview`: cold (empty browser profile) and from cache (the same profile, browser
 * restarted: HTTP disk cache, V8 code cache, GPU shader cache). WebGPU and WASM (?backend=wasm).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { LOAD_MEASURE_PREFIX } from '../src/worker/load-timing.ts';
import { build, preview, type PreviewServer } from 'vite';
import { CHROMIUM_ARGS, WEBGPU_ARGS } from '../playwright.config.ts';
import { CHROMIUM_PATH } from './lib/chromium.ts';

/** Longest wait for `ready` (a cold WebGPU load on SwiftShader compiles shaders for minutes). */
const READY_TIMEOUT_MS = 600_000;

/** One page load. */
export interface ReadyLoad {
  /** Navigation start to the status text `ready`, ms (a MutationObserver set before the page's scripts). */
  readyMs: number;
  /** The app's own split (console line of src/main/main.ts): total, sessions, warm-up. */
  appLoadMs: number;
  appSessionsMs: number;
  appWarmupMs: number;
  backend: string;
  /** Bytes the network delivered for the model, wasm and vocoder weight files (0 when served from cache). */
  transferredBytes: number;
  /** HTTP status per model/wasm/vocoder weight file; a 304 is a cache revalidation. */
  statuses: Record<string, number>;
  /** Path of every same-origin request the page and its worker made. */
  fetchedPaths: string[];
  /** The worker's load measures (src/worker/load-timing.ts), in the order they started. */
  measures: LoadMeasure[];
  /**
   * With `firstWav`: ms from `ready` to the first file coded (opened with the page's file input,
   * encoded and decoded: the mark flexi:decoded of src/main/main.ts), so work moved out of the
   * load shows here.
   */
  firstCodeMs?: number;
}

/** One User Timing measure of the worker's load, on the page's clock (ms from navigation start). */
export interface LoadMeasure {
  /** Without the `flexi:` prefix, e.g. "session asr (wasm)". */
  name: string;
  startMs: number;
  durationMs: number;
}

/**
 * Workers whose measures are read: not onnxruntime-web's WASM threads (workers it starts from its
 * own bundle), which sleep in Atomics.wait between runs and so never answer an evaluate.
 */
const isOrtThread = (url: string) => /\/ort\.[\w.-]*bundle[\w.-]*\.m?js$/.test(new URL(url).pathname);

/** The codec worker's `flexi:` measures, shifted onto the page's time origin. */
async function workerMeasures(page: Page): Promise<LoadMeasure[]> {
  const pageOrigin = await page.evaluate(() => performance.timeOrigin);
  const all: LoadMeasure[] = [];
  for (const worker of page.workers().filter((w) => !isOrtThread(w.url()))) {
    const { origin, entries } = await worker.evaluate(
      (prefix) => ({
        origin: performance.timeOrigin,
        entries: performance
          .getEntriesByType('measure')
          .filter((e) => e.name.startsWith(prefix))
          .map((e) => ({ name: e.name.slice(prefix.length), startTime: e.startTime, duration: e.duration })),
      }),
      LOAD_MEASURE_PREFIX,
    );
    for (const e of entries)
      all.push({ name: e.name, startMs: e.startTime + origin - pageOrigin, durationMs: e.duration });
  }
  return all.sort((a, b) => a.startMs - b.startMs);
}

/** Cold and cached loads for one backend. */
export interface ReadyResult {
  backend: 'webgpu' | 'wasm';
  /** The model set the page loaded (models.json as the server serves it; absent in older results). */
  modelId?: string;
  cold: ReadyLoad;
  cached: ReadyLoad;
}

/** Builds the app into `outDir` (not the shared dist/, which tests use) and serves it. */
export async function buildAndPreview(outDir: string): Promise<PreviewServer> {
  await build({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return preview({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
  });
}

async function loadOnce(
  profileDir: string,
  url: string,
  webgpu: boolean,
  firstWav?: string,
): Promise<ReadyLoad> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(webgpu ? WEBGPU_ARGS : [])],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid="status"]');
        const w = window as unknown as { __readyAt?: number };
        if (w.__readyAt === undefined && status?.textContent === 'ready') w.__readyAt = performance.now();
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const statuses: Record<string, number> = {};
    const fetchedPaths = new Set<string>();
    let transferredBytes = 0;
    page.on('requestfinished', async (request) => {
      const u = new URL(request.url());
      if (u.origin === new URL(url).origin) fetchedPaths.add(u.pathname);
      const name = u.pathname.split('/').pop() ?? '';
      if (!/\.(onnx|wasm|bin)$/.test(name)) return;
      const response = await request.response();
      statuses[name] = response?.status() ?? 0;
      transferredBytes += (await request.sizes().catch(() => ({ responseBodySize: 0 }))).responseBodySize;
    });
    const appLine = page.waitForEvent('console', {
      predicate: (m) => m.text().startsWith('codec on '),
      timeout: READY_TIMEOUT_MS,
    });
    await page.goto(url);
    await page.waitForFunction(
      () => (window as unknown as { __readyAt?: number }).__readyAt !== undefined,
      null,
      {
        timeout: READY_TIMEOUT_MS,
        polling: 100,
      },
    );
    const readyMs = await page.evaluate(() => (window as unknown as { __readyAt: number }).__readyAt);
    const measures = await workerMeasures(page);
    let firstCodeMs: number | undefined;
    if (firstWav) {
      const opened = await page.evaluate(() => performance.now());
      await page.getByTestId('file-input').setInputFiles(firstWav);
      await page.waitForFunction(() => performance.getEntriesByName('flexi:decoded').length > 0, null, {
        timeout: READY_TIMEOUT_MS,
        polling: 50,
      });
      firstCodeMs =
        (await page.evaluate(() => performance.getEntriesByName('flexi:decoded')[0].startTime)) - opened;
    }
    const [, backend, total, sessions, warmup] =
      /codec on (\w+): load (\d+) ms \(sessions (\d+) ms, warm-up (\d+) ms\)/.exec((await appLine).text()) ??
      [];
    return {
      readyMs,
      appLoadMs: Number(total),
      appSessionsMs: Number(sessions),
      appWarmupMs: Number(warmup),
      backend,
      transferredBytes,
      statuses,
      fetchedPaths: [...fetchedPaths].sort(),
      measures,
      firstCodeMs,
    };
  } finally {
    await context.close();
  }
}

/**
 * Cold load in a fresh profile, then a second browser on the same profile; with `firstWav`, each
 * then codes that file (ReadyLoad.firstCodeMs). `query` adds page parameters (e.g. threads).
 */
export async function readyTimes(
  baseUrl: string,
  backend: 'webgpu' | 'wasm',
  firstWav?: string,
  query: Record<string, string> = {},
): Promise<ReadyResult> {
  const profile = await mkdtemp(join(tmpdir(), 'flexi-bench-profile-'));
  try {
    const params = new URLSearchParams({ ...(backend === 'wasm' ? { backend: 'wasm' } : {}), ...query });
    const url = new URL(params.size ? `/?${params}` : '/', baseUrl).href;
    const served = await fetch(new URL('/models/models.json', baseUrl));
    const modelId = served.ok ? ((await served.json()) as { modelId?: string }).modelId : undefined;
    const cold = await loadOnce(profile, url, backend === 'webgpu', firstWav);
    const cached = await loadOnce(profile, url, backend === 'webgpu', firstWav);
    return { backend, ...(modelId ? { modelId } : {}), cold, cached };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * The breakdown of one load, ms: each worker measure by name (phases `load models`, `sessions`,
 * `warm-up` and their parts; a name seen twice is summed), the sums over files of fetch and sha256,
 * and the rest of navigation → ready.
 */
export function breakdown(load: ReadyLoad): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string, ms: number) => (out[key] = (out[key] ?? 0) + ms);
  out['navigation → first measure'] = load.measures[0]?.startMs ?? 0;
  for (const m of load.measures) {
    add(m.name, m.durationMs);
    if (m.name.startsWith('fetch ')) add('Σ fetch', m.durationMs);
    if (m.name.startsWith('sha256 ')) add('Σ sha256', m.durationMs);
  }
  const last = Math.max(0, ...load.measures.map((m) => m.startMs + m.durationMs));
  out['last measure → ready'] = load.readyMs - last;
  out['page load → ready'] = load.readyMs;
  if (load.firstCodeMs !== undefined) {
    out['ready → 6 s file coded'] = load.firstCodeMs;
    out['page load → 6 s file coded'] = load.readyMs + load.firstCodeMs;
  }
  return out;
}
