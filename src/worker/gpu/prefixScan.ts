/** Multi-level inclusive prefix scan (sum or max) of u32 buffers on the GPU: shaders/prefix_scan.wgsl. */
import { SCAN_BLOCK_ITEMS, Scratch, bindBuffers, workgroupGrid } from './dispatch.ts';
import { WGSL } from './shaders.ts';

/** The scan's operator: 'sum' for segment ids and offsets, 'max' for run starts. */
export type ScanOp = 'sum' | 'max';

interface ScanPipelines {
  scanBlocks: GPUComputePipeline;
  addBlockOffsets: GPUComputePipeline;
}

/** Builds the scan pipelines once per device; `encode` records a scan of any length into a pass. */
export class GpuPrefixScan {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Record<ScanOp, ScanPipelines>,
  ) {}

  static async create(device: GPUDevice): Promise<GpuPrefixScan> {
    const module = device.createShaderModule({ label: 'prefix_scan.wgsl', code: WGSL.prefixScan });
    const build = (entryPoint: string, max: boolean) =>
      device.createComputePipelineAsync({
        label: `prefix_scan.${entryPoint}.${max ? 'max' : 'sum'}`,
        layout: 'auto',
        compute: { module, entryPoint, constants: { SCAN_MAX: max ? 1 : 0 } },
      });
    const [sumScan, sumAdd, maxScan, maxAdd] = await Promise.all([
      build('scanBlocks', false),
      build('addBlockOffsets', false),
      build('scanBlocks', true),
      build('addBlockOffsets', true),
    ]);
    return new GpuPrefixScan(device, {
      sum: { scanBlocks: sumScan, addBlockOffsets: sumAdd },
      max: { scanBlocks: maxScan, addBlockOffsets: maxAdd },
    });
  }

  /**
   * Records an in-place inclusive scan of the first `n` u32 values of `data`. One level per
   * factor of SCAN_BLOCK_ITEMS: scan blocks, scan the block totals (recursively), add them back.
   */
  encode(pass: GPUComputePassEncoder, data: GPUBuffer, n: number, op: ScanOp, scratch: Scratch): void {
    if (n <= 0) return;
    const { scanBlocks, addBlockOffsets } = this.pipelines[op];
    const blocks = Math.ceil(n / SCAN_BLOCK_ITEMS);
    const blockSums = scratch.storage(blocks * 4);
    const params = scratch.uniform(Uint32Array.of(n));
    const entries = { 0: { buffer: data, bytes: n * 4 }, 1: blockSums, 2: params };
    const grid = workgroupGrid(blocks);
    pass.setPipeline(scanBlocks);
    pass.setBindGroup(0, bindBuffers(this.device, scanBlocks, entries));
    pass.dispatchWorkgroups(...grid);
    if (blocks === 1) return;
    this.encode(pass, blockSums, blocks, op, scratch);
    pass.setPipeline(addBlockOffsets);
    pass.setBindGroup(0, bindBuffers(this.device, addBlockOffsets, entries));
    pass.dispatchWorkgroups(...grid);
  }
}
