/**
 * The kernel test page: runs each WGSL kernel (through GpuMerger) and its TypeScript twin on the
 * same data in this browser and reports the differences to e2e/kernels.spec.ts, which asserts.
 */
import { parseManifest, type ModelManifest } from '../../src/core/manifest.ts';
import { searchTau } from '../../src/core/tau.ts';
import { GpuMerger } from '../../src/worker/gpu/gpuMerger.ts';
import { benchmark } from './bench.ts';
import { compareMerge } from './compare.ts';
import { encodeFixture } from './realFeatures.ts';
import type {
  BenchRow,
  ExpandReport,
  MergeCaseReport,
  ScanReport,
  SpreadCaseReport,
  WebGpuReport,
} from './report.ts';
import { checkExpand, checkScan } from './scanCheck.ts';
import { compareSpread } from './spreadCheck.ts';
import { ODD_DIMS, TAUS, syntheticCases, type SyntheticCase } from './synthetic.ts';

/** Target rates of the UI test (Hz); the real features are also merged at the τ the search picks for each. */
const TARGET_RATES_HZ = [3, 6.25, 12.5];

/**
 * τ exactly at measured similarities, and a quarter float32 step below them (which float32
 * rounding would round up onto the similarity, turning a non-break into a break on the GPU).
 */
function thresholdsAtSimilarities(sims: Float32Array): number[] {
  const sorted = Float32Array.from(sims.subarray(1)).sort();
  const out: number[] = [];
  for (const q of [0.25, 0.5, 0.75]) {
    const s = sorted[Math.floor(q * (sorted.length - 1))];
    if (s === undefined) continue;
    const below = new Float32Array([s]);
    new Int32Array(below.buffer)[0] += s > 0 ? -1 : 1; // the float32 just below s
    out.push(s, s - (s - below[0]) / 4);
  }
  return out;
}

let manifestPromise: Promise<ModelManifest> | undefined;
function manifest(): Promise<ModelManifest> {
  manifestPromise ??= fetch('/models/models.json').then(async (r) => parseManifest(await r.json()));
  return manifestPromise;
}

let devicePromise: Promise<GPUDevice> | undefined;
/** A device of our own for the synthetic cases (the real-feature case uses ORT's). */
function ownDevice(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new Error('WebGPU: no adapter');
    const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
    return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
  })();
  return devicePromise;
}

let mergerPromise: Promise<GpuMerger> | undefined;
function ownMerger(): Promise<GpuMerger> {
  mergerPromise ??= (async () => GpuMerger.create(await ownDevice(), await manifest()))();
  return mergerPromise;
}

let oddMergerPromise: Promise<GpuMerger> | undefined;
/** A merger for ODD_DIMS on the same device. */
function oddMerger(): Promise<GpuMerger> {
  oddMergerPromise ??= (async () =>
    GpuMerger.create(await ownDevice(), {
      ...ODD_DIMS,
      maxSegmentFrames: (await manifest()).maxSegmentFrames,
    }))();
  return oddMergerPromise;
}

let casesCache: SyntheticCase[] | undefined;
async function cases(): Promise<SyntheticCase[]> {
  casesCache ??= syntheticCases(await manifest());
  return casesCache;
}

