/**
 * Merger on WebGPU: the WGSL kernels of shaders/ behind the same interface as the TS twin.
 * Build it once on the device ORT uses (`await ort.env.webgpu.device`) so encoder outputs can
 * be passed as GPUBuffers and never leave the GPU; only similarities, lengths and means are read.
 */
import type { EncodedFeatures, MergeResult, Merger } from '../../core/types.ts';
import { Scratch, bindBuffers, dispatchItems, float32AtOrBelow, submitAndRead } from './dispatch.ts';
import { GpuLengthExpander, type ExpandedLengths, type ExpandedLengthBuffers } from './expandLengths.ts';
import { GpuPrefixScan } from './prefixScan.ts';
import { WGSL } from './shaders.ts';

/** Encoder features already on the GPU (e.g. ORT tensors' gpuBuffer), row-major [frames, dim] float32. */
export interface GpuEncodedFeatures {
  frames: number;
  semantic: GPUBuffer;
  acoustic: GPUBuffer;
}

/** Features on the CPU or on the GPU; GPU buffers must stay alive until the call resolves. */
export type MergerFeatures = EncodedFeatures | GpuEncodedFeatures;

/** Model constants the kernels need, from models.json. */
export interface GpuMergerOptions {
  semanticDim: number;
  acousticDim: number;
  maxSegmentFrames: number;
}

interface Pipelines {
  cosine: GPUComputePipeline;
  markBreaks: GPUComputePipeline;
  flagBoundaries: GPUComputePipeline;
  scatterStarts: GPUComputePipeline;
  segmentLengths: GPUComputePipeline;
  segmentMean: GPUComputePipeline;
  segmentMeanVec4: GPUComputePipeline;
}

interface FeatureBuffers {
  frames: number;
  semantic: GPUBuffer;
  acoustic: GPUBuffer;
}

