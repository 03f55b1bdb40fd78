/**
 * The codec worker, reached only through comlink. It owns the onnxruntime-web sessions (WebGPU,
 * or WASM where WebGPU is missing), the merger on the same device, and the encoder features of
 * the last recording, so a slider move re-codes without running the encoder again.
 */
import * as Comlink from 'comlink';
import { fileBitrateBps } from '../core/bitstream';
import { Codec, type EncodedSession, type EncodeResult } from '../core/codec';
import { segmentRateHz } from '../core/tau';
import { TwinMerger } from '../core/twin-merger';
import type { Merger } from '../core/types';
import { GpuMerger } from './gpu/gpuMerger';
import { loadModels } from './model-loader';
import { OrtBackend } from './ort-backend';
import { loadOrt, ortGpuDevice, pickBackend } from './ort-env';
import type { CodecResult, LoadInfo, LoadOptions, LoadProgress } from './protocol';

/** Seconds of silence run through all three models at load, so shader compilation is not paid on the first recording. */
const WARMUP_SECONDS = 1;

let loading: Promise<LoadInfo> | undefined;
let codec: Codec | undefined;
/** Encoder features of the last encoded audio. */
let session: EncodedSession | undefined;

/** Builds the backend and merger on WebGPU, or on WASM with the TypeScript twin. */
async function createCodec(
  models: Awaited<ReturnType<typeof loadModels>>,
  forceWasm: boolean,
): Promise<{ codec: Codec; fallbackReason?: string }> {
  const { manifest } = models;
  const choice = await pickBackend(forceWasm);
  let fallbackReason = choice.reason;
  if (choice.backend === 'webgpu') {
    let backend: OrtBackend | undefined;
    try {
      const ort = await loadOrt('webgpu');
      backend = await OrtBackend.create(ort, models, 'webgpu');
      const merger: Merger = await GpuMerger.create(await ortGpuDevice(ort), manifest);
      return { codec: new Codec(manifest, backend, merger) };
    } catch (err) {
      await backend?.release();
      fallbackReason = `WebGPU failed to start: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const backend = await OrtBackend.create(await loadOrt('wasm'), models, 'wasm');
  const merger = new TwinMerger(manifest.semanticDim, manifest.acousticDim, manifest.maxSegmentFrames);
  return { codec: new Codec(manifest, backend, merger), fallbackReason };
}

async function loadOnce(
  modelsUrl: string,
  options: LoadOptions,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadInfo> {
  const started = performance.now();
  const models = await loadModels(modelsUrl, onProgress);
  const { manifest } = models;
  const totalBytes = models.manifest.models.encoder.bytes;
  const report = (phase: LoadProgress['phase']) =>
    onProgress({ phase, file: '', loadedBytes: totalBytes, totalBytes });
  report('compile');
  const compileStarted = performance.now();
  const built = await createCodec(models, options.forceWasm ?? false);
  const compileMs = performance.now() - compileStarted;
  report('warmup');
  codec = built.codec;
  const warmupStarted = performance.now();
  const warm = await codec.analyze(new Float32Array(WARMUP_SECONDS * manifest.sampleRateHz));
  await codec.decode((await warm.recode(manifest.frameRateHz)).fxc);
  return {
    backend: codec.backend.name === 'webgpu' ? 'webgpu' : 'wasm',
    fallbackReason: built.fallbackReason,
    modelId: manifest.modelId,
    sampleRateHz: manifest.sampleRateHz,
    frameSamples: manifest.frameSamples,
    frameRateHz: manifest.frameRateHz,
    modelBytes:
      manifest.models.encoder.bytes + manifest.models.quantizer.bytes + manifest.models.decoder.bytes,
    loadMs: performance.now() - started,
    compileMs,
    warmupMs: performance.now() - warmupStarted,
  };
}

/** Marks a result's arrays for transfer (each buffer once), so nothing is copied back. */
function transferResult(result: CodecResult): CodecResult {
  const buffers = new Set([result.fxc.buffer, result.decoded.buffer, result.segmentLengths.buffer]);
  return Comlink.transfer(result, [...buffers] as Transferable[]);
}

function requireCodec(): Codec {
  if (!codec) throw new Error('the models are not loaded yet');
  return codec;
}

/** Decodes an encoded result's file and packs what the page shows; the arrays are transferred. */
async function finish(
  c: Codec,
  encoded: EncodeResult,
  targetRateHz: number,
  timingsMs: Record<string, number>,
  started: number,
): Promise<CodecResult> {
  const t = performance.now();
  const decoded = await c.decode(encoded.fxc);
  timingsMs.decode = performance.now() - t;
  timingsMs.total = performance.now() - started;
  const result: CodecResult = {
    fxc: encoded.fxc,
    decoded,
    segmentLengths: encoded.lengths,
    frames: encoded.frames,
    tau: encoded.tau,
    targetRateHz,
    achievedRateHz: encoded.achievedRateHz,
    bitrateBps: encoded.bitrateBps,
    sampleRateHz: c.manifest.sampleRateHz,
    timingsMs,
    recodable: true,
    encoderRuns: (c.backend as OrtBackend).encoderRuns,
  };
  return transferResult(result);
}

const api = {
  /** Loads the models once (later calls return the first load's result) and picks the backend. */
  load(modelsUrl: string, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadInfo> {
    // A failed load may be retried (a network error, say); a successful one is kept.
    loading ??= loadOnce(modelsUrl, options, onProgress).catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  },

  /** Encodes 16 kHz mono audio (transferred in) at a target rate and decodes the result. */
  async encode(audio16k: Float32Array, targetRateHz: number): Promise<CodecResult> {
    const c = requireCodec();
    const started = performance.now();
    const timingsMs: Record<string, number> = {};
    session = await c.analyze(audio16k);
    timingsMs.encoder = performance.now() - started;
    const t = performance.now();
    const encoded = await session.recode(targetRateHz);
    timingsMs.merge = performance.now() - t;
    return finish(c, encoded, targetRateHz, timingsMs, started);
  },

  /** Re-codes the last encoded audio at a new rate from its cached encoder features. */
  async recode(targetRateHz: number): Promise<CodecResult> {
    const c = requireCodec();
    if (!session) throw new Error('nothing to re-code: record or open a .wav first');
    const started = performance.now();
    const encoded = await session.recode(targetRateHz);
    return finish(c, encoded, targetRateHz, { merge: performance.now() - started }, started);
  },

  /** Decodes a .fxc file (transferred in); a bad file throws FxcFormatError's message. */
  async decode(fxc: Uint8Array): Promise<CodecResult> {
    const c = requireCodec();
    const started = performance.now();
    const file = c.parse(fxc);
    const decoded = await c.decode(file);
    const total = performance.now() - started;
    const result: CodecResult = {
      fxc,
      decoded,
      segmentLengths: file.lengths,
      frames: file.frames,
      tau: Number.NaN,
      targetRateHz: file.header.targetRateHz,
      achievedRateHz: segmentRateHz(file.segments, file.frames, c.manifest.frameRateHz),
      bitrateBps: fileBitrateBps(file.bytes, file.header.sampleCount, c.manifest.sampleRateHz),
      sampleRateHz: c.manifest.sampleRateHz,
      timingsMs: { decode: total, total },
      recodable: false,
      encoderRuns: (c.backend as OrtBackend).encoderRuns,
    };
    return transferResult(result);
  },
};

/** The worker's API as the page sees it through comlink. */
export type CodecWorkerApi = typeof api;

Comlink.expose(api);
