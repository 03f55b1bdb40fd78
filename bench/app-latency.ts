/**
 * App latency in Debian Chromium, WebGPU (SwiftShader) and WASM in the same run: model load,
 * "record 10 s and press stop → decoded audio playable", and slider re-code time. Times come
 * from performance marks the page sets (src/main/main.ts), so they measure the page itself.
 * Run: npx tsx bench/app-latency.ts [recordings] [slider moves]   (writes bench/results/app-latency.json)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, WEBGPU_ARGS } from '../playwright.config.ts';

const SPEECH_WAV = resolve('test/fixtures/speech-en-6s.wav');
const RECORD_SECONDS = 10;
const RECORDINGS = Number(process.argv[2] ?? 3);
const SLIDER_MOVES = Number(process.argv[3] ?? 8);
const TIMEOUT_MS = 600_000;

interface BackendRun {
  backend: string;
  loadMs: number;
  compileMs: number;
  warmupMs: number;
  stopToPlayableMs: number[];
  recodeMs: number[];
  /** Worker-side total of each re-code (merge + quantizer + decoder), from the page's "coded in". */
  recodeWorkerMs: number[];
  recordedSeconds: number[];
}

/** ms between the last marks `from` and `to` the page set. */
async function between(page: Page, from: string, to: string): Promise<number> {
  // No named functions inside: tsx would wrap them in a __name helper the page lacks.
  return page.evaluate(
    ([a, b]) =>
      (performance.getEntriesByName(b).at(-1)?.startTime ?? NaN) -
      (performance.getEntriesByName(a).at(-1)?.startTime ?? NaN),
    [from, to],
  );
}

/** Waits until the page has set mark `name` more than `count` times; throws on an error status. */
async function waitMark(page: Page, name: string, count: number): Promise<void> {
  await page.waitForFunction(
    ([n, c]) =>
      performance.getEntriesByName(n as string).length > (c as number) ||
      document.querySelector('[data-testid="status"]')?.textContent?.startsWith('error'),
    [name, count],
    { timeout: TIMEOUT_MS },
  );
  const status = (await page.getByTestId('status').textContent()) ?? '';
  if (status.startsWith('error')) throw new Error(`page: ${status}`);
}

/** How many times the page has set mark `name`. */
function marks(page: Page, name: string): Promise<number> {
  return page.evaluate((n) => performance.getEntriesByName(n).length, name);
}

async function waitReady(page: Page): Promise<void> {
  await page
    .getByTestId('status')
    .filter({ hasText: /^ready$/ })
    .waitFor({ timeout: TIMEOUT_MS });
}

async function runBackend(baseUrl: string, webgpu: boolean): Promise<BackendRun> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      ...CHROMIUM_ARGS,
      ...(webgpu ? WEBGPU_ARGS : []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${SPEECH_WAV}`,
    ],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`[page] ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
    const loadLine = page.waitForEvent('console', {
      predicate: (m) => m.text().startsWith('codec on '),
      timeout: TIMEOUT_MS,
    });
    await page.goto(baseUrl);
    await waitReady(page);
    const [, backend, load, compile, warmup] =
      /codec on (\w+): load (\d+) ms \(sessions (\d+) ms, warm-up (\d+) ms\)/.exec((await loadLine).text()) ??
      [];
    const run: BackendRun = {
      backend,
      loadMs: Number(load),
      compileMs: Number(compile),
      warmupMs: Number(warmup),
      stopToPlayableMs: [],
      recodeMs: [],
      recodeWorkerMs: [],
      recordedSeconds: [],
    };
    for (let i = 0; i < RECORDINGS; i++) {
      await page.getByTestId('record').click();
      await page
        .getByTestId('status')
        .filter({ hasText: /^recording$/ })
        .waitFor();
      await page.waitForTimeout(RECORD_SECONDS * 1000);
      const decoded = await marks(page, 'flexi:decoded');
      await page.getByTestId('stop').click();
      await waitMark(page, 'flexi:decoded', decoded);
      await waitReady(page);
      run.stopToPlayableMs.push(await between(page, 'flexi:stop', 'flexi:decoded'));
      run.recordedSeconds.push(Number(await page.getByTestId('original-samples').textContent()) / 16000);
    }
    for (let i = 0; i < SLIDER_MOVES; i++) {
      const rateHz = 3 + ((i * 1.25) % 9.5);
      const recoded = await marks(page, 'flexi:recoded');
      await page.getByTestId('frame-rate').fill(String(rateHz));
      await waitMark(page, 'flexi:recoded', recoded);
      await page
        .getByTestId('achieved-rate')
        .and(page.locator(`[data-target-hz="${rateHz.toFixed(2)}"]`))
        .waitFor({ timeout: TIMEOUT_MS });
      await waitReady(page);
      run.recodeMs.push(await between(page, 'flexi:slider', 'flexi:recoded'));
      run.recodeWorkerMs.push(Number(await page.getByTestId('code-ms').textContent()));
    }
    return run;
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

const server = await createServer({
  configFile: 'vite.config.ts',
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
});
await server.listen();
const baseUrl = server.resolvedUrls?.local[0] ?? '';
try {
  const runs = [await runBackend(baseUrl, true), await runBackend(baseUrl, false)];
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/app-latency.json',
    JSON.stringify({ date: new Date().toISOString(), runs }, null, 2),
  );
  console.log('| | ' + runs.map((r) => r.backend).join(' | ') + ' |');
  console.log('|---|' + runs.map(() => '---').join('|') + '|');
  const row = (label: string, f: (r: BackendRun) => string) =>
    console.log(`| ${label} | ${runs.map(f).join(' | ')} |`);
  row('model load, total (ms)', (r) => String(r.loadMs));
  row('… of which sessions (ms)', (r) => String(r.compileMs));
  row('… of which warm-up (ms)', (r) => String(r.warmupMs));
  row(
    `stop → decoded playable, ${RECORD_SECONDS} s recording, median (range) ms`,
    (r) => `${Math.round(median(r.stopToPlayableMs))} (${range(r.stopToPlayableMs)})`,
  );
  row(
    'slider re-code, page, median (range) ms',
    (r) => `${Math.round(median(r.recodeMs))} (${range(r.recodeMs)})`,
  );
  row(
    'slider re-code, worker, median (range) ms',
    (r) => `${Math.round(median(r.recodeWorkerMs))} (${range(r.recodeWorkerMs)})`,
  );
  row('recorded seconds', (r) => r.recordedSeconds.map((s) => s.toFixed(2)).join(', '));
} finally {
  await server.close();
}
