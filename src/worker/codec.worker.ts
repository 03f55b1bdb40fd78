/**
 * The codec worker, reached only through comlink. It owns the onnxruntime-web sessions (WebGPU,
 * or WASM where WebGPU is missing), the merger on the same device, and the encoder features of
 * the last recording, so a slider move re-codes without running the encoder again. A file made
 * with an earlier model is decoded by that model's archived decoder, loaded on first use. A model
 * whose decoder predicts vocoder features decodes through the vocoder (libopus FARGAN in
 * WebAssembly, models.json `vocoder`), which `loadVocoder` and `vocode` also run on their own.
 */
import * as Comlink from 'comlink';
import { fileBitrateBps } from '../core/bitstream';
import { Codec, type EncodedSession, type EncodeResult } from '../core/codec';
import { modelRoles, parseManifest, quantizerPoolsFrames } from '../core/manifest';
import { segmentRateHz } from '../core/tau';
import { ModelDecoders, type ArchiveEntry } from '../core/model-archive';
import { TwinMerger } from '../core/twin-merger';
import type { Merger } from '../core/types';
import { GpuMerger } from './gpu/gpuMerger';
import { timed } from './load-timing';
import {
  fetchModels,
  fetchOk,
  loadArchiveIndex,
  loadArchivedDecoder,
  type FetchingModels,
} from './model-loader';
import { OrtBackend } from './ort-backend';
import { loadOrt, ortGpuDevice, pickBackend } from './ort-env';
import type {
  CodecResult,
  LoadInfo,
  LoadOptions,
  LoadProgress,
  ModelState,
  VocodeResult,
  VocoderInfo,
} from './protocol';
import type { VocoderLoadOptions } from '../vocoder/load';
import { fetchVocoder, modelVocoder, type LoadedVocoder } from './vocoder-loader';

/** Seconds of silence run through every model at load, so shader compilation is not paid on the first recording. */
const WARMUP_SECONDS = 1;

let loading: Promise<LoadInfo> | undefined;
let codec: Codec | undefined;
/** The decoder of each model id: the loaded model, or an archived one (loaded on first use). */
let decoders: ModelDecoders<Codec> | undefined;
/** Encoder features of the last encoded audio. */
let session: EncodedSession | undefined;
/** The vocoder `vocode` runs (started by `loadVocoder`). */
let standalone: LoadedVocoder | undefined;

