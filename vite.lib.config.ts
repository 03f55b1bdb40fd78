/**
 * Second build: dist/lib/flexi-codec.js, one ES module that defines <flexi-codec> in any page.
 * It runs after the app build (same outDir, not emptied): the worker and ORT's wasm land in
 * dist/assets/ under the same content-hashed names as the app's, so they are stored once, and
 * every URL in the module is relative to the module itself (import.meta.url), so the folder can
 * be served from any path. Also copies examples/embed.html, which loads the module by script tag.
 */
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import appConfig from './vite.config.ts';

/** Emits examples/embed.html as a static file: a page that uses the built module as a stranger would. */
function copyEmbedExample(): Plugin {
  return {
    name: 'flexi:copy-embed-example',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'examples/embed.html',
        source: readFileSync('examples/embed.html', 'utf8'),
      });
    },
  };
}

export default defineConfig({
  worker: appConfig.worker,
  optimizeDeps: appConfig.optimizeDeps,
  publicDir: false,
  plugins: [copyEmbedExample()],
  experimental: {
    // Worker, worklet and wasm URLs resolve against the module's own URL, wherever it is served.
    renderBuiltUrl: () => ({ relative: true }),
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: false,
    copyPublicDir: false,
    rolldownOptions: {
      input: { 'flexi-codec': 'src/component/index.ts' },
      preserveEntrySignatures: 'exports-only',
      output: {
        format: 'es',
        entryFileNames: 'lib/[name].js',
        // One file: nothing the element needs on the page is split into a second chunk.
        codeSplitting: false,
      },
    },
  },
});
