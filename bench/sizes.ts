/**
 * Download cost: each model file and each file of the built demo page, raw and gzip-compressed
 * (level 9, what a static host serving pre-compressed files sends). Brotli at quality 11 took
 * minutes on the 40 MB of wasm here, so it is left out.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseManifest } from '../src/core/manifest.ts';

/** One file's size, raw and gzipped. */
export interface FileSize {
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

/** The models, and what the built demo page fetches besides them. */
export interface SizesResult {
  modelId: string;
  models: FileSize[];
  /** Files of the production build under assets/ plus index.html (models excluded). */
  app: FileSize[];
}

export function sizeOf(path: string, name: string): FileSize {
  const bytes = readFileSync(path);
  return {
    file: name,
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Sizes of public/models (per models.json) and of `buildDir`'s index.html and assets/. */
export function measureSizes(modelsDir: string, buildDir: string): SizesResult {
  const manifest = parseManifest(JSON.parse(readFileSync(join(modelsDir, 'models.json'), 'utf8')));
  const models = [
    sizeOf(join(modelsDir, 'models.json'), 'models.json'),
    ...(['encoder', 'quantizer', 'decoder'] as const).map((role) => {
      const file = manifest.models[role].file;
      return sizeOf(join(modelsDir, file), file);
    }),
  ];
  const app = [join(buildDir, 'index.html'), ...filesUnder(join(buildDir, 'assets'))].map((p) =>
    sizeOf(p, relative(buildDir, p)),
  );
  return { modelId: manifest.modelId, models, app };
}
