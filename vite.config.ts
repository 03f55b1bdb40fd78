import { defineConfig } from 'vite';

// The worker and ORT's wasm files are ES modules; headers enable SharedArrayBuffer
// (multi-threaded WASM) on the dev server and in preview.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022' },
});
