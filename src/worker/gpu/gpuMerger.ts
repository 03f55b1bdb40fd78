/**
 * Merger on WebGPU: the WGSL kernels of shaders/ behind the same interface as the TS twin.
 * Build it once on the device ORT uses (`await ort.env.webgpu.device`) so encoder outputs can
 * be passed as GPUBuffers and never leave the GPU; only similarities, lengths and means are read.
 */
import type { MergeResult, Merger } from '../../core/types.ts';
import { Scratch, submitAndRead } from './dispatch.ts';
import { GpuLengthExpander, type ExpandedLengthBuffers, type ExpandedLengths } from './expandLengths.ts';
import { MergeKernels } from './mergeKernels.ts';
import { GpuPrefixScan } from './prefixScan.ts';
import { Residency, type MergerFeatures } from './residency.ts';
import { SpreadCostKernel } from './spreadCostKernel.ts';

export type { GpuEncodedFeatures, MergerFeatures } from './residency.ts';

/** Model constants the kernels need, from models.json. */
export interface GpuMergerOptions {
  semanticDim: number;
  acousticDim: number;
  maxSegmentFrames: number;
  /**
   * Whether a merge pools the segments (means and trends of both streams; default true). False for a
   * model whose quantizer pools the frames itself (formatVersion 3): only the segments are found, and
   * the acoustic stream never goes to the GPU.
   */
  poolSegments?: boolean;
}

/**
 * A merge whose means stay on the GPU (e.g. for a WebGPU quantizer session); the caller destroys
 * them. Without `poolSegments` the four buffers are placeholders (no segment pooled).
 */
export interface GpuMergeResult {
  tau: number;
  segments: number;
  lengths: Uint32Array;
  /** float32 [segments, semanticDim] and [segments, acousticDim]. */
  semanticMean: GPUBuffer;
  acousticMean: GPUBuffer;
  /** The segment trends, same layouts (segmentMean with pooling 1, shaders/segment_mean.wgsl). */
  semanticTrend: GPUBuffer;
  acousticTrend: GPUBuffer;
}

/** The four pooled tensors of a merge, in the order they are computed and read back. */
const POOLED = ['semanticMean', 'acousticMean', 'semanticTrend', 'acousticTrend'] as const;

const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/**
 * The GPU twin of src/core/merge.ts; one instance per device; calls run one at a time.
 * Treat the similarities it returns as read-only: merge() reuses their GPU copy.
 */