const api = {
  async webgpu(): Promise<WebGpuReport> {
    const hasNavigatorGpu = 'gpu' in navigator && !!navigator.gpu;
    const adapter = hasNavigatorGpu ? await navigator.gpu.requestAdapter() : null;
    return {
      hasNavigatorGpu,
      adapter: adapter
        ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim()
        : null,
    };
  },

  /** models.json's maxSegmentFrames: the spread costs' row width. */
  async maxSegmentFrames(): Promise<number> {
    return (await manifest()).maxSegmentFrames;
  },

  async syntheticNames(): Promise<string[]> {
    return (await cases()).map((c) => c.name);
  },

  /** One synthetic case at every τ of TAUS. */
  async runSynthetic(name: string): Promise<MergeCaseReport[]> {
    const c = (await cases()).find((x) => x.name === name);
    if (!c) throw new Error(`no synthetic case "${name}"`);
    const gpu = c.dims ? await oddMerger() : await ownMerger();
    const m = await manifest();
    const dims = { ...m, ...c.dims };
    const out: MergeCaseReport[] = [];
    for (const tau of TAUS)
      out.push(await compareMerge(c.name, gpu, await ownDevice(), c.features, c.features, dims, tau));
    return out;
  },

  /**
   * The fixture through encoder.onnx on ORT WebGPU, merged by a GpuMerger built on ORT's device,
   * from ORT's GPU buffers and from CPU copies, at TAUS, the calibration τs and searched τs.
   */
  async runReal(): Promise<MergeCaseReport[]> {
    const real = await encodeFixture();
    try {
      const m = real.manifest;
      const gpu = await GpuMerger.create(real.device, m);
      const sims = await gpu.similarities(real.gpu);
      const taus = new Set([...TAUS, ...m.tauCalibration.map((p) => p.tau)]);
      for (const rate of TARGET_RATES_HZ)
        taus.add(searchTau(sims, rate, m.frameRateHz, m.maxSegmentFrames).tau);
      for (const tau of thresholdsAtSimilarities(sims)) taus.add(tau);
      const out: MergeCaseReport[] = [];
      // As the worker builds it for a model whose quantizer pools the frames (formatVersion 3).
      const lengthsOnly = { ...m, poolSegments: false };
      const segmentsOnly = await GpuMerger.create(real.device, lengthsOnly);
      for (const tau of taus) {
        out.push(await compareMerge('real, GPU buffers', gpu, real.device, real.cpu, real.gpu, m, tau));
        out.push(await compareMerge('real, Float32Arrays', gpu, real.device, real.cpu, real.cpu, m, tau));
        out.push(
          await compareMerge(
            'real, lengths only',
            segmentsOnly,
            real.device,
            real.cpu,
            real.gpu,
            lengthsOnly,
            tau,
          ),
        );
      }
      gpu.destroy();
      segmentsOnly.destroy();
      return out;
    } finally {
      real.release();
    }
  },

  /** The spread-cost kernel on one synthetic case, and the layouts picked from its costs. */
  async runSpreadSynthetic(name: string): Promise<SpreadCaseReport> {
    const c = (await cases()).find((x) => x.name === name);
    if (!c) throw new Error(`no synthetic case "${name}"`);
    const gpu = c.dims ? await oddMerger() : await ownMerger();
    const dims = { ...(await manifest()), ...c.dims };
    return compareSpread(c.name, gpu, c.features, c.features, dims);
  },

  /** The spread-cost kernel on the fixture's real encoder features, from ORT's GPU buffers and from CPU copies. */
  async runSpreadReal(): Promise<SpreadCaseReport[]> {
    const real = await encodeFixture();
    try {
      const gpu = await GpuMerger.create(real.device, real.manifest);
      const out = [
        await compareSpread('real, GPU buffers', gpu, real.cpu, real.gpu, real.manifest),
        await compareSpread('real, Float32Arrays', gpu, real.cpu, real.cpu, real.manifest),
      ];
      gpu.destroy();
      return out;
    } finally {
      real.release();
    }
  },

  async runScan(n: number, op: 'sum' | 'max'): Promise<ScanReport> {
    return checkScan(await ownDevice(), n, op);
  },

  async runExpand(): Promise<ExpandReport[]> {
    return checkExpand(await ownMerger());
  },

  /** Timing table for docs/KERNELS.md (not asserted: tests never check wall-clock time). */
  async bench(frameCounts: number[], repeats: number): Promise<BenchRow[]> {
    return benchmark(await ownMerger(), await manifest(), frameCounts, repeats);
  },
};

/** What e2e/kernels.spec.ts and runBench.ts call. */
export type KernelTestApi = typeof api;

declare global {
  interface Window {
    kernelTests?: KernelTestApi;
  }
}

window.kernelTests = api;
document.getElementById('log')!.textContent = 'ready';
