/**
 * FlexiCodec for Node: the library API on onnxruntime-node with the models shipped in the
 * package (`public/models/`), plus streaming file helpers used by the CLI.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Codec, type EncodeOptions, type EncodeResult } from '../core/codec.ts';
import { ModelDecoders } from '../core/model-archive.ts';
import { defaultDecodePlan, type DecodePlan } from '../core/chunking.ts';
import { resample } from '../core/resample.ts';
import { TwinMerger } from '../core/twin-merger.ts';
import type { WavInfo, WavOutputType } from '../core/wav.ts';
import { archiveDecoders } from './decoders.ts';
import { OrtNodeBackend, loadManifest, type OrtLoadOptions } from './ort-backend.ts';
import { loadVocoderFiles, requireVocoderSection } from './vocoder.ts';
import type { Vocoder } from '../vocoder/vocoder.ts';
import type { VocoderLoadOptions } from '../vocoder/load.ts';
import { WavFileWriter, openWavFile } from './wav-file.ts';

export * from '../index.ts';
export { OrtNodeBackend, loadManifest, type OrtLoadOptions } from './ort-backend.ts';
export { WavFileWriter, openWavFile, type WavFileSource } from './wav-file.ts';
export { loadVocoderFiles, vocodeFile } from './vocoder.ts';
export {
  archiveDecoders,
  loadArchiveIndexFile,
  loadArchivedCodec,
  loadArchivedManifest,
} from './decoders.ts';

/**
 * The models folder shipped with the package. Both src/node/ and the bundles in dist/* sit two
 * levels below the package root, so one relative path serves the checkout and an installed tarball.
 */
export function defaultModelsDir(): string {
  return fileURLToPath(new URL('../../public/models/', import.meta.url));
}

/** Where to load models from, and how many threads onnxruntime may use. */
export interface LoadCodecOptions extends OrtLoadOptions {
  /** Folder with models.json and the ONNX files; default: the package's public/models. */
  modelsDir?: string;
}

/** Loads the models and returns a Codec on onnxruntime-node and the TypeScript merge twin. */
export async function loadCodec(options: LoadCodecOptions = {}): Promise<Codec> {
  const backend = await OrtNodeBackend.load(options.modelsDir ?? defaultModelsDir(), options);
  const m = backend.manifest;
  return new Codec(m, backend, TwinMerger.for(m));
}

/**
 * The vocoder of a models folder's models.json (libopus FARGAN and LPCNet analysis in WebAssembly):
 * `analyse`, `synthesize`, `resynthesize`. Release it when done.
 */
export async function loadNodeVocoder(
  modelsDir = defaultModelsDir(),
  options: VocoderLoadOptions = {},
): Promise<Vocoder> {
  return loadVocoderFiles(
    requireVocoderSection(await loadManifest(modelsDir), modelsDir),
    modelsDir,
    options,
  );
}

/**
 * The current model of a models folder and, on demand, the archived decoders of the models
 * shipped before it (`archive/`), so files made with those still decode.
 */
export async function loadDecoders(options: LoadCodecOptions = {}): Promise<ModelDecoders<Codec>> {
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  return archiveDecoders(await loadCodec({ ...options, modelsDir }), modelsDir, options);
}

const shared = new Map<string, Promise<ModelDecoders<Codec>>>();

function sharedDecoders(modelsDir = defaultModelsDir()): Promise<ModelDecoders<Codec>> {
  let decoders = shared.get(modelsDir);
  if (!decoders) {
    decoders = loadDecoders({ modelsDir });
    decoders.catch(() => shared.delete(modelsDir));
    shared.set(modelsDir, decoders);
  }
  return decoders;
}

async function sharedCodec(modelsDir?: string): Promise<Codec> {
  return (await sharedDecoders(modelsDir)).current;
}

/** Options of the one-call `encode`. */
export interface NodeEncodeOptions extends EncodeOptions {
  /** Rate of `audio`; resampled to the model's rate (16 kHz) when different. Default 16000. */
  sampleRateHz?: number;
  modelsDir?: string;
}

/** Encodes mono audio with the package's models (loaded once per models folder). */
export async function encode(audio: Float32Array, options: NodeEncodeOptions): Promise<EncodeResult> {
  const codec = await sharedCodec(options.modelsDir);
  const rate = options.sampleRateHz ?? codec.manifest.sampleRateHz;
  const audio16k =
    rate === codec.manifest.sampleRateHz ? audio : resample(audio, rate, codec.manifest.sampleRateHz);
  return codec.encode(audio16k, options);
}

/**
 * Decodes a .fxc file to 16 kHz mono audio with the package's models: the current one, or the
 * archived decoder of the earlier model the file names (ModelUnavailableError when neither).
 */
export async function decode(fxc: Uint8Array, options: { modelsDir?: string } = {}): Promise<Float32Array> {
  const decoders = await sharedDecoders(options.modelsDir);
  return (await decoders.forFile(fxc)).decode(fxc);
}

/** Encodes a WAV file (any rate, channels, sample format) to a .fxc file, streaming the audio. */
export async function encodeFile(
  codec: Codec,
  wavPath: string,
  fxcPath: string,
  options: EncodeOptions,
): Promise<EncodeResult & { input: WavInfo }> {
  const source = openWavFile(wavPath, codec.manifest.sampleRateHz);
  const result = await codec.encodeStream(source.chunks(), source.sampleCount, options);
  writeFileSync(fxcPath, result.fxc);
  return { ...result, input: source.info };
}

/** Options of `decodeFile`. */
export interface DecodeFileOptions {
  /** Sample encoding of the output WAV; default 16-bit PCM. */
  sampleType?: WavOutputType;
  plan?: DecodePlan;
  onProgress?: (doneSamples: number, totalSamples: number) => void;
}

/**
 * Decodes a .fxc file to a 16 kHz mono WAV file, streaming the audio window by window. Given
 * `ModelDecoders`, a file of an earlier model is decoded by that model's archived decoder.
 */
export async function decodeFile(
  decoders: Codec | ModelDecoders<Codec>,
  fxcPath: string,
  wavPath: string,
  options: DecodeFileOptions = {},
): Promise<{ sampleCount: number; fxcBytes: number; modelId: string }> {
  const bytes = new Uint8Array(await readFile(fxcPath));
  // Both throw (FxcFormatError, ModelUnavailableError) before any file is written.
  const codec = decoders instanceof ModelDecoders ? await decoders.forFile(bytes) : decoders;
  const file = codec.parse(bytes);
  const total = file.header.sampleCount;
  const writer = new WavFileWriter(wavPath, total, codec.manifest.sampleRateHz, options.sampleType);
  let done = 0;
  try {
    for await (const piece of codec.decodeStream(file, options.plan ?? defaultDecodePlan(codec.manifest))) {
      writer.write(piece);
      done += piece.length;
      options.onProgress?.(done, total);
    }
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.close();
  return { sampleCount: total, fxcBytes: bytes.length, modelId: codec.manifest.modelId };
}
