/**
 * The vocoder in the worker: the files of models.json's `vocoder` section fetched relative to the
 * models folder (the SIMD build where this engine runs WASM SIMD, else the scalar one), the weights
 * checked by size and sha256 like the models, and the module started (src/vocoder/).
 */
import {
  decoderOutput,
  encoderReadsFeatures,
  type ModelConstants,
  type ModelFileSpec,
} from '../core/manifest';
import type { VocoderSection } from '../core/vocoder-section';
import { loadVocoder, type VocoderLoadOptions } from '../vocoder/load';
import type { Vocoder } from '../vocoder/vocoder';
import { wasmSimdSupported } from '../vocoder/wasm';
import { timed } from './load-timing';
import { fetchOk } from './model-loader';
import type { VocoderInfo } from './protocol';

/** A started vocoder and what loading it took. */
export interface LoadedVocoder {
  vocoder: Vocoder;
  info: VocoderInfo;
}

/** Fetches, checks and starts the vocoder of `section`, its files relative to `modelsUrl`. */
export async function fetchVocoder(
  modelsUrl: string,
  section: VocoderSection,
  options: VocoderLoadOptions = {},
): Promise<LoadedVocoder> {
  const started = performance.now();
  const bytes: Record<string, number> = {};
  const vocoder = await timed('vocoder', () =>
    loadVocoder(
      section,
      async (file) => {
        const data = new Uint8Array(await (await fetchOk(new URL(file, modelsUrl))).arrayBuffer());
        bytes[file] = data.length;
        return data;
      },
      options,
    ),
  );
  return {
    vocoder,
    info: {
      build: vocoder.build,
      simdSupported: wasmSimdSupported(),
      wasmBytes: bytes[section.wasm[vocoder.build].file],
      weightsBytes: bytes[section.weights.file],
      loadMs: performance.now() - started,
    },
  };
}

/**
 * The vocoder a model needs where its decoder predicts vocoder features or its encoder reads them
 * (fetched beside the models, files relative to the models folder), else undefined: a decoder that
 * gives audio and an encoder that reads it never fetch it.
 */
export function modelVocoder(
  modelsUrl: string,
  manifest: ModelConstants & { models: { decoder: ModelFileSpec; encoder?: ModelFileSpec } },
): Promise<Vocoder> | undefined {
  const encoderNeeds = manifest.models.encoder !== undefined && encoderReadsFeatures(manifest);
  if (decoderOutput(manifest.models.decoder) !== 'features' && !encoderNeeds) return undefined;
  const vocoder = fetchVocoder(modelsUrl, manifest.vocoder!).then((l) => l.vocoder);
  vocoder.catch(() => undefined); // reported where the backend awaits it, not as an unhandled rejection
  return vocoder;
}
