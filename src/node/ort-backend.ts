/**
 * InferenceBackend on onnxruntime-node (CPU): loads models.json and its ONNX files (asr.onnx where
 * listed, encoder, quantizer, decoder) from a folder, or an archived model's decode-only
 * models.json and decoder.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  asrFeatureDim,
  decoderOutput,
  encoderReadsFeatures,
  mergeFromAsr,
  parseDecoderManifest,
  parseManifest,
  type DecoderManifest,
  type DecoderOutput,
  type ModelConstants,
  type ModelFileSpec,
  type ModelManifest,
} from '../core/manifest.ts';
import {
  checkCodes,
  checkSessionNames,
  decoderAudio,
  decoderFeatures,
  decoderFeeds,
  encoderFeeds,
  encoderResult,
  quantizerFeeds,
  type Feed,
} from '../core/model-io.ts';
import type {
  DecoderPitch,
  EncodedFeatures,
  EncoderOutput,
  FeatureAnalyser,
  FeatureSynthesizer,
  InferenceBackend,
  MergeResult,
} from '../core/types.ts';
import type { Vocoder } from '../vocoder/vocoder.ts';
import { loadVocoderFiles } from './vocoder.ts';

/** The models of the contract, in load order; asr.onnx only in model sets that list it. */
export const MODEL_ROLES = ['asr', 'encoder', 'quantizer', 'decoder'] as const;
type ModelRole = (typeof MODEL_ROLES)[number];

/** Options of `OrtNodeBackend.load`. */
export interface OrtLoadOptions {
  /** Threads inside one operator; default: onnxruntime's choice (all cores). */
  intraOpThreads?: number;
  /**
   * The folder the `vocoder` section's paths are relative to, for a decoder that predicts vocoder
   * features or an encoder that reads them: default the models folder; an archived model's is the
   * current models folder.
   */
  vocoderDir?: string;
}

/** Reads and validates `DIR/models.json`, with an error that names the folder. */
export async function loadManifest(modelsDir: string): Promise<ModelManifest> {
  return parseManifest(await readManifestJson(modelsDir));
}

