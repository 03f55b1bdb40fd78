/**
 * Time from page load to `ready` on the demo page (index.html) of a production build served by
 * `vite preview`: cold (empty browser profile) and from cache (the same profile, browser
 * restarted: HTTP disk cache, V8 code cache, GPU shader cache). WebGPU and WASM (?backend=wasm).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
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
  /** Bytes the network delivered for the model and wasm files (0 when served from cache). */
  transferredBytes: number;
  /** HTTP status per model/wasm file; a 304 is a cache revalidation. */
  statuses: Record<string, number>;
  /** Path of every same-origin request the page and its worker made. */
  fetchedPaths: string[];
}

/** Cold and cached loads for one backend. */
export interface ReadyResult {
  backend: 'webgpu' | 'wasm';
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

async function loadOnce(profileDir: string, url: string, webgpu: boolean): Promise<ReadyLoad> {
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
      if (!/\.(onnx|wasm)$/.test(name)) return;
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
    };
  } finally {
    await context.close();
  }
}

/** Cold load in a fresh profile, then a second browser on the same profile. */
export async function readyTimes(baseUrl: string, backend: 'webgpu' | 'wasm'): Promise<ReadyResult> {
  const profile = await mkdtemp(join(tmpdir(), 'flexi-bench-profile-'));
  try {
    const url = new URL(backend === 'wasm' ? '/?backend=wasm' : '/', baseUrl).href;
    const cold = await loadOnce(profile, url, backend === 'webgpu');
    const cached = await loadOnce(profile, url, backend === 'webgpu');
    return { backend, cold, cached };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
