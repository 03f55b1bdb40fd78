/**
 * Download cost: each model file and each file of the built demo page, raw and gzip-compressed
 * (level 9, what a static host serving pre-compressed files sends). Brotli at quality 11 took
 * minutes on the 40 MB of wasm here, so it is left out.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decoderOutput, encoderReadsFeatures, parseManifest } from '../src/core/manifest.ts';

/** One file's size, raw and gzipped. */
export interface FileSize {
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

/** The vocoder files models.json's `vocoder` section names (paths relative to the models folder). */
export interface VocoderSizes {
  /** Whether this model runs the vocoder (its encoder reads vocoder features or its decoder predicts them). */
  needed: boolean;
  /** The WebAssembly module engines with WASM SIMD fetch (all current browsers, Node 16.4+). */
  simd: FileSize;
  /** The module engines without WASM SIMD fetch instead. */
  scalar: FileSize;
  /** PitchDNN + FARGAN weights, fetched by both. */
  weights: FileSize;
}

/** The models, and what the built demo page fetches besides them. */
export interface SizesResult {
  modelId: string;
  /** models.json and the ONNX files (encoder, asr where the set has one, quantizer, decoder). */
  models: FileSize[];
  /** The vocoder's files, where models.json has a `vocoder` section. */
  vocoder?: VocoderSizes;
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

/** Sizes of public/models (per models.json, its vocoder included) and of `buildDir`'s index.html and assets/. */
export function measureSizes(modelsDir: string, buildDir: string): SizesResult {
  const manifest = parseManifest(JSON.parse(readFileSync(join(modelsDir, 'models.json'), 'utf8')));
  const models = [
    sizeOf(join(modelsDir, 'models.json'), 'models.json'),
    ...(['encoder', 'asr', 'quantizer', 'decoder'] as const).flatMap((role) => {
      const file = manifest.models[role]?.file;
      return file ? [sizeOf(join(modelsDir, file), file)] : [];
    }),
  ];
  const v = manifest.vocoder;
  const vocoderFile = (file: string) =>
    sizeOf(join(modelsDir, file), relative(dirname(modelsDir), join(modelsDir, file)));
  const vocoder: VocoderSizes | undefined = v && {
    needed:
      decoderOutput(manifest.models.decoder) === 'features' ||
      (manifest.models.encoder !== undefined && encoderReadsFeatures(manifest)),
    simd: vocoderFile(v.wasm.simd.file),
    scalar: vocoderFile(v.wasm.scalar.file),
    weights: vocoderFile(v.weights.file),
  };
  const app = [join(buildDir, 'index.html'), ...filesUnder(join(buildDir, 'assets'))].map((p) =>
    sizeOf(p, relative(buildDir, p)),
  );
  return { modelId: manifest.modelId, models, ...(vocoder ? { vocoder } : {}), app };
}
