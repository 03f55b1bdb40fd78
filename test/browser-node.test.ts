/**
 * A .fxc made in the browser decodes in Node to the same samples the browser decoded. The e2e
 * suite (e2e/app.spec.ts) records speech in Chromium, codes it on WebGPU and leaves the file and
 * the browser's decoded WAV in test-results/; this test decodes that file with onnxruntime-node.
 * In `npm run test:unit` it skips while no e2e run has left the files; `npm test` reruns it after the
 * e2e suite, where it must run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../src/core/bitstream.ts';
import { parseWav } from '../src/core/wav.ts';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS_REASON, realCodec } from './helpers/models.ts';

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));
const WEBGPU_FXC = `${RESULTS}e2e-browser.fxc`;
const WEBGPU_WAV = `${RESULTS}e2e-browser.wav`;
const WASM_FXC = `${RESULTS}e2e-browser-wasm.fxc`;

function loadedModelId(): string | null {
  if (!HAVE_MODELS) return null;
  return JSON.parse(readFileSync(`${MODELS_DIR}models.json`, 'utf8')).modelId;
}

/** Why the browser files cannot be used now, or null when they can. */
function unusable(fxcPath: string, needsWav: boolean): string | null {
  if (!HAVE_MODELS) return NO_MODELS_REASON;
  if (!existsSync(fxcPath) || (needsWav && !existsSync(WEBGPU_WAV))) {
    return `${fxcPath} absent: run \`npm run test:e2e\` to produce the browser's file`;
  }
  const id = readHeader(new Uint8Array(readFileSync(fxcPath))).modelId;
  if (id !== loadedModelId())
    return `${fxcPath} is from model ${id}, not the loaded ${loadedModelId()}: rerun the e2e suite`;
  return null;
}

const webgpuSkip = unusable(WEBGPU_FXC, true);
const wasmSkip = unusable(WASM_FXC, false);
// `npm test` runs this file again after the e2e suite with REQUIRE_BROWSER_FILES=1: there a missing
// or stale browser file is a failure, not a skip.
if (process.env.REQUIRE_BROWSER_FILES === '1' && (webgpuSkip || wasmSkip)) {
  throw new Error(`browser files unusable after the e2e run: ${webgpuSkip ?? wasmSkip}`);
}

describe('browser-made .fxc decoded in Node', () => {
  it.skipIf(webgpuSkip !== null)('gives the samples the browser decoded (WebGPU file)', async () => {
    const codec = await realCodec();
    const fxc = new Uint8Array(readFileSync(WEBGPU_FXC));
    const node = await codec.decode(fxc);
    const browser = parseWav(new Uint8Array(readFileSync(WEBGPU_WAV)));
    expect(browser.sampleRateHz).toBe(16000);
    expect(node.length).toBe(browser.samples.length);
    let maxDiff = 0;
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < node.length; i++) {
      const d = node[i] - browser.samples[i];
      maxDiff = Math.max(maxDiff, Math.abs(d));
      signal += browser.samples[i] ** 2;
      noise += d * d;
    }
    const snrDb = 10 * Math.log10(signal / Math.max(noise, 1e-20));
    console.log(
      `browser (WebGPU) vs Node decode: max |diff| ${maxDiff.toExponential(2)}, SNR ${snrDb.toFixed(1)} dB`,
    );
    // The browser's WAV is 16-bit, and WebGPU and CPU kernels round differently.
    expect(maxDiff).toBeLessThan(1e-3); // model 61fe1c41: 5.1e-5 (under 2 LSB of 16-bit), SNR 72.7 dB
    expect(snrDb).toBeGreaterThan(50);
  });
  if (webgpuSkip) it.skip(`WebGPU file: ${webgpuSkip}`, () => {});

  it.skipIf(wasmSkip !== null)('decodes the WASM-made file to its full length', async () => {
    const codec = await realCodec();
    const fxc = new Uint8Array(readFileSync(WASM_FXC));
    const audio = await codec.decode(fxc);
    expect(audio.length).toBe(readHeader(fxc).sampleCount);
    expect(audio.every(Number.isFinite)).toBe(true);
  });
  if (wasmSkip) it.skip(`WASM file: ${wasmSkip}`, () => {});
});
