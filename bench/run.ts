/**
 * `npm run bench`: every benchmark in one run, each result in bench/results/*.json as soon as it
 * exists, then docs/BENCHMARKS.md regenerated from them (bench/report.ts). Sections that fail
 * are recorded with their error and the run goes on. `BENCH_SECTIONS=vocoder npm run bench` runs
 * only the sections named: the others' results and machine.json's record of them stay, the new
 * sections' load samples and times are added with their own dates, and the report is redrawn.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { startKernelServer } from '../e2e/kernels/server.ts';
import { browserPipeline, opusBench } from './browser-bench.ts';
import { kernelBench } from './kernels.ts';
import { loadSample, machineInfo, type LoadSample } from './lib/machine.ts';
import { nodeBench } from './node-bench.ts';
import { writeReport } from './report.ts';
import { buildAndPreview, readyTimes } from './ready-time.ts';
import { measureSizes } from './sizes.ts';
import { vocoderBench } from './vocoder-bench.ts';

/** Where the JSON results go. */
export const RESULTS_DIR = 'bench/results';
/** A private production build (the shared dist/ belongs to the tests). */
const BUILD_DIR = 'node_modules/.cache/flexicodec-bench/dist';
/** Speech durations of the speed runs, seconds (BENCH_SECONDS=2,4 for a quick trial of the harness). */
const SPEECH_SECONDS = (process.env.BENCH_SECONDS ?? '10,60,600').split(',').map(Number);
/** Sections to run (BENCH_SECTIONS=node,opus runs only those); default all. */
const ONLY = process.env.BENCH_SECTIONS?.split(',');
/** Warm-up run before the timed ones, seconds of speech. */
const WARMUP_SECONDS = 10;
/** Time allowed to each Chromium pipeline section; longer durations are skipped beyond it. */
const BROWSER_BUDGET_MS = { wasm: 240_000, webgpu: 420_000 };
/** Speech durations of the vocoder section, seconds (BENCH_VOCODER_SECONDS overrides). */
const VOCODER_SECONDS = (process.env.BENCH_VOCODER_SECONDS ?? '10,60').split(',').map(Number);
/** Warm-up of each vocoder build before its timed runs, seconds of speech. */
const VOCODER_WARMUP_SECONDS = 2;
/** Sections that need the production build under `vite preview`, and the Vite dev server. */
const PREVIEW_SECTIONS = ['sizes', 'ready'];
const DEV_SECTIONS = ['kernels', 'browser-wasm', 'browser-wasm-1thread', 'opus', 'browser-webgpu', 'vocoder'];
const wanted = (names: string[]) => !ONLY || names.some((n) => ONLY.includes(n));
/** Opus settings: 6 kbps, and candidates for the lowest bitrate the encoder accepts. */
const OPUS_BPS = [6000];
const OPUS_CANDIDATES_BPS = [6000, 5000, 4000, 3000, 2000, 1000, 500];

const started = Date.now();
const loads: LoadSample[] = [];
const sections: Record<string, { ms: number; error?: string }> = {};

function log(line: string): void {
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

async function save(name: string, data: unknown): Promise<void> {
  await writeFile(`${RESULTS_DIR}/${name}.json`, JSON.stringify(data, null, 2) + '\n');
}

/** Runs one section, saving its result (or its error) under `name`. */
async function section(name: string, run: () => Promise<unknown>): Promise<void> {
  if (ONLY && !ONLY.includes(name)) return;
  loads.push(loadSample(name));
  log(
    `${name} (load average ${loads
      .at(-1)!
      .loadAverage.map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  const t = Date.now();
  try {
    await save(name, await run());
    sections[name] = { ms: Date.now() - t };
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    sections[name] = { ms: Date.now() - t, error };
    await save(name, { error });
    log(`  ${name} failed: ${error.split('\n')[0]}`);
  }
}

await mkdir(RESULTS_DIR, { recursive: true });
const preview = wanted(PREVIEW_SECTIONS) ? await buildAndPreview(BUILD_DIR) : undefined;
try {
  await section('sizes', async () => measureSizes('public/models', BUILD_DIR));
  await section('node', () => nodeBench(SPEECH_SECONDS, log));
  const dev = wanted(DEV_SECTIONS) ? await startKernelServer() : undefined;
  const pageUrl = dev?.pageUrl ?? '';
  try {
    await section('kernels', () => kernelBench(pageUrl));
    await section('browser-wasm', () =>
      browserPipeline(pageUrl, 'wasm', SPEECH_SECONDS, WARMUP_SECONDS, BROWSER_BUDGET_MS.wasm, log),
    );
    // The same pipeline on one WASM thread (ORT's own default on 2 cores): the baseline of the threads.
    await section('browser-wasm-1thread', () =>
      browserPipeline(pageUrl, 'wasm', [60], WARMUP_SECONDS, BROWSER_BUDGET_MS.wasm, log, 1),
    );
    await section('opus', () => opusBench(pageUrl, OPUS_BPS, OPUS_CANDIDATES_BPS, SPEECH_SECONDS, 16000));
    await section('browser-webgpu', () =>
      browserPipeline(pageUrl, 'webgpu', SPEECH_SECONDS, WARMUP_SECONDS, BROWSER_BUDGET_MS.webgpu, log),
    );
    await section('vocoder', () =>
      vocoderBench(pageUrl, 'public/models', VOCODER_SECONDS, VOCODER_WARMUP_SECONDS, log),
    );
  } finally {
    await dev?.close();
  }
  const base = preview?.resolvedUrls?.local[0] ?? '';
  await section('ready', async () => [await readyTimes(base, 'wasm'), await readyTimes(base, 'webgpu')]);
} finally {
  await preview?.close();
}
loads.push(loadSample('end'));
const machine = {
  date: new Date(started).toISOString(),
  totalMs: Date.now() - started,
  machine: machineInfo(),
  gpu: 'this machine has no GPU and no GPU machine was lent to this run; WebGPU ran on SwiftShader, a CPU implementation',
  loads,
  sections,
};
const earlier = `${RESULTS_DIR}/machine.json`;
if (ONLY && existsSync(earlier)) {
  // A partial run: the full run's record stays, with these sections' samples and times in place of theirs.
  const before = JSON.parse(readFileSync(earlier, 'utf8')) as typeof machine;
  const rerun = new Set(Object.keys(sections));
  await save('machine', {
    ...before,
    loads: [
      ...before.loads.filter((l) => !rerun.has(l.section) && l.section !== 'end'),
      ...loads.filter((l) => rerun.has(l.section)),
      ...before.loads.filter((l) => l.section === 'end'),
    ],
    sections: { ...before.sections, ...sections },
  });
} else {
  await save('machine', machine);
}
await writeReport(RESULTS_DIR, 'docs/BENCHMARKS.md');
log('wrote docs/BENCHMARKS.md');
