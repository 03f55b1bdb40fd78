/**
 * Build-time options of vite-plugin-pwa (read by vite.config.ts, not shipped to the browser):
 * a Workbox service worker that precaches the app shell, the ONNX models and onnxruntime-web's
 * wasm files, so the voice-notes app (app.html) works with no network after one visit.
 */
import type { VitePWAOptions } from 'vite-plugin-pwa';

/** Largest file Workbox will precache: the WebGPU build of ORT's wasm is 27 MB, models grow. */
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
    globPatterns: ['**/*.{html,js,css,wasm,onnx,json,webmanifest,png,svg}'],
    // The embeddable module and its example page are for other sites, not part of the app.
    globIgnores: ['lib/**', 'examples/**'],
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
