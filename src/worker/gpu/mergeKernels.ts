/**
 * The merge pipelines (adjacent_cosine, segment_boundaries, segment_mean) and how each is
 * recorded into a compute pass. No submits, no read-backs: GpuMerger decides those.
 */
import { Scratch, bindBuffers, dispatchItems, float32AtOrBelow } from './dispatch.ts';
import type { GpuPrefixScan } from './prefixScan.ts';
import { WGSL } from './shaders.ts';

interface Pipelines {
  cosine: GPUComputePipeline;
  markBreaks: GPUComputePipeline;
  flagBoundaries: GPUComputePipeline;
  scatterStarts: GPUComputePipeline;
  segmentLengths: GPUComputePipeline;
  segmentMean: GPUComputePipeline;
  segmentMeanVec4: GPUComputePipeline;
}

/** What `encodeMeans` pools per segment: the plain mean, or the trend (formatVersion 2 models). */
export type Pooling = 'mean' | 'trend';

/** Per-frame segment buffers of one merge: counts = inclusive scan of flags; starts, lengths by segment. */
export interface SegmentBuffers {
  flags: GPUBuffer;
  counts: GPUBuffer;
  starts: GPUBuffer;
  lengths: GPUBuffer;
}

/** Compiled once per device. */
export class MergeKernels {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Pipelines,
    private readonly scan: GpuPrefixScan,
  ) {}

  static async create(device: GPUDevice, scan: GpuPrefixScan): Promise<MergeKernels> {
    const module = (label: string, code: string) => device.createShaderModule({ label, code });
    const cosineModule = module('adjacent_cosine.wgsl', WGSL.adjacentCosine);
    const boundaries = module('segment_boundaries.wgsl', WGSL.segmentBoundaries);
    const mean = module('segment_mean.wgsl', WGSL.segmentMean);
    const build = async (m: GPUShaderModule, entryPoint: string) =>
      device.createComputePipelineAsync({
        label: `${m.label}.${entryPoint}`,
        layout: 'auto',
        compute: { module: m, entryPoint },
      });
    const [cosine, markBreaks, flagBoundaries, scatterStarts, segmentLengths, segmentMean, segmentMeanVec4] =
      await Promise.all([
        build(cosineModule, 'main'),
        build(boundaries, 'markBreaks'),
        build(boundaries, 'flagBoundaries'),
        build(mean, 'scatterStarts'),
        build(mean, 'segmentLengths'),
        build(mean, 'segmentMean'),
        build(mean, 'segmentMeanVec4'),
      ]);
    const pipelines = {
      cosine,
      markBreaks,
      flagBoundaries,
      scatterStarts,
      segmentLengths,
      segmentMean,
      segmentMeanVec4,
    };
    return new MergeKernels(device, pipelines, scan);
  }

  /** sim[t] for `frames` frames of `semantic` [frames, dim] into `sims`. */
  encodeSimilarities(
    pass: GPUComputePassEncoder,
    semantic: GPUBuffer,
    sims: GPUBuffer,
    frames: number,
    dim: number,
    scratch: Scratch,
  ): void {
    const { cosine } = this.pipelines;
    pass.setPipeline(cosine);
    const params = scratch.uniform(Uint32Array.of(frames, dim));
    pass.setBindGroup(0, bindBuffers(this.device, cosine, { 0: semantic, 1: sims, 2: params }));
    dispatchItems(pass, frames);
  }

  /** markBreaks → max-scan (run starts) → flagBoundaries, writing `flags`. */
  encodeBoundaries(
    pass: GPUComputePassEncoder,
    sims: GPUBuffer,
    frames: number,
    tau: number,
    maxSegmentFrames: number,
    flags: GPUBuffer,
    scratch: Scratch,
  ): void {
    const { markBreaks, flagBoundaries } = this.pipelines;
    const runStart = scratch.storage(frames * 4);
    const words = new ArrayBuffer(12);
    new Uint32Array(words, 0, 2).set([frames, maxSegmentFrames]);
    new Float32Array(words, 8, 1)[0] = float32AtOrBelow(tau);
    const params = scratch.uniform(new Uint32Array(words));
    pass.setPipeline(markBreaks);
    pass.setBindGroup(0, bindBuffers(this.device, markBreaks, { 0: sims, 1: runStart, 3: params }));
    dispatchItems(pass, frames);
    this.scan.encode(pass, runStart, frames, 'max', scratch);
    pass.setPipeline(flagBoundaries);
    pass.setBindGroup(0, bindBuffers(this.device, flagBoundaries, { 1: runStart, 2: flags, 3: params }));
    dispatchItems(pass, frames);
  }

  /** Flags → counts (sum-scan) → segment starts and lengths. K ends up in counts[frames - 1]. */
  encodeSegments(
    encoder: GPUCommandEncoder,
    sims: GPUBuffer,
    frames: number,
    tau: number,
    maxSegmentFrames: number,
    scratch: Scratch,
  ): SegmentBuffers {
    const b: SegmentBuffers = {
      flags: scratch.storage(frames * 4),
      counts: scratch.storage(frames * 4),
      starts: scratch.storage(frames * 4),
      lengths: scratch.storage(frames * 4),
    };
    let pass = encoder.beginComputePass();
    this.encodeBoundaries(pass, sims, frames, tau, maxSegmentFrames, b.flags, scratch);
    pass.end();
    encoder.copyBufferToBuffer(b.flags, 0, b.counts, 0, frames * 4);
    pass = encoder.beginComputePass();
    this.scan.encode(pass, b.counts, frames, 'sum', scratch);
    const params = scratch.uniform(Uint32Array.of(frames, 0, 0, 0));
    const { scatterStarts, segmentLengths } = this.pipelines;
    pass.setPipeline(scatterStarts);
    pass.setBindGroup(0, bindBuffers(this.device, scatterStarts, { 0: b.counts, 1: b.starts, 5: params }));
    dispatchItems(pass, frames);
    pass.setPipeline(segmentLengths);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, segmentLengths, { 0: b.counts, 1: b.starts, 2: b.lengths, 5: params }),
    );
    dispatchItems(pass, frames);
    pass.end();
    return b;
  }

  /** Means (or trends) [segments, dim] of x [frames, dim] into `means`; vec4 loads when dim allows. */
  encodeMeans(
    pass: GPUComputePassEncoder,
    segmentsOf: SegmentBuffers,
    x: GPUBuffer,
    means: GPUBuffer,
    frames: number,
    segments: number,
    dim: number,
    scratch: Scratch,
    pooling: Pooling = 'mean',
  ): void {
    const vec4 = dim % 4 === 0;
    const pipeline = vec4 ? this.pipelines.segmentMeanVec4 : this.pipelines.segmentMean;
    const [xBinding, meansBinding] = vec4 ? [6, 7] : [3, 4];
    const params = scratch.uniform(Uint32Array.of(frames, segments, dim, pooling === 'trend' ? 1 : 0));
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, pipeline, {
        1: segmentsOf.starts,
        2: segmentsOf.lengths,
        [xBinding]: x,
        [meansBinding]: means,
        5: params,
      }),
    );
    dispatchItems(pass, (segments * dim) / (vec4 ? 4 : 1));
  }
}
