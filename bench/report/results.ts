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

/** Every section's result, where it ran. */
export interface Results {
  machine: MachineResult;
  sizes?: SizesResult;
  node?: NodePipelineResult[];
  kernels?: KernelResult;
  wasm?: BrowserPipelineResult;
  webgpu?: BrowserPipelineResult;
  opus?: OpusResult;
  ready?: ReadyResult[];
  vocoder?: VocoderBenchResult;
  /** Sections that failed, with the first line of their error. */
  errors: Record<string, string>;
}

/** Reads bench/results/NAME.json files from `dir`. */
export function readResults(dir: string): Results {
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
  return {
    machine,
    sizes: read('sizes'),
    node: read('node'),
    kernels: read('kernels'),
    wasm: read('browser-wasm'),
    webgpu: read('browser-webgpu'),
    opus: read('opus'),
    ready: read('ready'),
    vocoder: read('vocoder'),
    errors,
  };
}
