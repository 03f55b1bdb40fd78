/**
 * The vocoder in Chromium, in the codec worker (WebAssembly, one thread): real speech analysed and
 * resynthesised by FARGAN must match the native build's features (test/fixtures/vocoder/) and STOI,
 * and Node's WebAssembly run sample for sample, in the SIMD and the scalar build; a corrupt or
 * missing weights file is refused with a message; and a model set whose decoder predicts vocoder
 * features (test/helpers/features-model.ts) decodes a note through FARGAN in the worker.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type {} from './vocoder/main.ts';
import { startKernelServer, type KernelServer } from './kernels/server.ts';
import { loadNodeVocoder } from '../src/node/index.ts';
import { VOCODER_FEATURE_COUNT } from '../src/vocoder/vocoder.ts';
import { FEATURES_MODEL_ID, featuresModelDir } from '../test/helpers/features-model.ts';
import { MODELS_DIR, speechSamples } from '../test/helpers/models.ts';
import { stoi } from '../test/helpers/stoi.ts';

const PAGE_PATH = '/e2e/vocoder/index.html';
const FEATURES_PATH = '/__features/';
const golden = JSON.parse(readFileSync('test/fixtures/vocoder/golden.json', 'utf8')) as {
  nativeResynthesisStoi: number;
};
const nativeFeatures = new Float32Array(readFileSync('test/fixtures/vocoder/features.f32').buffer);
/** Largest |browser − native| in the 18 cepstra, and the share of frames whose pitch may differ (test/vocoder.test.ts). */
const CEPSTRUM_TOLERANCE = 1e-4;
const PITCH_DIFFERING_SHARE = 0.03;

test.describe.configure({ mode: 'serial' });

let server: KernelServer;
const speech = speechSamples();

test.beforeAll(async () => {
  server = await startKernelServer();
});

test.afterAll(async () => {
  await server?.close();
});

async function openPage(page: Page): Promise<void> {
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[vocoder page] ${m.text()}`);
  });
  await page.goto(new URL(PAGE_PATH, server.pageUrl).href);
  await page.waitForFunction(() => window.vocoderTest !== undefined);
}

for (const build of ['simd', 'scalar'] as const) {
  test(`${build}: real speech through analysis and FARGAN in the worker, as native and as Node`, async ({
    page,
  }) => {
    await openPage(page);
    const r = await page.evaluate(([b]) => window.vocoderTest!.vocode('/models/', b), [build] as const);
    expect(r.info.build).toBe(build);
    expect(r.info.simdSupported).toBe(true);
    expect(r.info.weightsBytes).toBe(statSync('public/vocoder/libopus-vocoder.bin').size);
    const wasmFile = build === 'simd' ? 'fxvocoder.wasm' : 'fxvocoder-scalar.wasm';
    expect(r.info.wasmBytes).toBe(statSync(`public/vocoder/${wasmFile}`).size);
    // Analysis: the native build's features.
    const frames = nativeFeatures.length / VOCODER_FEATURE_COUNT;
    let cepstrumMax = 0;
    let pitchDiffering = 0;
    for (let k = 0; k < frames; k++) {
      const at = k * VOCODER_FEATURE_COUNT;
      for (let i = 0; i < 18; i++)
        cepstrumMax = Math.max(cepstrumMax, Math.abs(r.features[at + i] - nativeFeatures[at + i]));
      if (Math.abs(r.features[at + 18] - nativeFeatures[at + 18]) > 1e-3) pitchDiffering++;
    }
    expect(cepstrumMax).toBeLessThan(CEPSTRUM_TOLERANCE);
    expect(pitchDiffering / frames).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
    // Resynthesis: time-aligned, at the native STOI, and Node's WebAssembly gives the same samples.
    expect(r.features.length).toBe(nativeFeatures.length);
    expect(r.audio.length).toBe(speech.length);
    const audio = Float32Array.from(r.audio);
    const score = stoi(speech, audio);
    console.log(
      `${build}: STOI ${score.toFixed(4)} (native ${golden.nativeResynthesisStoi}), analysis ` +
        `${r.analysisMs.toFixed(0)} ms, FARGAN ${r.synthesisMs.toFixed(0)} ms for ${(speech.length / 16000).toFixed(2)} s`,
    );
    expect(score).toBeGreaterThanOrEqual(golden.nativeResynthesisStoi - 0.01);
    const node = await loadNodeVocoder(MODELS_DIR, { build });
    try {
      expect(Float32Array.from(r.features)).toEqual(node.analyse(speech));
      expect(audio).toEqual(node.resynthesize(speech));
    } finally {
      node.release();
    }
  });
}

test('a corrupt or missing weights file is refused in the worker, naming it', async ({ page }) => {
  await openPage(page);
  const weights = readFileSync('public/vocoder/libopus-vocoder.bin');
  const flipped = Buffer.from(weights);
  flipped[weights.length >> 1] ^= 0x40;
  await page.route('**/vocoder/libopus-vocoder.bin', (route) => route.fulfill({ body: flipped }));
  expect(await page.evaluate(() => window.vocoderTest!.vocoderError('/models/'))).toMatch(
    /libopus-vocoder\.bin: sha256 [0-9a-f]{12}… does not match models\.json .*corrupt/,
  );
  await page.unroute('**/vocoder/libopus-vocoder.bin');
  await page.route('**/vocoder/libopus-vocoder.bin', (route) => route.fulfill({ status: 404, body: '' }));
  expect(await page.evaluate(() => window.vocoderTest!.vocoderError('/models/'))).toMatch(
    /cannot fetch \/vocoder\/libopus-vocoder\.bin: HTTP 404/,
  );
});

test('a decoder that predicts vocoder features decodes a note through FARGAN in the worker', async ({
  page,
}) => {
  const node = await loadNodeVocoder(MODELS_DIR);
  const frames = Math.ceil(speech.length / 1280);
  const dir = featuresModelDir(node, speech, frames * 1280 - speech.length);
  try {
    await page.route(`**${FEATURES_PATH}**`, (route) => {
      const path = new URL(route.request().url()).pathname.slice(FEATURES_PATH.length);
      // models/… from the set's folder; vocoder/… (its "../vocoder/" paths) from public/vocoder.
      route.fulfill({
        body: readFileSync(join(dirname(dir), path)),
        contentType: 'application/octet-stream',
      });
    });
    await openPage(page);
    const r = await page.evaluate((url) => window.vocoderTest!.codec(url), `${FEATURES_PATH}models/`);
    expect(r.backend).toBe('wasm');
    expect(r.vocoderBuild).toBe('simd');
    expect(r.modelId).toBe(FEATURES_MODEL_ID);
    expect(r.decoded.length).toBe(speech.length);
    const decoded = Float32Array.from(r.decoded);
    // FARGAN on the decoder's features, as Node renders them.
    const features = new Float32Array(readFileSync(join(dirname(dir), 'features.f32')).buffer);
    expect(decoded).toEqual(
      node.synthesize(features.subarray(0, frames * 8 * 20)).subarray(0, speech.length),
    );
    expect(stoi(speech, decoded)).toBeGreaterThanOrEqual(golden.nativeResynthesisStoi - 0.01);
  } finally {
    node.release();
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});
