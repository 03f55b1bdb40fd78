/**
 * The tensors each model is fed and the checks on what it returns, shared by the onnxruntime-node
 * and onnxruntime-web backends (each wraps these plain arrays in its own Tensor class).
 */
import {
  asrFeatureDim,
  decoderOutput,
  encoderReadsAsr,
  encoderReadsFeatures,
  mergeFromAsr,
  quantizerPoolsFrames,
  quantizerTakesTrends,
  type DecoderOutput,
  type ModelConstants,
  type ModelFileSpec,
} from './manifest.ts';
import { expandLengths } from './merge.ts';
import type { DecoderPitch, EncodedFeatures, EncoderOutput, MergeResult } from './types.ts';

/** One input tensor as plain data: what `new ort.Tensor(type, data, dims)` takes. */
export interface Feed {
  type: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  dims: number[];
}

/** The ONNX files of the model contract (docs/MODELS.md). */
export type ModelFileRole = 'asr' | 'encoder' | 'quantizer' | 'decoder';

/** A model's constants and, where known, its files' signatures (which inputs its decoder declares). */
export type ModelSignatures = ModelConstants & {
  models?: { decoder?: Pick<ModelFileSpec, 'inputs' | 'outputs'> };
};

/**
 * Tensor names of the model contract (docs/MODELS.md) that the runtime feeds or reads; both
 * backends check each against models.json and the ONNX graph, so a renamed tensor fails at load
 * with a message naming file and tensor. Where asr.onnx's rows are the merge stream (`mergeFeatures:
 * "whisper-tiny.en"`) the encoder gives the pooled stream alone; where it reads them (`semanticInput`)
 * they are its `asr` input; a formatVersion 4 model may do both.
 */
export function modelTensorNames(
  role: ModelFileRole,
  m: Pick<ModelConstants, 'mergeFeatures' | 'pitch' | 'formatVersion' | 'encoderInput' | 'semanticInput'> & {
    models?: { decoder?: Pick<ModelFileSpec, 'inputs' | 'outputs'> };
  },
): { inputs: string[]; outputs: string[] } {
  switch (role) {
    case 'asr':
      return { inputs: ['audio'], outputs: ['asr'] };
    case 'encoder':
      return {
        inputs: [encoderReadsFeatures(m) ? 'features' : 'audio', ...(encoderReadsAsr(m) ? ['asr'] : [])],
        outputs: mergeFromAsr(m) ? ['acoustic'] : ['semantic', 'acoustic'],
      };
    case 'quantizer':
      return { inputs: quantizerInputNames(m), outputs: ['codes'] };
    case 'decoder':
      return {
        inputs: decoderInputNames(m),
        outputs: [m.models?.decoder ? decoderOutput(m.models.decoder) : 'audio'],
      };
  }
}

/**
 * Throws unless models.json and the ONNX graph both declare every tensor the runtime feeds or reads
 * for `role`, and the graph takes no input the runtime does not feed; the errors name file and tensor.
 */
export function checkSessionNames(
  role: ModelFileRole,
  spec: ModelFileSpec,
  graph: { inputNames: readonly string[]; outputNames: readonly string[] },
  m: Parameters<typeof modelTensorNames>[1],
): void {
  const expected = modelTensorNames(role, m);
  for (const [kind, names, declared, inGraph] of [
    ['input', expected.inputs, spec.inputs, graph.inputNames],
    ['output', expected.outputs, spec.outputs, graph.outputNames],
  ] as const) {
    for (const name of names) {
      if (!declared || !(name in declared))
        throw new Error(`models.json: ${spec.file} lacks ${kind} "${name}"`);
      if (!inGraph.includes(name)) throw new Error(`${spec.file}: the ONNX graph has no ${kind} "${name}"`);
    }
  }
  const unfed = graph.inputNames.filter((name) => !expected.inputs.includes(name));
  if (unfed.length > 0)
    throw new Error(
      `${spec.file}: the ONNX graph takes ${unfed.map((n) => `"${n}"`).join(', ')}, which this ` +
        `runtime does not feed a model of models.json formatVersion ${m.formatVersion}`,
    );
}

/** Samples or feature values per 12.5 Hz frame of what encoder.onnx reads. */
function encoderValuesPerFrame(m: ModelConstants): number {
  if (!encoderReadsFeatures(m)) return m.frameSamples;
  if (!m.vocoder)
    throw new Error('encoder: this model reads vocoder features but models.json has no vocoder');
  return (m.frameSamples / m.vocoder.frameSamples) * m.vocoder.features.count;
}

/**
 * encoder.onnx's inputs for T frames: `audio` [1, T · frameSamples], or for a model that reads vocoder
 * features (`encoderInput`) `features` [1, F, 20], F = 8 T (src/core/chunking.ts analyses the audio);
 * for a model that reads asr.onnx's features (`semanticInput`) also `asr` [1, T, 384], their rows of
 * the same T frames (src/core/chunking.ts takes them from its AsrStream).
 */
