/** The spread layout's cost matrix on the GPU (shaders/spread_costs.wgsl): frame norms, then one cost per (frame, length). */
import { Scratch, bindBuffers, dispatchItems } from './dispatch.ts';
import { WGSL } from './shaders.ts';

/** Compiled once per device; `encode` records both passes, GpuMerger submits and reads back. */
export class SpreadCostKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly frameNorms: GPUComputePipeline,
    private readonly spreadCosts: GPUComputePipeline,
  ) {}

  static async create(device: GPUDevice): Promise<SpreadCostKernel> {
    const module = device.createShaderModule({ label: 'spread_costs.wgsl', code: WGSL.spreadCosts });
    const build = (entryPoint: string) =>
      device.createComputePipelineAsync({
        label: `spread_costs.${entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint },
      });
    const [frameNorms, spreadCosts] = await Promise.all([build('frameNorms'), build('spreadCosts')]);
    return new SpreadCostKernel(device, frameNorms, spreadCosts);
  }

  /** costs [frames, maxLen] (float32) of `semantic` [frames, dim] into `costs`. */
  encode(
    pass: GPUComputePassEncoder,
    semantic: GPUBuffer,
    costs: GPUBuffer,
    frames: number,
    dim: number,
    maxLen: number,
    scratch: Scratch,
  ): void {
    const norms = scratch.storage(frames * 4);
    const params = scratch.uniform(Uint32Array.of(frames, dim, maxLen));
    pass.setPipeline(this.frameNorms);
    pass.setBindGroup(0, bindBuffers(this.device, this.frameNorms, { 0: semantic, 1: norms, 3: params }));
    dispatchItems(pass, frames);
    pass.setPipeline(this.spreadCosts);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, this.spreadCosts, { 0: semantic, 1: norms, 2: costs, 3: params }),
    );
    dispatchItems(pass, frames * maxLen);
  }
}
