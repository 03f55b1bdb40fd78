/**
 * A .fxc made in the browser decodes in Node to the audio the browser decoded. The e2e suite
 * (e2e/app.spec.ts) records speech in Chromium, codes it on WebGPU and leaves the file and the
 * browser's decoded WAV in test-results/; this test decodes that file with onnxruntime-node. The
 * shipped decoder predicts vocoder features for FARGAN, which is autoregressive and chaotic: the
 * last-bit differences of WebGPU's and the CPU's decoder kernels make the two renditions differ
 * sample by sample, so they are compared as spectra, against what moving the decoder's features
 * by 1e-4 does to Node's own rendition.
 * In `npm run test:unit` it skips while no e2e run has left the files; `npm test` reruns it after the
 * e2e suite, where it must run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../src/core/bitstream.ts';
import { parseWav } from '../src/core/wav.ts';
import { Codec } from '../src/core/codec.ts';
import type { InferenceBackend } from '../src/core/types.ts';
import { logMelDistance } from './helpers/logmel.ts';
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
  it.skipIf(webgpuSkip !== null)('gives the audio the browser decoded (WebGPU file)', async () => {
    const codec = await realCodec();
    const fxc = new Uint8Array(readFileSync(WEBGPU_FXC));
    const node = await codec.decode(fxc);
    const browser = parseWav(new Uint8Array(readFileSync(WEBGPU_WAV)));
    expect(browser.sampleRateHz).toBe(16000);
    expect(node.length).toBe(browser.samples.length);
    const apart = logMelDistance(node, browser.samples);
    // FARGAN's spread: Node's rendition of the same file with the decoder's features moved by 1e-4.
    const spread = logMelDistance(node, await nudged(codec).decode(fxc));
    // Something else coded: the browser's audio coded again (other segments and codes) and decoded.
    const recoded = await codec.decode((await codec.encode(browser.samples, { frameRateHz: 6.25 })).fxc);
    const other = logMelDistance(node, recoded);
    console.log(
      `browser (WebGPU) vs Node decode: log-mel distance ${apart.toFixed(4)}; FARGAN's spread ` +
        `(features moved by 1e-4) ${spread.toFixed(4)}; another coding ${other.toFixed(4)}`,
    );
    // model 61622989 (trial v3): 0.10 apart, spread 0.20, another coding 0.55.
    expect(apart).toBeLessThan(1.5 * spread);
    expect(apart).toBeLessThan(0.5 * other);
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

/** The codec with its decoder's features moved by a fixed pattern of ±1e-4 before FARGAN. */
function nudged(codec: Codec): Codec {
  const b = codec.backend;
  if (!b.decodeFeatures || !b.synthesizer)
    throw new Error('the shipped decoder does not predict vocoder features');
  const backend: InferenceBackend = {
    name: b.name,
    encode: (x) => b.encode(x),
    quantize: (m, f) => b.quantize(m, f),
    decode: (c, l, p) => b.decode(c, l, p),
    decodeFeatures: async (c, l, p) =>
      (await b.decodeFeatures!(c, l, p)).map((v, i) => v + 1e-4 * Math.sin(i * 12.9898)),
    synthesizer: b.synthesizer,
    release: async () => undefined,
  };
  return new Codec(codec.manifest, backend, codec.merger);
}