export function encoderFeeds(
  m: ModelConstants,
  input: Float32Array,
  asr?: Float32Array,
): { feeds: Record<string, Feed>; frames: number } {
  const perFrame = encoderValuesPerFrame(m);
  const what = encoderReadsFeatures(m) ? 'feature values' : 'samples';
  if (input.length === 0 || input.length % perFrame !== 0)
    throw new Error(`encode: ${input.length} ${what} is not a positive multiple of ${perFrame} (one frame)`);
  const frames = input.length / perFrame;
  const feeds: Record<string, Feed> = {};
  if (!encoderReadsFeatures(m)) feeds.audio = { type: 'float32', data: input, dims: [1, input.length] };
  else {
    const count = m.vocoder!.features.count;
    feeds.features = { type: 'float32', data: input, dims: [1, input.length / count, count] };
  }
  if (encoderReadsAsr(m)) {
    const dim = asrFeatureDim(m);
    // A short or long asr input would run (the axis is dynamic) and misalign every frame after it.
    if (!asr || asr.length !== frames * dim)
      throw new Error(
        `encode: this model's encoder reads asr.onnx's features (semanticInput), ${frames} frames of ${dim} ` +
          `values, and was given ${asr ? asr.length : 'none'}`,
      );
    feeds.asr = { type: 'float32', data: asr, dims: [1, frames, dim] };
  } else if (asr !== undefined)
    throw new Error("encode: asr.onnx's features given, but this model's encoder does not read them");
  return { frames, feeds };
}

/**
 * Checks encoder.onnx's outputs against T frames; the merge stream is absent for a set that merges on
 * asr.onnx's output (`mergeFromAsr`).
 */
export function encoderResult(
  m: ModelConstants,
  frames: number,
  acoustic: Float32Array,
  semantic: Float32Array | undefined,
): EncoderOutput {
  if (acoustic.length !== frames * m.acousticDim)
    throw new Error(
      `encoder: ${acoustic.length} acoustic values do not fit ${frames} frames of ${m.acousticDim}`,
    );
  if (mergeFromAsr(m)) return { frames, acoustic };
  if (!semantic || semantic.length !== frames * m.semanticDim)
    throw new Error(
      `encoder: ${semantic?.length ?? 0} semantic values do not fit ${frames} frames of ${m.semanticDim}`,
    );
  return { frames, semantic, acoustic };
}

/**
 * The tensors quantizer.onnx takes: segment means and lengths; a formatVersion 2 model adds the
 * segment trends; a formatVersion 3 or 4 model takes the frame rows of the acoustic stream and the lengths.
 */
export function quantizerInputNames(m: Pick<ModelConstants, 'formatVersion'>): string[] {
  if (quantizerPoolsFrames(m)) return ['acoustic', 'segment_length'];
  return [
    'semantic_mean',
    'acoustic_mean',
    'segment_length',
    ...(quantizerTakesTrends(m) ? ['semantic_trend', 'acoustic_trend'] : []),
  ];
}

/**
 * quantizer.onnx inputs for K merged segments; a formatVersion 3 or 4 model also needs the window's
 * frames, `features` (the ones the segments cover, in order).
 */
export function quantizerFeeds(
  m: ModelConstants,
  merged: MergeResult,
  features?: EncodedFeatures,
): Record<string, Feed> {
  const k = merged.segments;
  if (quantizerPoolsFrames(m)) {
    let covered = 0;
    for (const l of merged.lengths) covered += l;
    if (!features || features.frames !== covered)
      throw new Error(
        `quantizer: this model pools the frames of its segments itself and needs the ${covered} frames they cover` +
          (features ? `, not ${features.frames}` : ''),
      );
    return {
      acoustic: { type: 'float32', data: features.acoustic, dims: [1, features.frames, m.acousticDim] },
      segment_length: { type: 'float32', data: Float32Array.from(merged.lengths), dims: [1, k] },
    };
  }
  const feeds: Record<string, Feed> = {
    semantic_mean: { type: 'float32', data: merged.semanticMean, dims: [1, k, m.semanticDim] },
    acoustic_mean: { type: 'float32', data: merged.acousticMean, dims: [1, k, m.acousticDim] },
    segment_length: { type: 'float32', data: Float32Array.from(merged.lengths), dims: [1, k] },
  };
  if (quantizerTakesTrends(m)) {
    feeds.semantic_trend = { type: 'float32', data: merged.semanticTrend, dims: [1, k, m.semanticDim] };
    feeds.acoustic_trend = { type: 'float32', data: merged.acousticTrend, dims: [1, k, m.acousticDim] };
  }
  return feeds;
}

/**
 * The tensors decoder.onnx takes: a model with pitch (models.json `pitch`) adds `f0`, and `phase`
 * where models.json declares it (the harmonic decoders; the v3 family's decoder takes none).
 */
