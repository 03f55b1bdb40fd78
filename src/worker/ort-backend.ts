/** InferenceBackend on onnxruntime-web: the models of models.json on WebGPU or WASM. */
import type * as ortTypes from 'onnxruntime-web';
import {
  asrFeatureDim,
  decoderOutput,
  encoderReadsFeatures,
  mergeFromAsr,
  type DecoderOutput,
  type ModelConstants,
  type ModelFileSpec,
} from '../core/manifest';
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
} from '../core/model-io';
import type {
  DecoderPitch,
  EncodedFeatures,
  EncoderOutput,
  FeatureAnalyser,
  FeatureSynthesizer,
  InferenceBackend,
  MergeResult,
} from '../core/types';
import type { Vocoder } from '../vocoder/vocoder';
import { timed } from './load-timing';
import { LOAD_ORDER, type ModelRole } from './model-loader';
import type { Ort } from './ort-env';
import type { BackendName } from './protocol';

/**
 * What the backend is built from: a manifest and the verified bytes of some or all of its models
 * (or promises of them, still downloading: each session starts once its bytes are in).
 */
export interface BackendModels {
  manifest: ModelConstants & { models: Partial<Record<ModelRole, ModelFileSpec>> };
  bytes: Partial<Record<ModelRole, Uint8Array | Promise<Uint8Array>>>;
  /**
   * The vocoder, for a decoder that predicts its features or an encoder that reads them (models.json
   * `vocoder`, `encoderInput`); else absent.
   */
  vocoder?: Vocoder | Promise<Vocoder>;
}

/**
 * Whether ORT's WebGPU device (set up by the sessions created before) is WebGPU done on the CPU
 * (SwiftShader, or any fallback adapter). asr.onnx, Whisper on a 30 s window, runs there tens of
 * times slower than on WASM (docs/BENCHMARKS.md), so it goes to WASM beside the WebGPU sessions.
 */