/** The GPU twin of src/core/merge.ts; one instance per device, calls run one at a time. */
export class GpuMerger implements Merger {
  /** The last CPU features uploaded, kept so re-merging at a new τ does not upload again. */
  private uploaded?: { source: EncodedFeatures; buffers: FeatureBuffers };
  /** The GPU copy of the last similarities returned or passed in, keyed by the array itself. */
  private sims?: { array: Float32Array; buffer: GPUBuffer };
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly device: GPUDevice,
    private readonly options: GpuMergerOptions,
    private readonly pipelines: Pipelines,
    private readonly scan: GpuPrefixScan,
    private readonly expander: GpuLengthExpander,
  ) {}

  /** Compiles every pipeline once on `device`. */
  static async create(device: GPUDevice, options: GpuMergerOptions): Promise<GpuMerger> {
    const modules = {
      cosine: device.createShaderModule({ label: 'adjacent_cosine.wgsl', code: WGSL.adjacentCosine }),
      boundaries: device.createShaderModule({
        label: 'segment_boundaries.wgsl',
        code: WGSL.segmentBoundaries,
      }),
      mean: device.createShaderModule({ label: 'segment_mean.wgsl', code: WGSL.segmentMean }),
    };
    const build = (module: GPUShaderModule, entryPoint: string) =>
      device.createComputePipelineAsync({
        label: `${module.label}.${entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint },
      });
    const [
      cosine,
      markBreaks,
      flagBoundaries,
      scatterStarts,
      segmentLengths,
      segmentMean,
      segmentMeanVec4,
      scan,
      expander,
    ] = await Promise.all([
      build(modules.cosine, 'main'),
      build(modules.boundaries, 'markBreaks'),
      build(modules.boundaries, 'flagBoundaries'),
      build(modules.mean, 'scatterStarts'),
      build(modules.mean, 'segmentLengths'),
      build(modules.mean, 'segmentMean'),
      build(modules.mean, 'segmentMeanVec4'),
      GpuPrefixScan.create(device),
      GpuLengthExpander.create(device),
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
    return new GpuMerger(device, options, pipelines, scan, expander);
  }

  /** sim[t] = cos(semantic[t-1], semantic[t]), sim[0] = -1; the GPU copy is kept for merge(). */
  similarities(features: MergerFeatures): Promise<Float32Array> {
    return this.serial(async () => {
      const feats = this.featureBuffers(features);
      const sims = this.device.createBuffer({
        size: Math.max(4, feats.frames * 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      const scratch = new Scratch(this.device);
      try {
        const encoder = this.device.createCommandEncoder({ label: 'similarities' });
        if (feats.frames > 0) {
          const pass = encoder.beginComputePass();
          pass.setPipeline(this.pipelines.cosine);
          pass.setBindGroup(
            0,
            bindBuffers(this.device, this.pipelines.cosine, {
              0: feats.semantic,
              1: sims,
              2: scratch.uniform(Uint32Array.of(feats.frames, this.options.semanticDim)),
            }),
          );
          dispatchItems(pass, feats.frames);
          pass.end();
        }
        const [bytes] = await submitAndRead(this.device, encoder, [
          { buffer: sims, bytes: feats.frames * 4 },
        ]);
        const array = new Float32Array(bytes);
        this.keepSimilarities(array, sims);
        return array;
      } catch (e) {
        sims.destroy();
        throw e;
      } finally {
        scratch.destroy();
      }
    });
  }

  /** Boundary flags (1 where a segment starts) for τ; the same rule as segmentBoundaries. */
  boundaries(similarities: Float32Array, tau: number): Promise<Uint32Array> {
    return this.serial(async () => {
      const frames = similarities.length;
      const scratch = new Scratch(this.device);
      try {
        const encoder = this.device.createCommandEncoder({ label: 'boundaries' });
        const flags = scratch.storage(frames * 4);
        if (frames > 0) {
          const pass = encoder.beginComputePass();
          this.encodeBoundaries(pass, this.simsBuffer(similarities), frames, tau, flags, scratch);
          pass.end();
        }
        const [bytes] = await submitAndRead(this.device, encoder, [{ buffer: flags, bytes: frames * 4 }]);
        return new Uint32Array(bytes);
      } finally {
        scratch.destroy();
      }
    });
  }

  /** Segments for τ: lengths and per-segment means of both streams (docs/MODELS.md, steps 2-4). */
  merge(features: MergerFeatures, similarities: Float32Array, tau: number): Promise<MergeResult> {
    return this.serial(async () => {
      const { semanticDim, acousticDim } = this.options;
      const feats = this.featureBuffers(features);
      const frames = feats.frames;
      if (similarities.length !== frames) {
        throw new Error(`merge: ${similarities.length} similarities for ${frames} frames`);
      }
      if (frames === 0) return emptyResult(tau);
      const scratch = new Scratch(this.device);
      try {
        // Pass 1: flags, segment ids, starts and lengths; read back K only.
        const flags = scratch.storage(frames * 4);
        const counts = scratch.storage(frames * 4);
        const starts = scratch.storage(frames * 4);
        const lengths = scratch.storage(frames * 4);
        let encoder = this.device.createCommandEncoder({ label: 'merge: segments' });
        let pass = encoder.beginComputePass();
        this.encodeBoundaries(pass, this.simsBuffer(similarities), frames, tau, flags, scratch);
        pass.end();
        encoder.copyBufferToBuffer(flags, 0, counts, 0, frames * 4);
        pass = encoder.beginComputePass();
        this.scan.encode(pass, counts, frames, 'sum', scratch);
        const segmentParams = scratch.uniform(Uint32Array.of(frames, 0, 0));
        const { scatterStarts, segmentLengths } = this.pipelines;
        pass.setPipeline(scatterStarts);
        pass.setBindGroup(
          0,
          bindBuffers(this.device, scatterStarts, { 0: counts, 1: starts, 5: segmentParams }),
        );
        dispatchItems(pass, frames);
        pass.setPipeline(segmentLengths);
        pass.setBindGroup(
          0,
          bindBuffers(this.device, segmentLengths, { 0: counts, 1: starts, 2: lengths, 5: segmentParams }),
        );
        dispatchItems(pass, frames);
        pass.end();
        const [countBytes] = await submitAndRead(this.device, encoder, [
          { buffer: counts, offset: (frames - 1) * 4, bytes: 4 },
        ]);
        const segments = new Uint32Array(countBytes)[0];

        // Pass 2: means of both streams over K segments; read back lengths and means.
        const semanticMean = scratch.storage(segments * semanticDim * 4);
        const acousticMean = scratch.storage(segments * acousticDim * 4);
        encoder = this.device.createCommandEncoder({ label: 'merge: means' });
        pass = encoder.beginComputePass();
        for (const [x, means, dim] of [
          [feats.semantic, semanticMean, semanticDim],
          [feats.acoustic, acousticMean, acousticDim],
        ] as const) {
          const params = scratch.uniform(Uint32Array.of(frames, segments, dim));
          this.encodeMeans(pass, { starts, lengths, x, means, params }, segments, dim);
        }
        pass.end();
        const [lengthBytes, semanticBytes, acousticBytes] = await submitAndRead(this.device, encoder, [
          { buffer: lengths, bytes: segments * 4 },
          { buffer: semanticMean, bytes: segments * semanticDim * 4 },
          { buffer: acousticMean, bytes: segments * acousticDim * 4 },
        ]);
        return {
          tau,
          segments,
          lengths: new Uint32Array(lengthBytes),
          semanticMean: new Float32Array(semanticBytes),
          acousticMean: new Float32Array(acousticBytes),
        };
      } finally {
        scratch.destroy();
      }
    });
  }

  /** frame_segment and frame_position for the decoder, read back to the CPU. */
  expandLengths(lengths: ArrayLike<number>): Promise<ExpandedLengths> {
    return this.serial(() => this.expander.expand(lengths, this.scan));
  }

  /** frame_segment (int32) and frame_position (float32) left on the GPU; the caller destroys them. */
  expandLengthsToBuffers(lengths: ArrayLike<number>): Promise<ExpandedLengthBuffers> {
    return this.serial(() => this.expander.expandToBuffers(lengths, this.scan));
  }

  /** Frees the cached feature and similarity buffers (never buffers the caller passed in). */
  destroy(): void {
    this.uploaded?.buffers.semantic.destroy();
    this.uploaded?.buffers.acoustic.destroy();
    this.sims?.buffer.destroy();
    this.uploaded = undefined;
    this.sims = undefined;
  }

  /** markBreaks → max-scan (run starts) → flagBoundaries, writing `flags`. */
  private encodeBoundaries(
    pass: GPUComputePassEncoder,
    sims: GPUBuffer,
    frames: number,
    tau: number,
    flags: GPUBuffer,
    scratch: Scratch,
  ): void {
    const runStart = scratch.storage(frames * 4);
    const params = new ArrayBuffer(12);
    new Uint32Array(params, 0, 2).set([frames, this.options.maxSegmentFrames]);
    new Float32Array(params, 8, 1)[0] = float32AtOrBelow(tau);
    const uniform = scratch.uniform(new Uint32Array(params));
    pass.setPipeline(this.pipelines.markBreaks);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, this.pipelines.markBreaks, { 0: sims, 1: runStart, 3: uniform }),
    );
    dispatchItems(pass, frames);
    this.scan.encode(pass, runStart, frames, 'max', scratch);
    pass.setPipeline(this.pipelines.flagBoundaries);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, this.pipelines.flagBoundaries, { 1: runStart, 2: flags, 3: uniform }),
    );
    dispatchItems(pass, frames);
  }

  /** One stream's means; vec4 loads when the channel count allows. */
  private encodeMeans(
    pass: GPUComputePassEncoder,
    b: Record<'starts' | 'lengths' | 'x' | 'means' | 'params', GPUBuffer>,
    segments: number,
    dim: number,
  ): void {
    const vec4 = dim % 4 === 0;
    const pipeline = vec4 ? this.pipelines.segmentMeanVec4 : this.pipelines.segmentMean;
    const [xBinding, meansBinding] = vec4 ? [6, 7] : [3, 4];
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, pipeline, {
        1: b.starts,
        2: b.lengths,
        [xBinding]: b.x,
        [meansBinding]: b.means,
        5: b.params,
      }),
    );
    dispatchItems(pass, (segments * dim) / (vec4 ? 4 : 1));
  }

  private featureBuffers(features: MergerFeatures): FeatureBuffers {
    const { frames, semantic, acoustic } = features;
    if (!Number.isInteger(frames) || frames < 0) throw new Error(`merger: bad frame count ${frames}`);
    if (!(semantic instanceof Float32Array) || !(acoustic instanceof Float32Array)) {
      if (semantic instanceof Float32Array || acoustic instanceof Float32Array) {
        throw new Error('merger: semantic and acoustic must both be Float32Arrays or both GPUBuffers');
      }
      this.checkBytes('semantic', semantic.size, frames * this.options.semanticDim * 4);
      this.checkBytes('acoustic', acoustic.size, frames * this.options.acousticDim * 4);
      return { frames, semantic, acoustic };
    }
    const source = features as EncodedFeatures;
    if (this.uploaded?.source === source) return this.uploaded.buffers;
    this.checkBytes('semantic', semantic.byteLength, frames * this.options.semanticDim * 4, true);
    this.checkBytes('acoustic', acoustic.byteLength, frames * this.options.acousticDim * 4, true);
    const upload = (data: Float32Array) => {
      const buffer = this.device.createBuffer({
        size: Math.max(4, data.byteLength),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return buffer;
    };
    this.uploaded?.buffers.semantic.destroy();
    this.uploaded?.buffers.acoustic.destroy();
    const buffers = { frames, semantic: upload(semantic), acoustic: upload(acoustic) };
    this.uploaded = { source, buffers };
    return buffers;
  }

  private checkBytes(name: string, actual: number, expected: number, exact = false): void {
    if (exact ? actual !== expected : actual < expected) {
      throw new Error(
        `merger: ${name} holds ${actual} bytes, expected ${exact ? '' : 'at least '}${expected}`,
      );
    }
  }

  /** The GPU copy of `similarities`: the cached one if it is the same array, else a fresh upload. */
  private simsBuffer(similarities: Float32Array): GPUBuffer {
    if (this.sims?.array === similarities) return this.sims.buffer;
    const buffer = this.device.createBuffer({
      size: Math.max(4, similarities.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(
      buffer,
      0,
      similarities.buffer,
      similarities.byteOffset,
      similarities.byteLength,
    );
    this.keepSimilarities(similarities, buffer);
    return buffer;
  }

  private keepSimilarities(array: Float32Array, buffer: GPUBuffer): void {
    this.sims?.buffer.destroy();
    this.sims = { array, buffer };
  }

  /** Runs calls one at a time, so cached buffers are never replaced under a running call. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function emptyResult(tau: number): MergeResult {
  return {
    tau,
    segments: 0,
    lengths: new Uint32Array(0),
    semanticMean: new Float32Array(0),
    acousticMean: new Float32Array(0),
  };
}
