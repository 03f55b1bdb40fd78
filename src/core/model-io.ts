/**
 * The tensors each model is fed and the checks on what it returns, shared by the onnxruntime-node
 * and onnxruntime-web backends (each wraps these plain arrays in its own Tensor class).
 */
import {
  decoderOutput,
  quantizerTakesTrends,
  type DecoderOutput,
  type ModelConstants,
  type ModelFileSpec,
} from './manifest.ts';
import { expandLengths } from './merge.ts';
import type { DecoderPitch, MergeResult } from './types.ts';

/** One input tensor as plain data: what `new ort.Tensor(type, data, dims)` takes. */
export interface Feed {
  type: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  dims: number[];
}

/** The ONNX files of the model contract (docs/MODELS.md). */
export type ModelFileRole = 'asr' | 'encoder' | 'quantizer' | 'decoder';

/**
 * Tensor names of the model contract (docs/MODELS.md) that the runtime feeds or reads; both
 * backends check each against models.json and the ONNX graph, so a renamed tensor fails at load
 * with a message naming file and tensor. With asr.onnx (models.json `asrWindow`) the encoder gives
 * the pooled stream alone.
 */
export function modelTensorNames(
  role: ModelFileRole,
  m: Pick<ModelConstants, 'asrWindow' | 'pitch' | 'formatVersion'> & {
    models?: { decoder?: Pick<ModelFileSpec, 'outputs'> };
  },
): { inputs: string[]; outputs: string[] } {
  switch (role) {
    case 'asr':
      return { inputs: ['audio'], outputs: ['asr'] };
    case 'encoder':
      return {
        inputs: ['audio'],
        outputs: m.asrWindow !== undefined ? ['acoustic'] : ['semantic', 'acoustic'],
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

/** The tensors quantizer.onnx takes: a formatVersion 2 model adds the segment trends. */
export function quantizerInputNames(m: Pick<ModelConstants, 'formatVersion'>): string[] {
  return [
    'semantic_mean',
    'acoustic_mean',
    'segment_length',
    ...(quantizerTakesTrends(m) ? ['semantic_trend', 'acoustic_trend'] : []),
  ];
}

/** quantizer.onnx inputs for K merged segments. */
export function quantizerFeeds(m: ModelConstants, merged: MergeResult): Record<string, Feed> {
  const k = merged.segments;
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

/** The tensors decoder.onnx takes: a model with pitch (models.json `pitch`) adds f0 and phase. */
export function decoderInputNames(m: Pick<ModelConstants, 'pitch'>): string[] {
  return ['codes', 'segment_length', 'frame_segment', 'frame_position', ...(m.pitch ? ['f0', 'phase'] : [])];
}

/**
 * decoder.onnx inputs: codes [K, codeGroups] and lengths [K], expanded back to frames, and for a
 * model with pitch the F0 track and phases of those frames' 10 ms frames.
 */
export function decoderFeeds(
  m: ModelConstants,
  codes: Int32Array,
  lengths: Uint32Array,
  pitch?: DecoderPitch,
): { feeds: Record<string, Feed>; frames: number } {
  const k = lengths.length;
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
    if (!pitch || pitch.f0.length !== sub || pitch.phase.length !== sub)
      throw new Error(`decoder: this model needs the F0 track and phases of ${sub} 10 ms frames`);
    feeds.f0 = { type: 'float32', data: pitch.f0, dims: [1, sub] };
    feeds.phase = { type: 'float32', data: pitch.phase, dims: [1, sub] };
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

/** What turns vocoder features into audio (src/vocoder/vocoder.ts `Vocoder`). */
export interface FeatureSynthesizer {
  /** Row-major [F, 20] features of 10 ms frames → F · 160 samples, time-aligned. */
  synthesize(features: Float32Array): Float32Array;
}

/**
 * The audio of a decoder's output: the output itself for an `audio` decoder; for a `features`
 * decoder (models.json, docs/MODELS.md) its [1, F, 20] vocoder features, checked against the
 * frames decoded, through the vocoder.
 */
export function decoderAudio(
  m: ModelConstants,
  kind: DecoderOutput,
  out: Float32Array,
  frames: number,
  vocoder?: FeatureSynthesizer,
): Float32Array {
  if (kind === 'audio') return checkDecoded(m, out, frames);
  if (!m.vocoder)
    throw new Error('decoder: this model predicts vocoder features but models.json has no vocoder');
  const vocoderFrames = (frames * m.frameSamples) / m.vocoder.frameSamples;
  const count = m.vocoder.features.count;
  if (out.length !== vocoderFrames * count)
    throw new Error(`decoder: ${out.length} feature values for ${vocoderFrames} vocoder frames of ${count}`);
  if (!vocoder) throw new Error('decoder: this model predicts vocoder features and no vocoder is loaded');
  return checkDecoded(m, vocoder.synthesize(out), frames);
}