export class GpuMerger implements Merger {
  private readonly residency: Residency;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly device: GPUDevice,
    private readonly options: GpuMergerOptions,
    private readonly kernels: MergeKernels,
    private readonly scan: GpuPrefixScan,
    private readonly expander: GpuLengthExpander,
    private readonly spread: SpreadCostKernel,
  ) {
    this.residency = new Residency(device, options.semanticDim, options.acousticDim);
  }

  /** Compiles every pipeline once on `device`. */
  static async create(device: GPUDevice, options: GpuMergerOptions): Promise<GpuMerger> {
    const scan = await GpuPrefixScan.create(device);
    const [kernels, expander, spread] = await Promise.all([
      MergeKernels.create(device, scan),
      GpuLengthExpander.create(device),
      SpreadCostKernel.create(device),
    ]);
    return new GpuMerger(device, options, kernels, scan, expander, spread);
  }

  /** sim[t] = cos(semantic[t-1], semantic[t]), sim[0] = -1; the GPU copy is kept for merge(). */
  similarities(features: MergerFeatures): Promise<Float32Array> {
    return this.serial(async () => {
      const feats = this.residency.featureBuffers(features);
      const frames = feats.frames;
      const sims = this.device.createBuffer({ size: Math.max(4, frames * 4), usage: STORAGE_USAGE });
      const scratch = new Scratch(this.device);
      try {
        const encoder = this.device.createCommandEncoder({ label: 'similarities' });
        if (frames > 0) {
          const pass = encoder.beginComputePass();
          this.kernels.encodeSimilarities(
            pass,
            feats.semantic,
            sims,
            frames,
            this.options.semanticDim,
            scratch,
          );
          pass.end();
        }
        const [bytes] = await submitAndRead(this.device, encoder, [{ buffer: sims, bytes: frames * 4 }]);
        const array = new Float32Array(bytes);
        this.residency.keepSimilarities(array, sims);
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
          const sims = this.residency.simsBuffer(similarities);
          this.kernels.encodeBoundaries(
            pass,
            sims,
            frames,
            tau,
            this.options.maxSegmentFrames,
            flags,
            scratch,
          );
          pass.end();
        }
        const [bytes] = await submitAndRead(this.device, encoder, [{ buffer: flags, bytes: frames * 4 }]);
        return new Uint32Array(bytes);
      } finally {
        scratch.destroy();
      }
    });
  }

  /** Segments for τ: lengths, per-segment means and trends of both streams, read back (docs/MODELS.md, steps 2-4). */
  merge(features: MergerFeatures, similarities: Float32Array, tau: number): Promise<MergeResult> {
    return this.serial(async () => {
      const onGpu = await this.mergeOnGpu(features, similarities, tau);
      try {
        const encoder = this.device.createCommandEncoder({ label: 'merge: read means' });
        const pooled = this.pools ? onGpu.segments : 0;
        const bytes = await submitAndRead(
          this.device,
          encoder,
          POOLED.map((name) => ({ buffer: onGpu[name], bytes: pooled * this.dimOf(name) * 4 })),
        );
        const [semanticMean, acousticMean, semanticTrend, acousticTrend] = bytes.map(
          (b) => new Float32Array(b),
        );
        const { segments, lengths } = onGpu;
        return { tau, segments, lengths, semanticMean, acousticMean, semanticTrend, acousticTrend };
      } finally {
        for (const name of POOLED) onGpu[name].destroy();
      }
    });
  }

  /** As merge(), but the means stay on the GPU: only K and the lengths are read back. */
  mergeToBuffers(features: MergerFeatures, similarities: Float32Array, tau: number): Promise<GpuMergeResult> {
    return this.serial(() => this.mergeOnGpu(features, similarities, tau));
  }

  /**
   * The spread layout's costs [frames · maxSegmentFrames] of the semantic stream, float32, read back;
   * the kernel's INVALID_COST entries (segments starting before frame 0) become +Infinity, as the twin's.
   */
  spreadCosts(features: MergerFeatures): Promise<Float32Array> {
    return this.serial(async () => {
      const { semanticDim, maxSegmentFrames: maxLen } = this.options;
      const feats = this.residency.featureBuffers(features);
      const frames = feats.frames;
      const scratch = new Scratch(this.device);
      try {
        const costs = scratch.storage(frames * maxLen * 4);
        const encoder = this.device.createCommandEncoder({ label: 'spread costs' });
        if (frames > 0) {
          const pass = encoder.beginComputePass();
          this.spread.encode(pass, feats.semantic, costs, frames, semanticDim, maxLen, scratch);
          pass.end();
        }
        const [bytes] = await submitAndRead(this.device, encoder, [
          { buffer: costs, bytes: frames * maxLen * 4 },
        ]);
        const out = new Float32Array(bytes);
        for (let e = 0; e < Math.min(frames, maxLen - 1); e++)
          out.fill(Infinity, e * maxLen + e + 1, (e + 1) * maxLen);
        return out;
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

  /** Frees the kept feature uploads and similarities (never buffers the caller passed in). */
  destroy(): void {
    this.residency.destroy();
  }

  /** Pass 1: segments, read back K; pass 2: means into new buffers, read back the lengths. */
  private async mergeOnGpu(
    features: MergerFeatures,
    similarities: Float32Array,
    tau: number,
  ): Promise<GpuMergeResult> {
    const { semanticDim, acousticDim, maxSegmentFrames } = this.options;
    const feats = this.residency.featureBuffers(features);
    const frames = feats.frames;
    if (similarities.length !== frames) {
      throw new Error(`merge: ${similarities.length} similarities for ${frames} frames`);
    }
    const pooledBuffers = (segments: number) => {
      const entries = POOLED.map((name) => [
        name,
        this.device.createBuffer({
          size: Math.max(4, segments * this.dimOf(name) * 4),
          usage: STORAGE_USAGE,
        }),
      ]);
      return Object.fromEntries(entries) as Record<(typeof POOLED)[number], GPUBuffer>;
    };
    if (frames === 0) return { tau, segments: 0, lengths: new Uint32Array(0), ...pooledBuffers(0) };
    const scratch = new Scratch(this.device);
    let owned: Record<(typeof POOLED)[number], GPUBuffer> | undefined;
    try {
      let encoder = this.device.createCommandEncoder({ label: 'merge: segments' });
      const sims = this.residency.simsBuffer(similarities);
      const seg = this.kernels.encodeSegments(encoder, sims, frames, tau, maxSegmentFrames, scratch);
      const [countBytes] = await submitAndRead(this.device, encoder, [
        { buffer: seg.counts, offset: (frames - 1) * 4, bytes: 4 },
      ]);
      const segments = new Uint32Array(countBytes)[0];
      const out = (owned = pooledBuffers(this.pools ? segments : 0));
      encoder = this.device.createCommandEncoder({ label: this.pools ? 'merge: means' : 'merge: lengths' });
      if (this.pools) {
        const pass = encoder.beginComputePass();
        const k = this.kernels;
        const acoustic = feats.acoustic();
        k.encodeMeans(pass, seg, feats.semantic, out.semanticMean, frames, segments, semanticDim, scratch);
        k.encodeMeans(pass, seg, acoustic, out.acousticMean, frames, segments, acousticDim, scratch);
        k.encodeMeans(
          pass,
          seg,
          feats.semantic,
          out.semanticTrend,
          frames,
          segments,
          semanticDim,
          scratch,
          'trend',
        );
        k.encodeMeans(
          pass,
          seg,
          acoustic,
          out.acousticTrend,
          frames,
          segments,
          acousticDim,
          scratch,
          'trend',
        );
        pass.end();
      }
      const [lengthBytes] = await submitAndRead(this.device, encoder, [
        { buffer: seg.lengths, bytes: segments * 4 },
      ]);
      return { tau, segments, lengths: new Uint32Array(lengthBytes), ...out };
    } catch (e) {
      if (owned) for (const b of Object.values(owned)) b.destroy();
      throw e;
    } finally {
      scratch.destroy();
    }
  }

  /** Whether merges pool the segments (GpuMergerOptions.poolSegments). */
  private get pools(): boolean {
    return this.options.poolSegments ?? true;
  }

  /** Channels of a pooled tensor: the semantic or the acoustic stream's. */
  private dimOf(name: (typeof POOLED)[number]): number {
    return name.startsWith('semantic') ? this.options.semanticDim : this.options.acousticDim;
  }

  /** Runs calls one at a time, so kept buffers are never replaced under a running call. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
