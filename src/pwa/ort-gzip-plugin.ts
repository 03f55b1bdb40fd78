/**
 * Vite build plugin (read by vite.config.ts, not shipped): writes a gzip copy beside each of
 * onnxruntime-web's wasm builds in the output (`assets/ort-wasm-simd-threaded…wasm.gzip`).
 * The service worker downloads, stores and serves that copy (ort-cache.ts): 6.6 MB for the WebGPU
 * build's 26.8 MB, 3.7 MB for the plain WASM build's 14.2 MB.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';
import { GZIP_SUFFIX, ORT_WASM_PATH } from './ort-cache.ts';

/** Writes `<file>.gzip` for every ORT wasm build under the output's assets folder. */
export function ortGzipPlugin(): Plugin {
  let outDir = 'dist';
  let assetsDir = 'assets';
  return {
    name: 'flexicodec:ort-wasm-gzip',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      assetsDir = config.build.assetsDir;
    },
    // After the bundle is written: the worker's own assets (the wasm builds) are in it by then.
    // Level 9: a few seconds of build for 70 kB less on every device; both builds at once.
    async writeBundle() {
      const dir = join(outDir, assetsDir);
      const builds = (await readdir(dir)).filter((name) => ORT_WASM_PATH.test(`/assets/${name}`));
      await Promise.all(
        builds.map(async (name) => {
          const bytes = await readFile(join(dir, name));
          const level = constants.Z_BEST_COMPRESSION;
          await writeFile(join(dir, name + GZIP_SUFFIX), await promisify(gzip)(bytes, { level }));
        }),
      );
    },
  };
}
