import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { ortGzipPlugin } from './src/pwa/ort-gzip-plugin.ts';
import { pwaOptions } from './src/pwa/pwa-options.ts';

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
  // The offline voice-notes app (app.html): service worker and precache (src/pwa/pwa-options.ts),
  // and the gzip copies of ORT's wasm builds that it stores (src/pwa/ort-gzip-plugin.ts).
  plugins: [VitePWA(pwaOptions), ortGzipPlugin()],
  build: {
    target: 'es2022',
    // Two pages: the demo (index.html) and the offline app (app.html).
    rolldownOptions: { input: { main: 'index.html', app: 'app.html' } },
  },
});