export function decoderInputNames(
  m: Pick<ModelConstants, 'pitch'> & { models?: { decoder?: Pick<ModelFileSpec, 'inputs'> } },
): string[] {
  return [
    'codes',
    'segment_length',
    'frame_segment',
    'frame_position',
    ...(m.pitch ? ['f0'] : []),
    ...(m.pitch && decoderTakesPhase(m) ? ['phase'] : []),
  ];
}

/** Whether decoder.onnx takes `phase`: where models.json declares it, or names no decoder inputs at all. */
function decoderTakesPhase(m: { models?: { decoder?: Pick<ModelFileSpec, 'inputs'> } }): boolean {
  const inputs = m.models?.decoder?.inputs;
  return inputs === undefined || 'phase' in inputs;
}

/**
 * decoder.onnx inputs: codes [K, codeGroups] (all the model's groups; a file's absent ones are -1,
 * src/core/code-groups.ts `widenCodes`) and lengths [K], expanded back to frames, and for a model
 * with pitch the F0 track and phases of those frames' 10 ms frames.
 */
export function decoderFeeds(
  m: ModelSignatures,
  codes: Int32Array,
  lengths: Uint32Array,
  pitch?: DecoderPitch,
): { feeds: Record<string, Feed>; frames: number } {
  const k = lengths.length;
  if (codes.length !== k * m.codeGroups)
    throw new Error(
      `decoder: ${codes.length} codes for ${k} segments of the model's ${m.codeGroups} code groups ` +
        `(a file's absent groups are fed as -1)`,
    );
  const { frameSegment, framePosition } = expandLengths(lengths);
  const frames = frameSegment.length;
  const feeds: Record<string, Feed> = {
    codes: { type: 'int32', data: codes, dims: [1, k, m.codeGroups] },
    segment_length: { type: 'float32', data: Float32Array.from(lengths), dims: [1, k] },
    frame_segment: { type: 'int32', data: frameSegment, dims: [1, frames] },
    frame_position: { type: 'float32', data: framePosition, dims: [1, frames] },
  };
  if (m.pitch) {
    const sub = frames * m.pitch.subframes;
    const phase = decoderTakesPhase(m);
    if (!pitch || pitch.f0.length !== sub || (phase && pitch.phase.length !== sub))
      throw new Error(
        `decoder: this model needs the F0 track${phase ? ' and phases' : ''} of ${sub} 10 ms frames`,
      );
    feeds.f0 = { type: 'float32', data: pitch.f0, dims: [1, sub] };
    if (phase) feeds.phase = { type: 'float32', data: pitch.phase, dims: [1, sub] };
  }
  return { frames, feeds };
}

/** Throws unless the quantizer returned one code per group and segment. */
export function checkCodes(m: ModelConstants, codes: Int32Array, segments: number): Int32Array {
  if (codes.length !== segments * m.codeGroups)
    throw new Error(`quantizer: ${codes.length} codes for ${segments} segments`);
  return codes;
}

/** Throws unless the decoder returned frameSamples samples per frame. */
export function checkDecoded(m: ModelConstants, audio: Float32Array, frames: number): Float32Array {
  if (audio.length !== frames * m.frameSamples)
    throw new Error(`decoder: ${audio.length} samples for ${frames} frames`);
  return audio;
}

/** What turns vocoder features into audio at once (src/vocoder/vocoder.ts `Vocoder`). */
export interface FeatureRenderer {
  /** Row-major [F, 20] features of 10 ms frames → F · 160 samples, time-aligned. */
  synthesize(features: Float32Array): Float32Array;
}

/**
 * Checks a `features` decoder's output (models.json, docs/MODELS.md): [1, F, 20] vocoder features,
 * F = the frames decoded · frameSamples / the vocoder's frame.
 */
export function decoderFeatures(m: ModelConstants, out: Float32Array, frames: number): Float32Array {
  if (!m.vocoder)
    throw new Error('decoder: this model predicts vocoder features but models.json has no vocoder');
  const vocoderFrames = (frames * m.frameSamples) / m.vocoder.frameSamples;
  const count = m.vocoder.features.count;
  if (out.length !== vocoderFrames * count)
    throw new Error(`decoder: ${out.length} feature values for ${vocoderFrames} vocoder frames of ${count}`);
  return out;
}

/**
 * The audio of a decoder's output: the output itself for an `audio` decoder; for a `features`
 * decoder its [1, F, 20] vocoder features, checked against the frames decoded, through the vocoder.
 */
export function decoderAudio(
  m: ModelConstants,
  kind: DecoderOutput,
  out: Float32Array,
  frames: number,
  vocoder?: FeatureRenderer,
): Float32Array {
  if (kind === 'audio') return checkDecoded(m, out, frames);
  const features = decoderFeatures(m, out, frames);
  if (!vocoder) throw new Error('decoder: this model predicts vocoder features and no vocoder is loaded');
  return checkDecoded(m, vocoder.synthesize(features), frames);
}
