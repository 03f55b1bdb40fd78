/**
 * The service worker's route for onnxruntime-web's wasm builds (src/pwa/ort-cache.ts) and the
 * builds a backend needs offline (src/pwa/ort-builds.ts). generateSW writes the route's plugin
 * functions into sw.js as source text, so each is rebuilt here from its text, away from its
 * module, as the service worker gets it.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gzipUrl, ORT_WASM_PATH, ortWasmPlugin } from '../src/pwa/ort-cache.ts';
import { ortBuildsFor } from '../src/pwa/ort-builds.ts';

const BUILD_URL = 'http://127.0.0.1:4173/assets/ort-wasm-simd-threaded.asyncify-D5D0fo7z.wasm';

/** The plugin as sw.js holds it: each function compiled from its own text, in the global scope. */
const standalone = Object.fromEntries(
  Object.entries(ortWasmPlugin).map(([name, fn]) => [name, new Function(`return (${fn.toString()});`)()]),
) as typeof ortWasmPlugin;

afterEach(() => vi.unstubAllGlobals());

describe('ORT wasm route', () => {
  it('matches the wasm builds Vite emits, not their copies, the vocoder or the embeddable module', () => {
    for (const path of [
      '/assets/ort-wasm-simd-threaded-DcHrbrbl.wasm',
      '/assets/ort-wasm-simd-threaded.asyncify-D5D0fo7z.wasm',
    ]) {
      expect(ORT_WASM_PATH.test(`http://h${path}`), path).toBe(true);
    }
    for (const path of [
      '/assets/ort-wasm-simd-threaded-DcHrbrbl.wasm.gzip',
      '/vocoder/fxvocoder.wasm',
      '/lib/ort-wasm-simd-threaded-DcHrbrbl.wasm',
    ]) {
      expect(ORT_WASM_PATH.test(`http://h${path}`), path).toBe(false);
    }
  });

  it('stores and fetches a build under its .gzip copy, as the page looks it up', async () => {
    const request = new Request(`${BUILD_URL}?v=1`);
    expect(await standalone.cacheKeyWillBeUsed({ request })).toBe(`${BUILD_URL}.gzip`);
    expect(gzipUrl(`${BUILD_URL}?v=1#x`)).toBe(`${BUILD_URL}.gzip`);
    const fetched = await standalone.requestWillFetch({ request });
    expect(fetched.url).toBe(`${BUILD_URL}.gzip`);
    expect(fetched.credentials).toBe('same-origin');
  });

  it('answers with the decompressed build as application/wasm', async () => {
    const wasm = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    const response = await standalone.handlerWillRespond({
      request: new Request(BUILD_URL),
      response: new Response(gzipSync(wasm)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(wasm);
  });

  it('serves a copy the server sent already decoded as it is', async () => {
    const wasm = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const response = await standalone.handlerWillRespond({
      request: new Request(BUILD_URL),
      response: new Response(wasm),
    });
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(wasm);
  });

  it('falls back to the plain build from the network where the server has no copy', async () => {
    const plain = new Response('plain build');
    const fetchStub = vi.fn(async () => plain);
    vi.stubGlobal('fetch', fetchStub);
    const request = new Request(BUILD_URL);
    const response = await standalone.handlerWillRespond({
      request,
      response: new Response('', { status: 404 }),
    });
    expect(response).toBe(plain);
    expect(fetchStub).toHaveBeenCalledWith(request);
  });
});

describe('ORT builds a backend needs offline', () => {
  it('WebGPU: its build, then the WASM build it falls back to; WASM: its build alone', () => {
    const base = 'http://127.0.0.1/app.html';
    const [webgpu, fallback] = ortBuildsFor('webgpu', base);
    expect(webgpu).toMatch(/ort-wasm-simd-threaded\.asyncify[^/]*\.wasm$/);
    expect(fallback).toMatch(/ort-wasm-simd-threaded[^/.]*\.wasm$/);
    expect(ortBuildsFor('webgpu', base)).toHaveLength(2);
    expect(ortBuildsFor('wasm', base)).toEqual([fallback]);
  });
});
