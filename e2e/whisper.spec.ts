/**
 * A model set that merges on Whisper features (asr.onnx, docs/MODELS.md) in Chromium: the app's
 * worker loads it (sha256-checked), runs asr.onnx and the acoustic-only encoder on WebGPU (with the
 * WGSL merger on the 384-d stream) and on WASM (the TypeScript twin), and codes the speech fixture.
 * Node (onnxruntime-node, the twin) must find the same segments, and decode the browser's file to
 * the browser's samples. The set is test/helpers/whisper-model.ts's (put together once, served to the page
 * by request interception, so any folder works).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type {} from './whisper/main.ts';
import type { WhisperRun } from './whisper/main.ts';
import { startKernelServer, type KernelServer } from './kernels/server.ts';
import { loadCodec } from '../src/node/index.ts';
import { parseWav } from '../src/core/wav.ts';
import { whisperModelDir } from '../test/helpers/whisper-model.ts';

const PAGE_PATH = '/e2e/whisper/index.html';
const MODELS_PATH = '/__whisper-models/';
const RATE_HZ = 6.25;
/** Frames of speech asr.onnx runs on in the WebGPU check (1 s; a 30 s window takes minutes on SwiftShader). */
const ASR_CHECK_FRAMES = 13;
/** Largest |WebGPU − WASM| allowed in asr.onnx's features (float32 both; they reach about ±20). */
const ASR_WEBGPU_MAX_DIFF = 1e-3;

test.describe.configure({ mode: 'serial' });

let server: KernelServer;
let dir: string;

test.beforeAll(async () => {
  dir = whisperModelDir();
  server = await startKernelServer();
});

test.afterAll(async () => {
  await server?.close();
});

async function runInBrowser(page: Page, forceWasm: boolean): Promise<WhisperRun> {
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[whisper page] ${m.text()}`);
  });
  await page.route(`**${MODELS_PATH}*`, (route) => {
    const name = new URL(route.request().url()).pathname.slice(MODELS_PATH.length);
    route.fulfill({ body: readFileSync(join(dir, name)), contentType: 'application/octet-stream' });
  });
  await page.goto(new URL(PAGE_PATH, server.pageUrl).href);
  await page.waitForFunction(() => window.whisperTest !== undefined);
  return page.evaluate(([url, wasm, rate]) => window.whisperTest!.run(url, wasm, rate), [
    MODELS_PATH,
    forceWasm,
    RATE_HZ,
  ] as const);
}

async function nodeReference() {
  const codec = await loadCodec({ modelsDir: dir, intraOpThreads: 2 });
  const wav = parseWav(new Uint8Array(readFileSync('test/fixtures/speech-en-6s.wav')));
  return { codec, encoded: await codec.encode(wav.samples, { frameRateHz: RATE_HZ }) };
}

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`${backend}: same segments as Node, and Node decodes the browser's file to its samples`, async ({
    page,
  }) => {
    const browser = await runInBrowser(page, backend === 'wasm');
    expect(browser.backend, browser.fallbackReason).toBe(backend);
    // SwiftShader is WebGPU on the CPU, where Whisper is far slower than on WASM: asr.onnx runs
    // on WASM beside WebGPU here (see the next test for asr.onnx on this WebGPU device).
    expect(browser.asrBackend).toEqual(
      backend === 'wasm' ? 'wasm' : expect.stringMatching(/^(webgpu|wasm)$/),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8'));
    expect(browser.modelId).toBe(manifest.modelId);
    expect(browser.modelBytes).toBe(
      ['asr', 'encoder', 'quantizer', 'decoder'].reduce((n, r) => n + manifest.models[r].bytes, 0),
    );
    const { codec, encoded } = await nodeReference();
    console.log(
      `${backend} (asr.onnx on ${browser.asrBackend}): K ${browser.lengths.length} (Node ${encoded.lengths.length}), τ ${browser.tau.toFixed(6)} ` +
        `(Node ${encoded.tau.toFixed(6)}), load ${browser.loadMs.toFixed(0)} ms`,
    );
    expect(browser.lengths).toEqual(Array.from(encoded.lengths));
    expect(Math.abs(browser.tau - encoded.tau)).toBeLessThan(1e-4);
    const fxc = new Uint8Array(browser.fxc);
    const node = await codec.decode(fxc);
    expect(node.length).toBe(browser.decoded.length);
    let maxDiff = 0;
    for (let i = 0; i < node.length; i++) maxDiff = Math.max(maxDiff, Math.abs(node[i] - browser.decoded[i]));
    console.log(
      `${backend}: Node decode of the browser's file vs the browser's: max |diff| ${maxDiff.toExponential(2)}`,
    );
    expect(maxDiff).toBeLessThan(1e-3);
    await codec.backend.release();
  });
}

test('asr.onnx runs on WebGPU without shader-f16 and gives the features of WASM', async ({ page }) => {
  await page.route(`**${MODELS_PATH}*`, (route) => {
    const name = new URL(route.request().url()).pathname.slice(MODELS_PATH.length);
    route.fulfill({ body: readFileSync(join(dir, name)), contentType: 'application/octet-stream' });
  });
  await page.goto(new URL(PAGE_PATH, server.pageUrl).href);
  await page.waitForFunction(() => window.whisperTest !== undefined);
  // 1 s of speech: a 30 s window takes minutes on SwiftShader.
  const r = await page.evaluate(([url, frames]) => window.whisperTest!.asrBoth(url, frames), [
    MODELS_PATH,
    ASR_CHECK_FRAMES,
  ] as const);
  expect(r.webgpu.length).toBe(ASR_CHECK_FRAMES * 384);
  expect(r.wasm.length).toBe(r.webgpu.length);
  let maxDiff = 0;
  let minCos = 1;
  for (let t = 0; t < ASR_CHECK_FRAMES; t++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let c = t * 384; c < (t + 1) * 384; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(r.webgpu[c] - r.wasm[c]));
      ab += r.webgpu[c] * r.wasm[c];
      aa += r.webgpu[c] ** 2;
      bb += r.wasm[c] ** 2;
    }
    minCos = Math.min(minCos, ab / Math.sqrt(aa * bb));
  }
  console.log(
    `asr.onnx on WebGPU (${r.adapter}, shader-f16 ${r.shaderF16}) vs WASM, ${ASR_CHECK_FRAMES} frames: ` +
      `max |diff| ${maxDiff.toExponential(2)}, min cosine ${minCos.toFixed(7)}`,
  );
  expect(maxDiff).toBeLessThan(ASR_WEBGPU_MAX_DIFF);
  expect(minCos).toBeGreaterThan(0.9999);
});
