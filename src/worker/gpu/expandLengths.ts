/** Decoder-side expansion of segment lengths to per-frame inputs on the GPU: shaders/expand_lengths.wgsl. */
import { Scratch, bindBuffers, dispatchItems, submitAndRead } from './dispatch.ts';
import type { GpuPrefixScan } from './prefixScan.ts';
import { WGSL } from './shaders.ts';

/** frame_segment and frame_position of decoder.onnx, on the CPU. */
export interface ExpandedLengths {
  frameSegment: Int32Array;
  framePosition: Float32Array;
}

/** frame_segment (int32) and frame_position (float32) as GPU buffers of `frames` values each. */
export interface ExpandedLengthBuffers {
  frames: number;
  frameSegment: GPUBuffer;
  framePosition: GPUBuffer;
}

/** Segment lengths beyond this total are refused (2^31 - 1 frames is ~5 years of audio at 12.5 Hz). */
const MAX_TOTAL_FRAMES = 2 ** 31 - 1;

/** The expansion pipeline, built once per device; the prefix scan is shared with GpuMerger. */
export class GpuLengthExpander {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(device: GPUDevice): Promise<GpuLengthExpander> {
    const module = device.createShaderModule({ label: 'expand_lengths.wgsl', code: WGSL.expandLengths });
    const pipeline = await device.createComputePipelineAsync({
      label: 'expand_lengths.main',
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    return new GpuLengthExpander(device, pipeline);
  }

  /** Expands on the GPU and reads both arrays back. */
  async expand(lengths: ArrayLike<number>, scan: GpuPrefixScan): Promise<ExpandedLengths> {
    const out = await this.expandToBuffers(lengths, scan);
    try {
      const encoder = this.device.createCommandEncoder({ label: 'expand lengths: read' });
      const [segmentBytes, positionBytes] = await submitAndRead(this.device, encoder, [
        { buffer: out.frameSegment, bytes: out.frames * 4 },
        { buffer: out.framePosition, bytes: out.frames * 4 },
      ]);
      return { frameSegment: new Int32Array(segmentBytes), framePosition: new Float32Array(positionBytes) };
    } finally {
      out.frameSegment.destroy();
      out.framePosition.destroy();
    }
  }

  /** Uploads `lengths`, scans them (segment ends) and expands; the caller owns the returned buffers. */
  async expandToBuffers(lengths: ArrayLike<number>, scan: GpuPrefixScan): Promise<ExpandedLengthBuffers> {
    const segments = lengths.length;
    const lengthWords = new Uint32Array(segments);
    let frames = 0;
    for (let k = 0; k < segments; k++) {
      const n = lengths[k];
      if (!Number.isInteger(n) || n < 0) throw new Error(`expandLengths: length ${n} at segment ${k}`);
      lengthWords[k] = n;
      frames += n;
    }
    if (frames > MAX_TOTAL_FRAMES) throw new Error(`expandLengths: ${frames} frames is too many`);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const frameSegment = this.device.createBuffer({ size: Math.max(4, frames * 4), usage });
    const framePosition = this.device.createBuffer({ size: Math.max(4, frames * 4), usage });
    if (frames === 0) return { frames, frameSegment, framePosition };
    const scratch = new Scratch(this.device);
    try {
      const lengthBuffer = scratch.upload(lengthWords);
      const ends = scratch.upload(lengthWords);
      const encoder = this.device.createCommandEncoder({ label: 'expand lengths' });
      const pass = encoder.beginComputePass();
      scan.encode(pass, ends, segments, 'sum', scratch);
      pass.setPipeline(this.pipeline);
      const params = scratch.uniform(Uint32Array.of(segments, frames));
      pass.setBindGroup(
        0,
        bindBuffers(this.device, this.pipeline, {
          0: lengthBuffer,
          1: ends,
          2: frameSegment,
          3: framePosition,
          4: params,
        }),
      );
      dispatchItems(pass, frames);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      // Scratch buffers may only go once the GPU is done with them.
      await this.device.queue.onSubmittedWorkDone();
      return { frames, frameSegment, framePosition };
    } catch (e) {
      frameSegment.destroy();
      framePosition.destroy();
      throw e;
    } finally {
      scratch.destroy();
    }
  }
}
