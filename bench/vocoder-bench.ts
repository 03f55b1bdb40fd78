/**
 * The vocoder's speed and download: libopus 1.6.1's LPCNet analysis and FARGAN (WebAssembly,
 * src/vocoder/) on real speech, in Node and in Chromium (the app's codec worker, one thread), the
 * SIMD and the scalar build in the same run, and the bytes each adds to the download.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseManifest } from '../src/core/manifest.ts';
import { readFileSync } from 'node:fs';
import { loadNodeVocoder } from '../src/node/index.ts';
import type { VocoderInfo } from '../src/worker/protocol.ts';
import type { VocoderPageRun } from './browser/main.ts';
import { BENCH_PAGE_PATH } from './browser-bench.ts';
import { launchChromium, serveSpeech } from './lib/chromium.ts';
import { realSpeech } from './lib/speech.ts';
import { sizeOf, type FileSize } from './sizes.ts';

/** The two WebAssembly builds. */
export const VOCODER_BUILDS = ['simd', 'scalar'] as const;

/** One timed run: `seconds` of speech analysed, then synthesised, on one thread. */
export interface VocoderRun {
  platform: 'node' | 'chromium';
  build: 'simd' | 'scalar';
  seconds: number;
  analysisMs: number;
  synthesisMs: number;
}

/** Everything the vocoder section measured. */
export interface VocoderBenchResult {
  speechSource: string;
  node: string;
  browserVersion: string;
  warmupSeconds: number;
  runs: VocoderRun[];
  /** What the worker reported on load, per build (bytes fetched, load time). */
  chromiumLoads: VocoderInfo[];
  /** The files models.json's `vocoder` section names, raw and gzip -9. */
  files: { simd: FileSize; scalar: FileSize; weights: FileSize };
  /** Bytes the `vocoder` section adds to models.json. */
  manifestSectionBytes: number;
}

function vocoderFiles(modelsDir: string): VocoderBenchResult['files'] & { manifestSectionBytes: number } {
  const text = readFileSync(join(modelsDir, 'models.json'), 'utf8');
  const m = parseManifest(JSON.parse(text));
  if (!m.vocoder) throw new Error(`${modelsDir}/models.json has no vocoder section`);
  const size = (file: string) => sizeOf(join(modelsDir, file), file.split('/').pop()!);
  return {
    simd: size(m.vocoder.wasm.simd.file),
    scalar: size(m.vocoder.wasm.scalar.file),
    weights: size(m.vocoder.weights.file),
    // The section as it sits in the file (indented like the rest): the file without it, subtracted.
    manifestSectionBytes:
      Buffer.byteLength(text) -
      Buffer.byteLength(JSON.stringify({ ...JSON.parse(text), vocoder: undefined }, null, 2) + '\n'),
  };
}

async function nodeRuns(modelsDir: string, seconds: number[], warmupSeconds: number): Promise<VocoderRun[]> {
  const runs: VocoderRun[] = [];
  for (const build of VOCODER_BUILDS) {
    const v = await loadNodeVocoder(modelsDir, { build });
    try {
      v.synthesize(v.analyse(realSpeech(warmupSeconds).samples));
      for (const s of seconds) {
        const audio = realSpeech(s).samples;
        const t0 = performance.now();
        const features = v.analyse(audio);
        const t1 = performance.now();
        v.synthesize(features);
        runs.push({
          platform: 'node',
          build,
          seconds: s,
          analysisMs: t1 - t0,
          synthesisMs: performance.now() - t1,
        });
      }
    } finally {
      v.release();
    }
  }
  return runs;
}

async function chromiumRuns(
  page: Page,
  seconds: number[],
  warmupSeconds: number,
): Promise<{ runs: VocoderRun[]; loads: VocoderInfo[] }> {
  const runs: VocoderRun[] = [];
  const loads: VocoderInfo[] = [];
  for (const build of VOCODER_BUILDS) {
    loads.push(await page.evaluate((b) => window.flexiBench!.vocoderLoad(b), build));
    await page.evaluate((s) => window.flexiBench!.vocode(s), warmupSeconds);
    for (const s of seconds) {
      const r: VocoderPageRun = await page.evaluate((x) => window.flexiBench!.vocode(x), s);
      runs.push({
        platform: 'chromium',
        build,
        seconds: s,
        analysisMs: r.analysisMs,
        synthesisMs: r.synthesisMs,
      });
    }
  }
  return { runs, loads };
}

/** Node, then Chromium (one browser, WebGPU off: the vocoder is WebAssembly), each build after a warm-up. */
export async function vocoderBench(
  baseUrl: string,
  modelsDir: string,
  seconds: number[],
  warmupSeconds: number,
  log: (line: string) => void,
): Promise<VocoderBenchResult> {
  const node = await nodeRuns(modelsDir, seconds, warmupSeconds);
  for (const r of node)
    log(
      `  node ${r.build} ${r.seconds} s: analysis ${r.analysisMs.toFixed(0)} ms, FARGAN ${r.synthesisMs.toFixed(0)} ms`,
    );
  const chromium = await launchChromium(false);
  try {
    const page = await chromium.browser.newPage();
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await serveSpeech(page);
    await page.goto(new URL(BENCH_PAGE_PATH, baseUrl).href);
    await page.waitForFunction(() => window.flexiBench !== undefined);
    const browser = await chromiumRuns(page, seconds, warmupSeconds);
    for (const r of browser.runs)
      log(
        `  chromium ${r.build} ${r.seconds} s: analysis ${r.analysisMs.toFixed(0)} ms, FARGAN ${r.synthesisMs.toFixed(0)} ms`,
      );
    const { manifestSectionBytes, ...files } = vocoderFiles(modelsDir);
    return {
      speechSource: realSpeech(Math.max(...seconds)).source,
      node: process.version,
      browserVersion: chromium.browser.version(),
      warmupSeconds,
      runs: [...node, ...browser.runs],
      chromiumLoads: browser.loads,
      files,
      manifestSectionBytes,
    };
  } finally {
    await chromium.close();
  }
}
