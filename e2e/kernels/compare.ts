/** Runs one merge case on the GPU and on the twin, and measures how far they disagree. */
import { adjacentCosine, countSegments, expandLengths, segmentBoundaries } from '../../src/core/merge.ts';
import { TwinMerger } from '../../src/core/twin-merger.ts';
import type { EncodedFeatures } from '../../src/core/types.ts';
import { submitAndRead } from '../../src/worker/gpu/dispatch.ts';
import type { GpuMerger, MergerFeatures } from '../../src/worker/gpu/gpuMerger.ts';
import type { MergeCaseReport } from './report.ts';

/** Similarities this close to τ may fall on either side of it after float32 rounding. */
export const NEAR_TAU = 1e-5;

/**
 * Frames whose boundary may legitimately differ: those whose run (since the last frame that is a
 * break on both sides) contains a similarity within NEAR_TAU of τ, since the max-length splits
 * after a disputed break shift with it.
 */
export function disputedFrames(sim: Float32Array, tau: number): { disputed: Uint8Array; near: number } {
  const disputed = new Uint8Array(sim.length);
  let near = 0;
  let open = false;
  for (let t = 0; t < sim.length; t++) {
    const isNear = t > 0 && Math.abs(sim[t] - tau) < NEAR_TAU;
    if (isNear) near++;
    if (t === 0 || (!isNear && sim[t] <= tau)) open = false; // a sure break closes the dispute
    if (isNear) open = true;
    disputed[t] = open ? 1 : 0;
  }
  return { disputed, near };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

function scaledMaxError(gpu: Float32Array, twin: Float32Array): number {
  if (gpu.length !== twin.length) return Infinity;
  let m = 0;
  for (let i = 0; i < gpu.length; i++) {
    const e = Math.abs(gpu[i] - twin[i]) / Math.max(1, Math.abs(twin[i]));
    if (!(e <= m)) m = e;
  }
  return m;
}

function countMismatches(a: ArrayLike<number>, b: ArrayLike<number>, mask?: Uint8Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length, 1);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!mask?.[i] && a[i] !== b[i]) n++;
  return n;
}

/**
 * Compares GpuMerger with the twin on `features` at `tau`. `gpuFeatures` is what the GPU merger
 * gets (the same Float32Arrays, or GPU buffers holding the same values).
 */
export async function compareMerge(
  name: string,
  gpu: GpuMerger,
  device: GPUDevice,
  features: EncodedFeatures,
  gpuFeatures: MergerFeatures,
  dims: { semanticDim: number; acousticDim: number; maxSegmentFrames: number; poolSegments?: boolean },
  tau: number,
): Promise<MergeCaseReport> {
  const pools = dims.poolSegments ?? true;
  const twin = new TwinMerger(dims.semanticDim, dims.acousticDim, dims.maxSegmentFrames, pools);
  const twinSims = adjacentCosine(features.semantic, features.frames, dims.semanticDim);
  const twinFlags = segmentBoundaries(twinSims, tau, dims.maxSegmentFrames);
  const { disputed, near } = disputedFrames(twinSims, tau);
  // The twin's similarities uploaded: the boundary kernel must then agree exactly.
  const gpuFlagsTwinSims = await gpu.boundaries(twinSims, tau);

  // The product's path: the GPU's own similarities, whose GPU copy merge() reuses.
  const gpuSims = await gpu.similarities(gpuFeatures);
  const gpuFlagsOwnSims = await gpu.boundaries(gpuSims, tau);
  const gpuResult = await gpu.merge(gpuFeatures, gpuSims, tau);
  const twinResult = await twin.merge(features, gpuSims, tau);
  const onGpu = await gpu.mergeToBuffers(gpuFeatures, gpuSims, tau);
  const pooled = ['semanticMean', 'acousticMean', 'semanticTrend', 'acousticTrend'] as const;
  const dimOf = (name: (typeof pooled)[number]) =>
    name.startsWith('semantic') ? dims.semanticDim : dims.acousticDim;
  const leftOnGpu = await submitAndRead(
    device,
    device.createCommandEncoder(),
    pooled.map((name) => ({ buffer: onGpu[name], bytes: (pools ? onGpu.segments : 0) * dimOf(name) * 4 })),
  );
  for (const name of pooled) onGpu[name].destroy();

  const twinExpanded = expandLengths(gpuResult.lengths);
  const gpuExpanded = await gpu.expandLengths(gpuResult.lengths);

  return {
    name,
    frames: features.frames,
    tau,
    simMaxAbsDiff: maxAbsDiff(gpuSims, twinSims),
    nearTauFrames: near,
    comparedFrames: disputed.length - disputed.reduce((s, v) => s + v, 0),
    boundaryMismatches: countMismatches(gpuFlagsOwnSims, twinFlags, disputed),
    sameSimsBoundaryMismatches: countMismatches(gpuFlagsTwinSims, twinFlags),
    segmentsGpu: gpuResult.segments,
    segmentsTwin: twinResult.segments,
    segmentsCounted: countSegments(gpuSims, tau, dims.maxSegmentFrames),
    lengthMismatches: countMismatches(gpuResult.lengths, twinResult.lengths),
    meanMaxError: Math.max(
      scaledMaxError(gpuResult.semanticMean, twinResult.semanticMean),
      scaledMaxError(gpuResult.acousticMean, twinResult.acousticMean),
    ),
    meanValuesCompared: twinResult.semanticMean.length + twinResult.acousticMean.length,
    pooled: pools,
    trendMaxError: Math.max(
      scaledMaxError(gpuResult.semanticTrend, twinResult.semanticTrend),
      scaledMaxError(gpuResult.acousticTrend, twinResult.acousticTrend),
    ),
    buffersVsReadBackMismatches:
      Math.abs(onGpu.segments - gpuResult.segments) +
      countMismatches(onGpu.lengths, gpuResult.lengths) +
      pooled.reduce((n, name, i) => n + countMismatches(new Float32Array(leftOnGpu[i]), gpuResult[name]), 0),
    expandMismatches:
      countMismatches(gpuExpanded.frameSegment, twinExpanded.frameSegment) +
      countMismatches(gpuExpanded.framePosition, twinExpanded.framePosition),
    expandFrames: twinExpanded.frameSegment.length,
  };
}
