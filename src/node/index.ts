/**
 * FlexiCodec for Node: the library API on onnxruntime-node with the models shipped in the
 * package (`public/models/`), plus streaming file helpers used by the CLI.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Codec, type EncodeOptions, type EncodeResult } from '../core/codec.ts';
import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../core/chunking.ts';
import { resample } from '../core/resample.ts';
import { TwinMerger } from '../core/twin-merger.ts';
import type { WavInfo, WavOutputType } from '../core/wav.ts';
import { OrtNodeBackend, type OrtLoadOptions } from './ort-backend.ts';
import { WavFileWriter, openWavFile } from './wav-file.ts';

export * from '../index.ts';
export { OrtNodeBackend, loadManifest, type OrtLoadOptions } from './ort-backend.ts';
export { WavFileWriter, openWavFile, type WavFileSource } from './wav-file.ts';

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
  return new Codec(m, backend, new TwinMerger(m.semanticDim, m.acousticDim, m.maxSegmentFrames));
}

const shared = new Map<string, Promise<Codec>>();

function sharedCodec(modelsDir = defaultModelsDir()): Promise<Codec> {
  let codec = shared.get(modelsDir);
  if (!codec) {
    codec = loadCodec({ modelsDir });
    codec.catch(() => shared.delete(modelsDir));
    shared.set(modelsDir, codec);
  }
  return codec;
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

/** Decodes a .fxc file to 16 kHz mono audio with the package's models. */
export async function decode(fxc: Uint8Array, options: { modelsDir?: string } = {}): Promise<Float32Array> {
  return (await sharedCodec(options.modelsDir)).decode(fxc);
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

/** Decodes a .fxc file to a 16 kHz mono WAV file, streaming the audio window by window. */
export async function decodeFile(
  codec: Codec,
  fxcPath: string,
  wavPath: string,
  options: DecodeFileOptions = {},
): Promise<{ sampleCount: number; fxcBytes: number }> {
  const bytes = new Uint8Array(await readFile(fxcPath));
  const file = codec.parse(bytes); // throws FxcFormatError before any file is written
  const total = file.header.sampleCount;
  const writer = new WavFileWriter(wavPath, total, codec.manifest.sampleRateHz, options.sampleType);
  let done = 0;
  try {
    for await (const piece of codec.decodeStream(file, options.plan ?? DEFAULT_DECODE_PLAN)) {
      writer.write(piece);
      done += piece.length;
      options.onProgress?.(done, total);
    }
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.close();
  return { sampleCount: total, fxcBytes: bytes.length };
}
