/**
 * Which of onnxruntime-web's wasm builds a codec needs offline, and keeping exactly those in the
 * service worker's ORT cache (ort-cache.ts). The mapping follows src/worker/ort-env.ts (loadOrt)
 * and codec.worker.ts (createCodec): WebGPU runs the asyncify build and falls back to the plain
 * WASM build when its session fails to start; WASM runs the plain build and has no fallback.
 */
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { BackendName } from '../worker/protocol';
import { gzipUrl, ORT_CACHE_NAME } from './ort-cache';

/** The ORT wasm build each backend's ORT module loads (as ort-env.ts's loadOrt). */
export const ORT_WASM_URL: Record<BackendName, string> = { webgpu: asyncifyWasmUrl, wasm: plainWasmUrl };

/** The backends whose builds a codec on `backend` may load: the one it runs, then its fallback. */
export function ortBackendsFor(backend: BackendName): BackendName[] {
  return backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
}

/** Absolute URLs of the wasm builds a codec on `backend` needs offline. */
export function ortBuildsFor(backend: BackendName, base = location.href): string[] {
  return ortBackendsFor(backend).map((b) => new URL(ORT_WASM_URL[b], base).href);
}

/**
 * Makes sure the ORT cache holds, compressed, the builds a codec on `backend` needs (fetching
 * those the service worker has not stored yet), and drops builds of other onnxruntime-web
 * versions. Rejects when a needed build can be neither found nor fetched (offline).
 */
export async function keepOrtBuilds(backend: BackendName): Promise<void> {
  const cache = await caches.open(ORT_CACHE_NAME);
  for (const url of ortBuildsFor(backend).map(gzipUrl)) {
    if (await cache.match(url)) continue;
    try {
      await cache.add(url);
    } catch (err) {
      const name = new URL(url).pathname.split('/').pop();
      throw new Error(`${name} is not stored yet and cannot be fetched now (${String(err)})`, { cause: err });
    }
  }
  const current = new Set(Object.values(ORT_WASM_URL).map((u) => gzipUrl(new URL(u, location.href).href)));
  for (const request of await cache.keys()) {
    if (!current.has(request.url)) await cache.delete(request);
  }
}
