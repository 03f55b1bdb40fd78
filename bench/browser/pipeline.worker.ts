/**
 * Worker side of the Chromium speed run: the same parts as the app's codec worker
 * (onnxruntime-web on WebGPU with the WGSL merger on ORT's device, or on WASM with the
 * TypeScript twin), each wrapped in a stage timer. Reached through comlink from main.ts.
 */
import * as Comlink from 'comlink';
import { Codec } from '../../src/core/codec.ts';
import { quantizerPoolsFrames } from '../../src/core/manifest.ts';
import { TwinMerger } from '../../src/core/twin-merger.ts';
import type { Merger } from '../../src/core/types.ts';
import { GpuMerger } from '../../src/worker/gpu/gpuMerger.ts';
import { loadModels } from '../../src/worker/model-loader.ts';
import { OrtBackend } from '../../src/worker/ort-backend.ts';
import { loadOrt, ortGpuDevice } from '../../src/worker/ort-env.ts';
import type { BackendName } from '../../src/worker/protocol.ts';
import { modelVocoder } from '../../src/worker/vocoder-loader.ts';
import { timePipeline, type PipelineRun } from '../lib/pipeline-run.ts';
import { StageClock, TimedBackend, TimedMerger } from '../lib/timed.ts';

/** Where Vite serves public/models. */
const MODELS_URL = '/models/';

/** Time to a loaded codec, split the way the app's load is. */
export interface WorkerLoadInfo {
  backend: BackendName;
  /** The model set that ran (models.json's modelId). */
  modelId: string;
  downloadMs: number;
  sessionsMs: number;
  /** Threads of ORT's WASM backend (src/worker/wasm-threads.ts, or the bench's override). */
  wasmThreads: number;
  /** The WebGPU adapter ORT runs on ("vendor architecture description"), or null on WASM. */
  adapter: string | null;
}

const clock = new StageClock();
let codec: Codec | undefined;

function requireCodec(): Codec {
  if (!codec) throw new Error('load() first');
  return codec;
}

const api = {
  /**
   * Downloads the models and builds the sessions and merger on `backend` (no fallback: a failure
   * throws); `threads` overrides the app's WASM thread count.
   */
  async load(backend: BackendName, threads?: number): Promise<WorkerLoadInfo> {
    const t0 = performance.now();
    const modelsUrl = new URL(MODELS_URL, self.location.href).href;
    const fetched = await loadModels(modelsUrl, () => {});
    const models = { ...fetched, vocoder: modelVocoder(modelsUrl, fetched.manifest) };
    const t1 = performance.now();
    const m = models.manifest;
    const ort = await loadOrt(backend, threads);
    const inner = await OrtBackend.create(ort, models, backend);
    let merger: Merger;
    let adapter: string | null = null;
    if (backend === 'webgpu') {
      const device = await ortGpuDevice(ort);
      merger = await GpuMerger.create(device, { ...m, poolSegments: !quantizerPoolsFrames(m) });
      const info = device.adapterInfo;
      adapter = info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown';
    } else {
      merger = TwinMerger.for(m);
    }
    codec = new Codec(m, new TimedBackend(inner, clock), new TimedMerger(merger, clock));
    return {
      backend,
      modelId: m.modelId,
      downloadMs: t1 - t0,
      sessionsMs: performance.now() - t1,
      wasmThreads: ort.env.wasm.numThreads ?? 0,
      adapter,
    };
  },

  /** Encodes (at the bench rate) and decodes `audio16k` (transferred in), timed by stage. */
  run(audio16k: Float32Array): Promise<PipelineRun> {
    return timePipeline(requireCodec(), clock, audio16k);
  },
};

/** The worker's API as the bench page sees it. */
export type PipelineWorkerApi = typeof api;

Comlink.expose(api);
