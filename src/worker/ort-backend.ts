/** InferenceBackend on onnxruntime-web: the models of models.json on WebGPU or WASM. */
import type * as ortTypes from 'onnxruntime-web';
import { decoderOutput, type DecoderOutput, type ModelConstants, type ModelFileSpec } from '../core/manifest';
import {
  checkCodes,
  decoderAudio,
  decoderFeeds,
  modelTensorNames,
  quantizerFeeds,
  type Feed,
} from '../core/model-io';
import type { DecoderPitch, EncoderOutput, InferenceBackend, MergeResult } from '../core/types';
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
  /** The vocoder, for a decoder that predicts its features (models.json `vocoder`); else absent. */
  vocoder?: Vocoder | Promise<Vocoder>;
}

/** Throws unless the manifest and the session both declare every tensor the runtime feeds or reads. */
function checkNames(
  role: ModelRole,
  spec: ModelFileSpec,
  session: ortTypes.InferenceSession,
  manifest: Parameters<typeof modelTensorNames>[1],
): void {
  const names = modelTensorNames(role, manifest);
  for (const name of names.inputs) {
    if (!(name in spec.inputs)) throw new Error(`models.json: ${spec.file} lacks input "${name}"`);
    if (!session.inputNames.includes(name))
      throw new Error(`${spec.file}: no input "${name}" in the ONNX graph`);
  }
  for (const name of names.outputs) {
    if (!(name in spec.outputs)) throw new Error(`models.json: ${spec.file} lacks output "${name}"`);
    if (!session.outputNames.includes(name))
      throw new Error(`${spec.file}: no output "${name}" in the ONNX graph`);
  }
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
    private readonly manifest: ModelConstants,
    private readonly sessions: Partial<Record<ModelRole, ortTypes.InferenceSession>>,
    /** What decoder.onnx gives: audio, or vocoder features for `vocoder`. */
    private readonly decoderOutput: DecoderOutput,
    /** Where asr.onnx runs, for a model set that has it: see `create`. */
    readonly asrBackend?: BackendName,
    /** The vocoder of a decoder that predicts its features (not released with the sessions). */
    readonly vocoder?: Vocoder,
  ) {}

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
        checkNames(role, spec, session, models.manifest);
      }
      const output = models.manifest.models.decoder ? decoderOutput(models.manifest.models.decoder) : 'audio';
      if (output === 'features' && !models.vocoder)
        throw new Error('decoder.onnx predicts vocoder features, but no vocoder was loaded for it');
      const vocoder = output === 'features' ? await models.vocoder : undefined;
      return new OrtBackend(ort, name, models.manifest, sessions, output, asrBackend, vocoder);
    } catch (err) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw err;
    }
  }

  async encode(audio: Float32Array): Promise<EncoderOutput> {
    const { frameSamples, semanticDim, acousticDim } = this.manifest;
    if (audio.length % frameSamples !== 0)
      throw new Error(`encode: ${audio.length} samples is not a multiple of ${frameSamples}`);
    this.encoderRuns++;
    const results = await this.run('encoder', {
      audio: new this.ort.Tensor('float32', audio, [1, audio.length]),
    });
    const frames = audio.length / frameSamples;
    const acoustic = await output<Float32Array>(results, 'acoustic');
    if (acoustic.length !== frames * acousticDim)
      throw new Error(
        `encoder: ${acoustic.length} acoustic values do not fit ${frames} frames of ${acousticDim}`,
      );
    if (this.manifest.asrWindow) return { frames, acoustic };
    const semantic = await output<Float32Array>(results, 'semantic');
    if (semantic.length !== frames * semanticDim)
      throw new Error(
        `encoder: ${semantic.length} semantic values do not fit ${frames} frames of ${semanticDim}`,
      );
    return { frames, semantic, acoustic };
  }

  /** asr.onnx on one window: audio of W frames → the merge stream [W, semanticDim]. */
  async asr(audio: Float32Array): Promise<Float32Array> {
    const { frameSamples, semanticDim } = this.manifest;
    if (audio.length === 0 || audio.length % frameSamples !== 0)
      throw new Error(`asr: ${audio.length} samples is not a positive multiple of ${frameSamples}`);
    const results = await this.run('asr', {
      audio: new this.ort.Tensor('float32', audio, [1, audio.length]),
    });
    const out = await output<Float32Array>(results, 'asr');
    const frames = audio.length / frameSamples;
    if (out.length !== frames * semanticDim)
      throw new Error(`asr: ${out.length} values do not fit ${frames} frames of ${semanticDim}`);
    return out;
  }

  async quantize(merged: MergeResult): Promise<Int32Array> {
    const results = await this.run('quantizer', this.tensors(quantizerFeeds(this.manifest, merged)));
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
