/**
 * What GpuMerger keeps on the GPU between calls: the last CPU features it uploaded (so a
 * slider move re-merges without uploading again) and the GPU copy of the last similarities.
 */
import type { EncodedFeatures } from '../../core/types.ts';

/** Encoder features already on the GPU (e.g. ORT tensors' gpuBuffer), row-major [frames, dim] float32. */
export interface GpuEncodedFeatures {
  frames: number;
  semantic: GPUBuffer;
  acoustic: GPUBuffer;
}

/** Features on the CPU or on the GPU; GPU buffers must stay alive until the call resolves. */
export type MergerFeatures = EncodedFeatures | GpuEncodedFeatures;

/** Features as the kernels bind them; the acoustic stream is uploaded only when first needed. */
export interface FeatureBuffers {
  frames: number;
  semantic: GPUBuffer;
  acoustic(): GPUBuffer;
}

const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Owns the uploads it makes (never the caller's buffers) and frees them on replacement or destroy(). */
export class Residency {
  private features?: { source: EncodedFeatures; semantic: GPUBuffer; acoustic?: GPUBuffer };
  private sims?: { array: Float32Array; buffer: GPUBuffer };

  constructor(
    private readonly device: GPUDevice,
    private readonly semanticDim: number,
    private readonly acousticDim: number,
  ) {}

  /** GPU features for `features`: the caller's buffers, the cached upload, or a fresh upload. */
  featureBuffers(features: MergerFeatures): FeatureBuffers {
    const { frames, semantic, acoustic } = features;
    if (!Number.isInteger(frames) || frames < 0) throw new Error(`merger: bad frame count ${frames}`);
    const semanticBytes = frames * this.semanticDim * 4;
    const acousticBytes = frames * this.acousticDim * 4;
    if (!(semantic instanceof Float32Array) && !(acoustic instanceof Float32Array)) {
      checkBytes('semantic', semantic.size, semanticBytes, false);
      checkBytes('acoustic', acoustic.size, acousticBytes, false);
      return { frames, semantic, acoustic: () => acoustic };
    }
    if (!(semantic instanceof Float32Array) || !(acoustic instanceof Float32Array)) {
      throw new Error('merger: semantic and acoustic must both be Float32Arrays or both GPUBuffers');
    }
    checkBytes('semantic', semantic.byteLength, semanticBytes, true);
    checkBytes('acoustic', acoustic.byteLength, acousticBytes, true);
    const source = features as EncodedFeatures;
    if (this.features?.source !== source) {
      this.dropFeatures();
      this.features = { source, semantic: this.upload(semantic) };
    }
    const cached = this.features;
    return {
      frames,
      semantic: cached.semantic,
      acoustic: () => (cached.acoustic ??= this.upload(acoustic)),
    };
  }

  /** The GPU copy of `similarities`: the kept one if it is the same array, else a fresh upload. */
  simsBuffer(similarities: Float32Array): GPUBuffer {
    if (this.sims?.array !== similarities) this.keepSimilarities(similarities, this.upload(similarities));
    return this.sims!.buffer;
  }

  /** Remembers that `buffer` holds `array` (read back from it), so merge() need not upload it. */
  keepSimilarities(array: Float32Array, buffer: GPUBuffer): void {
    if (this.sims?.buffer !== buffer) this.sims?.buffer.destroy();
    this.sims = { array, buffer };
  }

  destroy(): void {
    this.dropFeatures();
    this.sims?.buffer.destroy();
    this.sims = undefined;
  }

  private dropFeatures(): void {
    this.features?.semantic.destroy();
    this.features?.acoustic?.destroy();
    this.features = undefined;
  }

  private upload(data: Float32Array): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(4, data.byteLength), usage: STORAGE_USAGE });
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }
}

function checkBytes(name: string, actual: number, expected: number, exact: boolean): void {
  if (exact ? actual !== expected : actual < expected) {
    throw new Error(`merger: ${name} holds ${actual} bytes, expected ${exact ? '' : 'at least '}${expected}`);
  }
}