/** Builds the backend and merger on WebGPU, or on WASM with the TypeScript twin. */
async function createCodec(
  fetched: FetchingModels,
  modelsUrl: string,
  forceWasm: boolean,
  threads: number | undefined,
): Promise<{ codec: Codec; fallbackReason?: string; wasmThreads: number }> {
  const { manifest } = fetched;
  const models = { ...fetched, vocoder: modelVocoder(modelsUrl, manifest) };
  const choice = await pickBackend(forceWasm);
  let fallbackReason = choice.reason;
  if (choice.backend === 'webgpu') {
    let backend: OrtBackend | undefined;
    try {
      const ort = await timed('import ort (webgpu)', () => loadOrt('webgpu', threads));
      backend = await OrtBackend.create(ort, models, 'webgpu');
      const merger: Merger = await timed('gpu merger', async () =>
        GpuMerger.create(await ortGpuDevice(ort), {
          ...manifest,
          poolSegments: !quantizerPoolsFrames(manifest),
        }),
      );
      return { codec: new Codec(manifest, backend, merger), wasmThreads: ort.env.wasm.numThreads ?? 1 };
    } catch (err) {
      await backend?.release();
      fallbackReason = `WebGPU failed to start: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const ort = await timed('import ort (wasm)', () => loadOrt('wasm', threads));
  const backend = await OrtBackend.create(ort, models, 'wasm');
  const merger = TwinMerger.for(manifest);
  return {
    codec: new Codec(manifest, backend, merger),
    fallbackReason,
    wasmThreads: ort.env.wasm.numThreads ?? 1,
  };
}

/** A decode-only codec for an archived model, on the same execution provider as the current one. */
async function createArchivedCodec(modelsUrl: string, entry: ArchiveEntry, current: Codec): Promise<Codec> {
  const archived = await loadArchivedDecoder(modelsUrl, entry);
  const m = archived.manifest;
  // Its vocoder, where it needs one, is the current models folder's (paths relative to it).
  const models = { ...archived, vocoder: modelVocoder(modelsUrl, m) };
  const merger = TwinMerger.for(m);
  if (current.backend.name === 'webgpu') {
    try {
      return new Codec(m, await OrtBackend.create(await loadOrt('webgpu'), models, 'webgpu'), merger);
    } catch {
      // The current model runs on WebGPU, so this is rare; WASM decodes the same codes.
    }
  }
  return new Codec(m, await OrtBackend.create(await loadOrt('wasm'), models, 'wasm'), merger);
}

/**
 * Runs WARMUP_SECONDS of silence through every model and the merger, each part a load measure.
 * asr.onnx sees those seconds alone, not padded to its 30 s window: one run of each kernel is
 * what a warm-up is for, and a whole Whisper window costs seconds on WASM (bench/ready-model-set.ts).
 */
async function warmUp(loaded: Codec): Promise<void> {
  const { sampleRateHz, frameRateHz, asrWindow } = loaded.manifest;
  const c = asrWindow
    ? new Codec(
        { ...loaded.manifest, asrWindow: { ...asrWindow, padShortToWindow: false } },
        loaded.backend,
        loaded.merger,
      )
    : loaded;
  const backend = c.backend as OrtBackend;
  backend.timeRuns(true);
  try {
    const warm = await timed('warm-up analyze', () =>
      c.analyze(new Float32Array(WARMUP_SECONDS * sampleRateHz)),
    );
    const file = await timed('warm-up merge + quantize', () => warm.recode(frameRateHz));
    await timed('warm-up decode', () => c.decode(file.fxc));
  } finally {
    backend.timeRuns(false);
  }
}

async function loadOnce(
  modelsUrl: string,
  options: LoadOptions,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadInfo> {
  const started = performance.now();
  const models = await fetchModels(modelsUrl, onProgress);
  const { manifest } = models;
  const totalBytes = models.manifest.models.encoder.bytes;
  const report = (phase: LoadProgress['phase']) =>
    onProgress({ phase, file: '', loadedBytes: totalBytes, totalBytes });
  // Sessions start as their files arrive; the page says "starting sessions" once all are in.
  const downloaded = timed('download + sha256', () => Promise.all(Object.values(models.bytes)));
  void downloaded.then(
    () => report('compile'),
    () => undefined,
  );
  const compileStarted = performance.now();
  const built = await timed('sessions', () =>
    createCodec(models, modelsUrl, options.forceWasm ?? false, options.wasmThreads),
  );
  await downloaded;
  const compileMs = performance.now() - compileStarted;
  report('warmup');
  codec = built.codec;
  const current = codec;
  decoders = new ModelDecoders(current, {
    index: () => loadArchiveIndex(modelsUrl),
    load: (entry) => createArchivedCodec(modelsUrl, entry, current),
  });
  const warmupStarted = performance.now();
  await timed('warm-up', () => warmUp(current));
  return {
    backend: codec.backend.name === 'webgpu' ? 'webgpu' : 'wasm',
    fallbackReason: built.fallbackReason,
    asrBackend: (codec.backend as OrtBackend).asrBackend,
    wasmThreads: built.wasmThreads,
    vocoderBuild: (codec.backend as OrtBackend).vocoder?.build,
    modelId: manifest.modelId,
    sampleRateHz: manifest.sampleRateHz,
    frameSamples: manifest.frameSamples,
    frameRateHz: manifest.frameRateHz,
    modelBytes: modelRoles(manifest).reduce((sum, role) => sum + (manifest.models[role]?.bytes ?? 0), 0),
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

function requireDecoders(): ModelDecoders<Codec> {
  if (!decoders) throw new Error('the models are not loaded yet');
  return decoders;
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
    modelId: c.manifest.modelId,
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

  /**
   * Decodes a .fxc file (transferred in) with the model its header names: the loaded one or an
   * archived one. A bad file throws FxcFormatError's message; a file whose model cannot be had,
   * ModelUnavailableError's, which names the model.
   */
  async decode(fxc: Uint8Array): Promise<CodecResult> {
    const c = await requireDecoders().forFile(fxc);
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
      encoderRuns: (requireCodec().backend as OrtBackend).encoderRuns,
      modelId: c.manifest.modelId,
    };
    return transferResult(result);
  },

  /**
   * Fetches and starts the vocoder of the models folder's models.json (its `vocoder` section; the
   * weights sha256-checked), for `vocode`; the codec's models need not be loaded. `build` picks
   * the WebAssembly build (default: SIMD where this engine runs it).
   */
  async loadVocoder(modelsUrl: string, options: VocoderLoadOptions = {}): Promise<VocoderInfo> {
    const manifest = parseManifest(await (await fetchOk(new URL('models.json', modelsUrl))).json());
    if (!manifest.vocoder)
      throw new Error(`${new URL('models.json', modelsUrl).pathname} has no vocoder section`);
    const loaded = await fetchVocoder(modelsUrl, manifest.vocoder, options);
    standalone?.vocoder.release();
    standalone = loaded;
    return loaded.info;
  },

  /**
   * 16 kHz mono audio (transferred in) through the vocoder: LPCNet analysis, then FARGAN, on this
   * worker's one thread, each timed; the audio comes back time-aligned, as many samples as went in.
   */
  async vocode(audio16k: Float32Array): Promise<VocodeResult> {
    if (!standalone) throw new Error('the vocoder is not loaded: call loadVocoder first');
    const v = standalone.vocoder;
    const t0 = performance.now();
    const features = v.analyse(audio16k);
    const t1 = performance.now();
    const audio = v.synthesize(features).slice(0, audio16k.length);
    const t2 = performance.now();
    const result: VocodeResult = {
      audio,
      features,
      frames: features.length / 20,
      build: v.build,
      analysisMs: t1 - t0,
      synthesisMs: t2 - t1,
    };
    return Comlink.transfer(result, [audio.buffer, features.buffer]);
  },

  /**
   * Makes sure each model's decoder is here: archived ones are fetched (and so kept by the service
   * worker for offline use), checked and started. Says per model whether its notes can play.
   */
  async prepareModels(modelIds: string[]): Promise<ModelState[]> {
    const d = requireDecoders();
    const current = requireCodec().manifest.modelId;
    return Promise.all(
      [...new Set(modelIds)].map(async (modelId): Promise<ModelState> => {
        if (modelId === current) return { modelId, state: 'current' };
        try {
          await d.forModel(modelId);
          return { modelId, state: 'archived' };
        } catch (err) {
          return { modelId, state: 'unavailable', message: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  },
};

/** The worker's API as the page sees it through comlink. */
export type CodecWorkerApi = typeof api;

Comlink.expose(api);
