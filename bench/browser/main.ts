/**
 * The Chromium benchmark page: starts the pipeline worker, hands it real speech, runs Opus
 * through WebCodecs and reads the page's memory. bench/browser-bench.ts drives it.
 */
import * as Comlink from 'comlink';
import { CodecClient } from '../../src/main/codec-client.ts';
import type { VocoderInfo } from '../../src/worker/protocol.ts';
import type { PipelineRun } from '../lib/pipeline-run.ts';
import { opusAccepts, opusRun, type OpusRun } from './opus.ts';
import type { PipelineWorkerApi, WorkerLoadInfo } from './pipeline.worker.ts';

/** Where the driver serves SECONDS of 16 kHz float32 speech (little-endian, raw). */
export const SPEECH_URL = (seconds: number) => `/__bench/speech-${seconds}.f32`;

/** `performance.measureUserAgentSpecificMemory` result, where the page is cross-origin isolated. */
export interface PageMemory {
  available: boolean;
  bytes?: number;
  /** Bytes per kind of context ("Window", "DedicatedWorkerGlobalScope", …). */
  byScope?: Record<string, number>;
  error?: string;
}

let worker: Comlink.Remote<PipelineWorkerApi> | undefined;
/** The app's codec worker, running only the vocoder (src/worker/ `loadVocoder`, `vocode`). */
let vocoderWorker: CodecClient | undefined;

/** One vocoder run in the worker: analysis and FARGAN times for `seconds` of speech. */
export interface VocoderPageRun {
  seconds: number;
  analysisMs: number;
  synthesisMs: number;
  samples: number;
}

async function speech(seconds: number): Promise<Float32Array> {
  const response = await fetch(SPEECH_URL(seconds));
  if (!response.ok) throw new Error(`speech ${seconds} s: HTTP ${response.status}`);
  return new Float32Array(await response.arrayBuffer());
}

type MeasureMemory = () => Promise<{
  bytes: number;
  breakdown: { bytes: number; attribution: { scope: string }[] }[];
}>;

const api = {
  crossOriginIsolated: () => self.crossOriginIsolated,

  async load(backend: 'webgpu' | 'wasm', threads?: number): Promise<WorkerLoadInfo> {
    const w = new Worker(new URL('./pipeline.worker.ts', import.meta.url), { type: 'module', name: 'bench' });
    worker = Comlink.wrap<PipelineWorkerApi>(w);
    return worker.load(backend, threads);
  },

  /** Fetches `seconds` of speech and transfers it to the worker, which encodes and decodes it. */
  async run(seconds: number): Promise<PipelineRun> {
    if (!worker) throw new Error('load() first');
    const audio = await speech(seconds);
    return worker.run(Comlink.transfer(audio, [audio.buffer]));
  },

  async memory(): Promise<PageMemory> {
    const measure = (performance as unknown as { measureUserAgentSpecificMemory?: MeasureMemory })
      .measureUserAgentSpecificMemory;
    if (!measure || !self.crossOriginIsolated) return { available: false };
    try {
      const r = await measure.call(performance);
      const byScope: Record<string, number> = {};
      for (const b of r.breakdown) {
        const scope = b.attribution[0]?.scope ?? 'shared';
        byScope[scope] = (byScope[scope] ?? 0) + b.bytes;
      }
      return { available: true, bytes: r.bytes, byScope };
    } catch (err) {
      return { available: false, error: String(err) };
    }
  },

  /** Starts a fresh codec worker with only the vocoder (public/models' `vocoder`), in `build`. */
  async vocoderLoad(build: 'simd' | 'scalar'): Promise<VocoderInfo> {
    vocoderWorker?.terminate();
    vocoderWorker = new CodecClient();
    return vocoderWorker.loadVocoder(new URL('/models/', location.href).href, { build });
  },

  /** `seconds` of speech through the vocoder in the worker: LPCNet analysis, then FARGAN, each timed there. */
  async vocode(seconds: number): Promise<VocoderPageRun> {
    if (!vocoderWorker) throw new Error('vocoderLoad() first');
    const r = await vocoderWorker.vocode(await speech(seconds));
    return { seconds, analysisMs: r.analysisMs, synthesisMs: r.synthesisMs, samples: r.audio.length };
  },

  /** The lowest of `candidates` (bits per second) Opus accepts here, highest first in the list. */
  async opusLowestBps(sampleRateHz: number, candidates: number[]): Promise<number | null> {
    let lowest: number | null = null;
    for (const bps of candidates) if (await opusAccepts(sampleRateHz, bps)) lowest = bps;
    return lowest;
  },

  async opus(seconds: number, sampleRateHz: number, bitrate: number): Promise<OpusRun> {
    return opusRun(await speech(seconds), sampleRateHz, bitrate);
  },
};

/** What bench/browser-bench.ts calls. */
export type BenchPageApi = typeof api;

declare global {
  interface Window {
    flexiBench?: BenchPageApi;
  }
}

window.flexiBench = api;
document.getElementById('log')!.textContent = 'ready';
