/** Small WebGPU helpers shared by the merge kernels: dispatch grids, buffers, read-back. */

/** Invocations per workgroup in every 1-D kernel (shaders/*.wgsl WORKGROUP_SIZE). */
export const WORKGROUP_SIZE = 256;
/** Values one prefix-scan workgroup scans (shaders/prefix_scan.wgsl BLOCK_ITEMS). */
export const SCAN_BLOCK_ITEMS = 1024;
/** WebGPU's guaranteed maximum of workgroups in one dispatch dimension. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Folds a workgroup count into (x, y) so long inputs fit the per-dimension limit; kernels unfold it. */
export function workgroupGrid(workgroups: number): [number, number] {
  if (workgroups <= MAX_WORKGROUPS_PER_DIMENSION) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(workgroups / y), y];
}

/** Dispatches enough WORKGROUP_SIZE workgroups for `invocations` invocations (one per item). */
export function dispatchItems(pass: GPUComputePassEncoder, invocations: number): void {
  pass.dispatchWorkgroups(...workgroupGrid(Math.ceil(invocations / WORKGROUP_SIZE)));
}

/** The largest float32 ≤ x, so a float32 `sim ≤ τ` on the GPU equals the float64 comparison in the twin. */
export function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  if (!(f > x)) return f; // exact, rounded down, or NaN
  const bits = new Float32Array([f]);
  const asInt = new Int32Array(bits.buffer);
  asInt[0] += f > 0 ? -1 : 1; // one float32 step towards -∞
  return bits[0];
}

/**
 * Buffers that live for one operation (parameters, intermediates, staging), destroyed together
 * once its read-back has resolved.
 */
export class Scratch {
  private readonly buffers: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** A storage buffer of at least 4 bytes (WebGPU rejects empty bindings). */
  storage(bytes: number, extraUsage = 0): GPUBuffer {
    return this.track(
      this.device.createBuffer({
        size: Math.max(4, align4(bytes)),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
      }),
    );
  }

  /** A uniform buffer holding `words` (u32 or f32 bit patterns), padded to 16 bytes. */
  uniform(words: Uint32Array | Float32Array): GPUBuffer {
    const buffer = this.device.createBuffer({
      size: Math.max(16, Math.ceil(words.byteLength / 16) * 16),
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(
      new Uint8Array(words.buffer, words.byteOffset, words.byteLength),
    );
    buffer.unmap();
    return this.track(buffer);
  }

  /** A storage buffer initialised from `data`. */
  upload(data: Float32Array | Uint32Array): GPUBuffer {
    const buffer = this.storage(data.byteLength);
    if (data.byteLength > 0)
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  track(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}

/** One region to read back: `bytes` bytes of `buffer` from `offset`. */
export interface ReadRegion {
  buffer: GPUBuffer;
  offset?: number;
  bytes: number;
}

/**
 * Copies the regions into one staging buffer at the end of `encoder`, submits it, and resolves
 * with one ArrayBuffer per region.
 */
export async function submitAndRead(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  regions: ReadRegion[],
): Promise<ArrayBuffer[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const r of regions) {
    offsets.push(total);
    total += align4(r.bytes);
  }
  const staging = device.createBuffer({
    size: Math.max(4, total),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  regions.forEach((r, i) => {
    if (r.bytes > 0)
      encoder.copyBufferToBuffer(r.buffer, r.offset ?? 0, staging, offsets[i], align4(r.bytes));
  });
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    const mapped = staging.getMappedRange();
    return regions.map((r, i) => mapped.slice(offsets[i], offsets[i] + r.bytes));
  } finally {
    staging.destroy();
  }
}

/** Rounds a byte count up to WebGPU's copy alignment of 4. */
export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

/** The leading `bytes` bytes of a buffer, for bindings narrower than the buffer. */
export interface BufferSlice {
  buffer: GPUBuffer;
  bytes: number;
}

/** A bind group of buffers (whole, or a leading slice) at the given bindings of `pipeline`'s group 0. */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  entries: Record<number, GPUBuffer | BufferSlice>,
): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: Object.entries(entries).map(([binding, b]) => ({
      binding: Number(binding),
      resource: 'buffer' in b ? { buffer: b.buffer, size: Math.max(4, align4(b.bytes)) } : { buffer: b },
    })),
  });
}
