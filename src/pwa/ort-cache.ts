/**
 * onnxruntime-web's wasm builds in the offline app: not precached (both are 41 MB and a device
 * runs one), but kept, gzip-compressed, in a runtime cache of their own once this device has
 * fetched them. The build writes `<build>.wasm.gzip` beside each (ort-gzip-plugin.ts); the
 * service worker answers a request for the `.wasm` with the stored `.gzip`, fetched on first use,
 * decompressed as it streams (docs/PWA.md). Shared by the build (pwa-options.ts) and the page.
 */
import type { RuntimeCaching } from 'workbox-build';

/** Name of the runtime cache that holds the ORT builds this device runs, gzip-compressed. */
export const ORT_CACHE_NAME = 'flexicodec-ort-wasm';

/** An ORT wasm build as Vite emits it: /assets/ort-wasm-simd-threaded[.asyncify]-<hash>.wasm. */
export const ORT_WASM_PATH = /\/assets\/ort-wasm-simd-threaded[^/]*\.wasm$/;

/**
 * Suffix of the compressed copy the build writes beside each ORT wasm build. Not `.gz`: static
 * servers (sirv, under vite preview; Apache's AddEncoding) send a `.gz` file as
 * Content-Encoding: gzip, so the browser would decode it and the cache hold the whole build.
 */
export const GZIP_SUFFIX = '.gzip';

/** The URL of the compressed copy of an ORT wasm build (the cache key of the build). */
export function gzipUrl(wasmUrl: string): string {
  const url = new URL(wasmUrl);
  return `${url.origin}${url.pathname}${GZIP_SUFFIX}`;
}

/**
 * Workbox plugin of the route below. generateSW writes these functions into sw.js as source
 * text, so each must stand alone: no names from this module, GZIP_SUFFIX spelled out
 * ('.gzip'), checked by test/pwa-ort-cache.test.ts.
 */
export const ortWasmPlugin = {
  /** The build is stored under its `.gzip` URL: what is stored is the compressed copy. */
  cacheKeyWillBeUsed: async ({ request }: { request: Request }): Promise<string> => {
    const url = new URL(request.url);
    return `${url.origin}${url.pathname}.gzip`;
  },
  /** On a cache miss, the compressed copy is what is fetched (and then stored). */
  requestWillFetch: async ({ request }: { request: Request }): Promise<Request> => {
    const url = new URL(request.url);
    return new Request(`${url.origin}${url.pathname}.gzip`, { credentials: 'same-origin' });
  },
  /**
   * What the page's worker gets: the wasm bytes, decompressed as they stream, as application/wasm
   * (WebAssembly.instantiateStreaming needs that type). A body that is not gzip (a server that
   * sent the copy as Content-Encoding: gzip, so the browser decoded it) is served as it is; a
   * server with no copy (a 404) gets the plain build from the network, not stored.
   */
  handlerWillRespond: async ({ request, response }: { request: Request; response: Response }) => {
    if (response.status !== 200) return fetch(request);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    const body = gzipped
      ? new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))
      : new Blob([bytes]).stream();
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/wasm' } });
  },
};

/** The service worker's route for ORT's wasm: cache first (a hashed name names fixed bytes). */
export const ortWasmRuntimeCaching: RuntimeCaching = {
  urlPattern: ORT_WASM_PATH,
  handler: 'CacheFirst',
  options: { cacheName: ORT_CACHE_NAME, plugins: [ortWasmPlugin] },
};
