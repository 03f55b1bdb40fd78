/**
 * onnxruntime-web, loaded by capability and once: the WebGPU build where an adapter exists,
 * else the smaller WASM-only build. Its wasm binary is served by Vite from this origin (no CDN).
 */
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { BackendName } from './protocol';
import { wasmThreadCount } from './wasm-threads';

/** The onnxruntime-web module (both builds share one API). */
export type Ort = typeof import('onnxruntime-web');

const loaded = new Map<BackendName, Promise<Ort>>();

/**
 * Imports the ORT build for `backend`, points it at the locally served wasm binary and sets its
 * WASM thread count (wasm-threads.ts; `threads` asks for another count, as ?threads=N and the benchmark's baseline do).
 * ORT reads the count once, when its first session starts: later calls return the same module.
 */
export function loadOrt(backend: BackendName, threads?: number): Promise<Ort> {
  let ort = loaded.get(backend);
  if (!ort) {
    ort = (async () => {
      // The WebGPU build runs its EP in the asyncify binary (28 MB); WASM alone needs the plain one (14 MB).
      const module: Ort =
        backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
      const wasm = backend === 'webgpu' ? asyncifyWasmUrl : plainWasmUrl;
      module.env.wasm.wasmPaths = { wasm: new URL(wasm, self.location.href).href };
      module.env.wasm.numThreads = wasmThreadCount(
        self.navigator.hardwareConcurrency,
        self.crossOriginIsolated,
        threads,
      );
      module.env.logLevel = 'error';
      return module;
    })();
    loaded.set(backend, ort);
  }
  return ort;
}

/** The execution provider to try first, and why WebGPU is out when it is. */
export async function pickBackend(forceWasm: boolean): Promise<{ backend: BackendName; reason?: string }> {
  if (forceWasm) return { backend: 'wasm', reason: 'WASM requested (?backend=wasm)' };
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { backend: 'wasm', reason: 'this browser has no WebGPU (navigator.gpu missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { backend: 'wasm', reason: 'WebGPU is present but no GPU adapter is available' };
  } catch (err) {
    return { backend: 'wasm', reason: `WebGPU adapter request failed: ${String(err)}` };
  }
  return { backend: 'webgpu' };
}

/** The GPUDevice ORT's WebGPU session runs on, so the merge kernels can share it. */
export async function ortGpuDevice(ort: Ort): Promise<GPUDevice> {
  return (await ort.env.webgpu.device) as GPUDevice;
}