/** Reads the JSON of `DIR/models.json`, with errors that name the file. */
async function readManifestJson(modelsDir: string): Promise<unknown> {
  const path = join(modelsDir, 'models.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`no models found: cannot read ${path} (use --models DIR to point at a models folder)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return json;
}

function data<T extends Float32Array | Int32Array>(
  results: ort.InferenceSession.ReturnType,
  name: string,
): T {
  const tensor = results[name];
  if (!tensor) throw new Error(`model output "${name}" missing`);
  const values = tensor.data;
  // Some exporters widen integer outputs to int64; the codes always fit in int32.
  if (values instanceof BigInt64Array) return Int32Array.from(values, (v) => Number(v)) as T;
  return values as T;
}

/**
 * The onnxruntime-node sessions of the three models, behind the core's InferenceBackend; an
 * archived model has its decoder alone, and encoding with it says so.
 */
export class OrtNodeBackend implements InferenceBackend {
  readonly name = 'cpu' as const;

  private constructor(
    readonly manifest: ModelConstants & { models: Partial<Record<ModelRole, ModelFileSpec>> },
    private readonly sessions: Partial<Record<ModelRole, ort.InferenceSession>>,
    /** What decoder.onnx gives: audio, or vocoder features for `vocoder`. */
    private readonly decoderOutput: DecoderOutput,
    /** The vocoder of a decoder that predicts its features or an encoder that reads them (models.json `vocoder`). */
    readonly vocoder?: Vocoder,
  ) {}

  /** The vocoder's analysis, for a model whose encoder reads vocoder features (src/core/chunking.ts). */
  get analyser(): FeatureAnalyser | undefined {
    return this.sessions.encoder && encoderReadsFeatures(this.manifest) ? this.vocoder : undefined;
  }

  /** The vocoder's synthesis, for a decoder that predicts its features (src/core/chunking.ts). */
  get synthesizer(): FeatureSynthesizer | undefined {
    return this.sessions.decoder && this.decoderOutput === 'features' ? this.vocoder : undefined;
  }

  /** Loads models.json and the three models from `modelsDir`, checking sha256 and tensor names. */
  static async load(modelsDir: string, options: OrtLoadOptions = {}): Promise<OrtNodeBackend> {
    return OrtNodeBackend.create(modelsDir, await loadManifest(modelsDir), options);
  }

  /**
   * Loads an archived model's decoder from `dir`, with its decode-only models.json (read from `dir`
   * unless the caller has read and checked it already).
   */
  static async loadDecoder(
    dir: string,
    options: OrtLoadOptions = {},
    manifest?: DecoderManifest,
  ): Promise<OrtNodeBackend> {
    return OrtNodeBackend.create(dir, manifest ?? parseDecoderManifest(await readManifestJson(dir)), options);
  }

  private static async create(
    modelsDir: string,
    manifest: ModelConstants & { models: Partial<Record<ModelRole, ModelFileSpec>> },
    options: OrtLoadOptions,
  ): Promise<OrtNodeBackend> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    };
    const sessions: Partial<Record<ModelRole, ort.InferenceSession>> = {};
    const output = manifest.models.decoder ? decoderOutput(manifest.models.decoder) : 'audio';
    let vocoder: Vocoder | undefined;
    try {
      // A decoder that predicts vocoder features decodes through the vocoder, and an encoder that
      // reads them encodes its analysis: load it first.
      if (output === 'features' || (manifest.models.encoder && encoderReadsFeatures(manifest)))
        vocoder = await loadVocoderFiles(manifest.vocoder!, options.vocoderDir ?? modelsDir);
      for (const role of MODEL_ROLES) {
        const spec = manifest.models[role];
        if (!spec) continue;
        const path = join(modelsDir, spec.file);
        let bytes: Buffer;
        try {
          bytes = await readFile(path);
        } catch {
          throw new Error(`models.json names ${spec.file}, but ${path} cannot be read`);
        }
        const digest = createHash('sha256').update(bytes).digest('hex');
        if (digest !== spec.sha256) {
          throw new Error(
            `${path}: sha256 ${digest.slice(0, 12)}… does not match models.json (${spec.sha256.slice(0, 12)}…); ` +
              'the model files and models.json come from different exports',
          );
        }
        const session = await ort.InferenceSession.create(bytes, sessionOptions);
        sessions[role] = session;
        checkSessionNames(role, spec, session, manifest);
      }
    } catch (err) {
      vocoder?.release();
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw err;
    }
    return new OrtNodeBackend(manifest, sessions, output, vocoder);
  }

  /**
   * encoder.onnx on one window; `asr`: asr.onnx's rows of its frames, for a model whose encoder reads
   * them (models.json `semanticInput`; encoderFeeds checks their length).
   */
  async encode(input: Float32Array, asr?: Float32Array): Promise<EncoderOutput> {
    const { feeds, frames } = encoderFeeds(this.manifest, input, asr);
    const results = await this.session('encoder').run(this.tensors(feeds));
    const acoustic = data<Float32Array>(results, 'acoustic');
    // A set that merges on asr.onnx's rows (mergeFeatures "whisper-tiny.en", with or without
    // semanticInput) has no `semantic` output: src/core/chunking.ts takes the merge stream from asr.onnx.
    if (mergeFromAsr(this.manifest)) return encoderResult(this.manifest, frames, acoustic, undefined);
    return encoderResult(this.manifest, frames, acoustic, data<Float32Array>(results, 'semantic'));
  }

  /**
   * asr.onnx on one window: audio of W frames → its rows [W, asrFeatureDim]: the merge stream
   * (`mergeFeatures: "whisper-tiny.en"`), the encoder's `asr` input (`semanticInput`), or both.
   */
  async asr(audio: Float32Array): Promise<Float32Array> {
    const { frameSamples } = this.manifest;
    const dim = asrFeatureDim(this.manifest);
    if (audio.length === 0 || audio.length % frameSamples !== 0) {
      throw new Error(`asr: ${audio.length} samples is not a positive multiple of ${frameSamples}`);
    }
    const results = await this.session('asr').run({
      audio: new ort.Tensor('float32', audio, [1, audio.length]),
    });
    const out = data<Float32Array>(results, 'asr');
    const frames = audio.length / frameSamples;
    if (out.length !== frames * dim)
      throw new Error(`asr: ${out.length} values do not fit ${frames} frames of ${dim}`);
    return out;
  }

  async quantize(merged: MergeResult, features?: EncodedFeatures): Promise<Int32Array> {
    const feeds = quantizerFeeds(this.manifest, merged, features);
    const results = await this.session('quantizer').run(this.tensors(feeds));
    return checkCodes(this.manifest, data<Int32Array>(results, 'codes'), merged.segments);
  }

  async decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    const { feeds, frames } = decoderFeeds(this.manifest, codes, lengths, pitch);
    const results = await this.session('decoder').run(this.tensors(feeds));
    const out = data<Float32Array>(results, this.decoderOutput);
    return decoderAudio(this.manifest, this.decoderOutput, out, frames, this.vocoder);
  }

  /** decoder.onnx's vocoder features for these segments, for a decoder that predicts them. */
  async decodeFeatures(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    const { feeds, frames } = decoderFeeds(this.manifest, codes, lengths, pitch);
    const results = await this.session('decoder').run(this.tensors(feeds));
    return decoderFeatures(this.manifest, data<Float32Array>(results, 'features'), frames);
  }

  /** The session of a role; an archived model has none for encoding. */
  private session(role: ModelRole): ort.InferenceSession {
    const session = this.sessions[role];
    if (!session)
      throw new Error(`model ${this.manifest.modelId} is archived for decoding only: it has no ${role}`);
    return session;
  }

  private tensors(feeds: Record<string, Feed>): Record<string, ort.Tensor> {
    return Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data, f.dims)]),
    );
  }

  async release(): Promise<void> {
    this.vocoder?.release();
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
