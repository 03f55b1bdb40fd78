/**
 * Build-time options of vite-plugin-pwa (read by vite.config.ts, not shipped to the browser):
 * a Workbox service worker that precaches the app shell, the ONNX models and the vocoder, so the
 * voice-notes app (app.html) works with no network after one visit.
 * onnxruntime-web's two wasm builds (WebGPU 26.8 MB, WASM 14.2 MB) are not precached: a device
 * runs one. The service worker keeps, gzip-compressed, the build the codec fetches, and the page
 * adds the one it falls back to (ort-cache.ts, ort-builds.ts).
 * Earlier models' decoders (models/archive/<id>/) are not precached: each costs megabytes and
 * most people have no note that needs it. The app fetches those its library needs while online,
 * and the worker keeps them in a runtime cache that no update clears (docs/PWA.md).
 */
import type { VitePWAOptions } from 'vite-plugin-pwa';
import { ARCHIVE_CACHE_NAME, ARCHIVED_MODEL_PATH } from './archive-cache.ts';
import { ortWasmRuntimeCaching } from './ort-cache.ts';

/** Largest file Workbox will precache: the largest model file, asr.onnx, is 17 MB; models grow. */
const MAX_PRECACHE_FILE_BYTES = 64 * 1024 * 1024;

/** vite-plugin-pwa options for the app. */
export const pwaOptions: Partial<VitePWAOptions> = {
  // The page registers the worker itself (src/pwa/sw-register.ts), only on app.html.
  injectRegister: false,
  registerType: 'autoUpdate',
  // A static public/app.webmanifest, linked from app.html only: the plugin would link its
  // generated manifest into every page, the demo's index.html included.
  manifest: false,
  workbox: {
    // .bin: the vocoder's weights (vocoder/libopus-vocoder.bin); .wasm: its SIMD and scalar builds.
    globPatterns: ['**/*.{html,js,css,wasm,bin,onnx,json,webmanifest,png,svg}'],
    // The embeddable module and its example page are for other sites, not part of the app; the
    // archived decoders and ORT's wasm builds are cached on demand (below). The archive's
    // index.json is precached, so each version of the app knows which earlier models it can
    // still decode, offline too.
    globIgnores: ['lib/**', 'examples/**', 'models/archive/*/**/*', 'assets/ort-wasm-simd-threaded*.wasm'],
    runtimeCaching: [
      ortWasmRuntimeCaching,
      {
        // A model id names fixed bytes (checked by sha256 on load), so a cached copy never goes stale.
        urlPattern: ARCHIVED_MODEL_PATH,
        handler: 'CacheFirst',
        options: { cacheName: ARCHIVE_CACHE_NAME, cacheableResponse: { statuses: [200] } },
      },
    ],
    maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
    // No catch-all fallback: a navigation the cache does not know goes to the network as usual.
    navigateFallback: null,
    // app.html?anything (a launch with a file, a share) is still the precached app.html.
    ignoreURLParametersMatching: [/.*/],
    cleanupOutdatedCaches: true,
    clientsClaim: true,
    skipWaiting: true,
  },
};