async function isSoftwareAdapter(ort: Ort): Promise<boolean> {
  const device = (await ort.env.webgpu.device) as GPUDevice | undefined;
  const info = device?.adapterInfo as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  if (!info) return false;
  return (
    info.isFallbackAdapter === true ||
    /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`)
  );
}

/** Reads a named output as typed data, with a clear error if it is missing. */
async function output<T extends Float32Array | Int32Array>(
  results: ortTypes.InferenceSession.OnnxValueMapType,
  name: string,
): Promise<T> {
  const tensor = results[name] as ortTypes.Tensor | undefined;
  if (!tensor) throw new Error(`model output "${name}" missing`);
  return (await tensor.getData(true)) as T;
}

/**
 * The onnxruntime-web sessions of the three models, behind the core's InferenceBackend; an
 * archived model has its decoder alone, and encoding with it says so.
 */
export class OrtBackend implements InferenceBackend {
  /** Encoder runs so far; the page shows it so a test can see a slider move skip the encoder. */
  encoderRuns = 0;
  /** Whether session runs are recorded as load measures (load-timing.ts): during the warm-up. */
  private loadTiming = false;

  private constructor(
    private readonly ort: Ort,
    readonly name: BackendName,
    private readonly manifest: BackendModels['manifest'],
    private readonly sessions: Partial<Record<ModelRole, ortTypes.InferenceSession>>,
    /** What decoder.onnx gives: audio, or vocoder features for `vocoder`. */
    private readonly decoderOutput: DecoderOutput,
    /** Where asr.onnx runs, for a model set that has it: see `create`. */
    readonly asrBackend?: BackendName,
    /** The vocoder of a decoder that predicts its features or an encoder that reads them (not released with the sessions). */
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

  /**
   * Creates a session per model given, on one execution provider, each as soon as its bytes are in
   * (in LOAD_ORDER); throws if any cannot be created. asr.onnx computes in float32 (its float16
   * weights are cast once, when the session starts), so any WebGPU device runs it; on a software
   * adapter it runs on WASM instead (see isSoftwareAdapter).
   */
  static async create(ort: Ort, models: BackendModels, name: BackendName): Promise<OrtBackend> {
    const options = (ep: BackendName): ortTypes.InferenceSession.SessionOptions => ({
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
    });
    const sessions: Partial<Record<ModelRole, ortTypes.InferenceSession>> = {};
    let asrBackend: BackendName | undefined;
    try {
      for (const role of LOAD_ORDER) {
        const spec = models.manifest.models[role];
        if (!models.bytes[role] || !spec) continue;
        const bytes = await models.bytes[role];
        let ep = name;
        if (role === 'asr' && name === 'webgpu' && (await isSoftwareAdapter(ort))) ep = 'wasm';
        const session = await timed(`session ${role} (${ep})`, () =>
          ort.InferenceSession.create(bytes, options(ep)),
        );
        sessions[role] = session;
        if (role === 'asr') asrBackend = ep;
        checkSessionNames(role, spec, session, models.manifest);
      }
      const output = models.manifest.models.decoder ? decoderOutput(models.manifest.models.decoder) : 'audio';
      if (output === 'features' && !models.vocoder)
        throw new Error('decoder.onnx predicts vocoder features, but no vocoder was loaded for it');
      const analyses = sessions.encoder !== undefined && encoderReadsFeatures(models.manifest);
      if (analyses && !models.vocoder)
        throw new Error('encoder.onnx reads vocoder features, but no vocoder was loaded for it');
      const vocoder = output === 'features' || analyses ? await models.vocoder : undefined;
      return new OrtBackend(ort, name, models.manifest, sessions, output, asrBackend, vocoder);
    } catch (err) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw err;
    }
  }

  /**
   * encoder.onnx on one window; `asr`: asr.onnx's rows of its frames, for a model whose encoder reads
   * them (models.json `semanticInput`; encoderFeeds checks their length).
   */
  async encode(input: Float32Array, asr?: Float32Array): Promise<EncoderOutput> {
    const { feeds, frames } = encoderFeeds(this.manifest, input, asr);
    this.encoderRuns++;
    const results = await this.run('encoder', this.tensors(feeds));
    const acoustic = await output<Float32Array>(results, 'acoustic');
    // A set that merges on asr.onnx's rows (mergeFeatures "whisper-tiny.en", with or without
    // semanticInput) has no `semantic` output: src/core/chunking.ts takes the merge stream from asr.onnx.
    if (mergeFromAsr(this.manifest)) return encoderResult(this.manifest, frames, acoustic, undefined);
    return encoderResult(this.manifest, frames, acoustic, await output<Float32Array>(results, 'semantic'));
  }

  /**
   * asr.onnx on one window: audio of W frames → its rows [W, asrFeatureDim]: the merge stream
   * (`mergeFeatures: "whisper-tiny.en"`), the encoder's `asr` input (`semanticInput`), or both.
   */
  async asr(audio: Float32Array): Promise<Float32Array> {
    const { frameSamples } = this.manifest;
    const dim = asrFeatureDim(this.manifest);
    if (audio.length === 0 || audio.length % frameSamples !== 0)
      throw new Error(`asr: ${audio.length} samples is not a positive multiple of ${frameSamples}`);
    const results = await this.run('asr', {
      audio: new this.ort.Tensor('float32', audio, [1, audio.length]),
    });
    const out = await output<Float32Array>(results, 'asr');
    const frames = audio.length / frameSamples;
    if (out.length !== frames * dim)
      throw new Error(`asr: ${out.length} values do not fit ${frames} frames of ${dim}`);
    return out;
  }

  async quantize(merged: MergeResult, features?: EncodedFeatures): Promise<Int32Array> {
    const feeds = quantizerFeeds(this.manifest, merged, features);
    const results = await this.run('quantizer', this.tensors(feeds));
    return checkCodes(this.manifest, await output<Int32Array>(results, 'codes'), merged.segments);
  }

  async decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    const { feeds, frames } = decoderFeeds(this.manifest, codes, lengths, pitch);
    const results = await this.run('decoder', this.tensors(feeds));
    const out = await output<Float32Array>(results, this.decoderOutput);
    const audio = this.loadTiming
      ? await timed('run vocoder', async () =>
          decoderAudio(this.manifest, this.decoderOutput, out, frames, this.vocoder),
        )
      : decoderAudio(this.manifest, this.decoderOutput, out, frames, this.vocoder);
    return audio;
  }

  /** decoder.onnx's vocoder features for these segments, for a decoder that predicts them. */
  async decodeFeatures(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    const { feeds, frames } = decoderFeeds(this.manifest, codes, lengths, pitch);
    const results = await this.run('decoder', this.tensors(feeds));
    return decoderFeatures(this.manifest, await output<Float32Array>(results, 'features'), frames);
  }

  /** Records session runs as User Timing measures `run <role>` (on for the load's warm-up only). */
  timeRuns(on: boolean): void {
    this.loadTiming = on;
  }

  /** Runs a role's session, recorded as a measure while `timeRuns(true)`. */
  private run(
    role: ModelRole,
    feeds: Record<string, ortTypes.Tensor>,
  ): Promise<ortTypes.InferenceSession.OnnxValueMapType> {
    const session = this.session(role);
    return this.loadTiming ? timed(`run ${role}`, () => session.run(feeds)) : session.run(feeds);
  }

  /** The session of a role; an archived model has none for encoding. */
  private session(role: ModelRole): ortTypes.InferenceSession {
    const session = this.sessions[role];
    if (!session)
      throw new Error(`model ${this.manifest.modelId} is archived for decoding only: it has no ${role}`);
    return session;
  }

  private tensors(feeds: Record<string, Feed>): Record<string, ortTypes.Tensor> {
    return Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new this.ort.Tensor(f.type, f.data, f.dims)]),
    );
  }

  /** Releases the sessions; the vocoder stays its loader's (the worker keeps it for a fallback backend). */
  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
