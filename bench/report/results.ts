/** The JSON files of bench/results, read back for the report (a missing or failed section reads as undefined). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserPipelineResult, OpusResult } from '../browser-bench.ts';
import type { KernelResult } from '../kernels.ts';
import type { LoadSample, MachineInfo } from '../lib/machine.ts';
import type { NodePipelineResult } from '../node-pipeline.ts';
import type { ReadyResult } from '../ready-time.ts';
import type { SizesResult } from '../sizes.ts';
import type { VocoderBenchResult } from '../vocoder-bench.ts';

/** bench/results/machine.json */
export interface MachineResult {
  date: string;
  totalMs: number;
  machine: MachineInfo;
  gpu: string;
  loads: LoadSample[];
  sections: Record<string, { ms: number; error?: string }>;
}

/** A section whose last result was measured with another model set than the current one: left out. */
export interface StaleSection {
  section: string;
  /** The model it ran, where recorded (results from before the bench recorded it have none). */
  modelId?: string;
  /** When it ran (UTC ISO), from machine.json. */
  at?: string;
}

/** Every section's result, where it ran. */
export interface Results {
  machine: MachineResult;
  /** The current model set (models.json's modelId), which every model-dependent result must have run. */
  modelId: string;
  /** Model-dependent sections left out because they ran another model set. */
  stale: StaleSection[];
  sizes?: SizesResult;
  node?: NodePipelineResult[];
  kernels?: KernelResult;
  wasm?: BrowserPipelineResult;
  /** The WASM pipeline on one thread (ORT's own default on 2 cores), 60 s: the baseline of the threads. */
  wasmOneThread?: BrowserPipelineResult;
  webgpu?: BrowserPipelineResult;
  opus?: OpusResult;
  ready?: ReadyResult[];
  vocoder?: VocoderBenchResult;
  /** Sections that failed, with the first line of their error. */
  errors: Record<string, string>;
}

/** The modelId of the models folder the report describes. */
export function currentModelId(modelsDir: string): string {
  return (JSON.parse(readFileSync(join(modelsDir, 'models.json'), 'utf8')) as { modelId: string }).modelId;
}

/**
 * Reads bench/results/NAME.json files from `dir`. Results of the model-dependent sections (sizes,
 * node, browser-wasm, browser-wasm-1thread, browser-webgpu, ready) that ran another model set than `modelsDir`'s, or
 * from before the bench recorded the model, read as undefined and are listed in `stale`.
 */
export function readResults(dir: string, modelsDir = 'public/models'): Results {
  const errors: Record<string, string> = {};
  const read = <T>(name: string): T | undefined => {
    const path = join(dir, `${name}.json`);
    if (!existsSync(path)) return undefined;
    const json = JSON.parse(readFileSync(path, 'utf8')) as T & { error?: string };
    if (json && typeof json === 'object' && 'error' in json && typeof json.error === 'string') {
      errors[name] = json.error.split('\n')[0];
      return undefined;
    }
    return json;
  };
  const machine = read<MachineResult>('machine');
  if (!machine) throw new Error(`${dir}/machine.json missing: run npm run bench first`);
  const modelId = currentModelId(modelsDir);
  const stale: StaleSection[] = [];
  /** `result` where every model it records is the current one, else undefined (and listed as stale). */
  const current = <T>(section: string, result: T | undefined, models: (x: T) => (string | undefined)[]) => {
    if (result === undefined) return undefined;
    const ids = models(result);
    if (ids.length > 0 && ids.every((id) => id === modelId)) return result;
    const at = machine.loads.find((l) => l.section === section)?.at;
    stale.push({ section, modelId: ids.find((id) => id !== undefined && id !== modelId), at });
    return undefined;
  };
  const pipeline = (x: BrowserPipelineResult) => [x.load.modelId as string | undefined];
  return {
    machine,
    modelId,
    stale,
    sizes: current('sizes', read<SizesResult>('sizes'), (x) => [x.modelId]),
    node: current('node', read<NodePipelineResult[]>('node'), (x) => x.map((n) => n.modelId)),
    kernels: read('kernels'),
    wasm: current('browser-wasm', read<BrowserPipelineResult>('browser-wasm'), pipeline),
    wasmOneThread: current(
      'browser-wasm-1thread',
      read<BrowserPipelineResult>('browser-wasm-1thread'),
      pipeline,
    ),
    webgpu: current('browser-webgpu', read<BrowserPipelineResult>('browser-webgpu'), pipeline),
    opus: read('opus'),
    ready: current('ready', read<ReadyResult[]>('ready'), (x) => x.map((y) => y.modelId)),
    vocoder: read('vocoder'),
    errors,
  };
}
