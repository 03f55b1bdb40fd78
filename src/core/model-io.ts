/**
 * The tensors each model is fed and the checks on what it returns, shared by the onnxruntime-node
 * and onnxruntime-web backends (each wraps these plain arrays in its own Tensor class).
 */
import type { ModelConstants } from './manifest.ts';
import { expandLengths } from './merge.ts';
import type { MergeResult } from './types.ts';

/** One input tensor as plain data: what `new ort.Tensor(type, data, dims)` takes. */
export interface Feed {
  type: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  dims: number[];
}

/** quantizer.onnx inputs for K merged segments. */
export function quantizerFeeds(m: ModelConstants, merged: MergeResult): Record<string, Feed> {
  const k = merged.segments;
  return {
    semantic_mean: { type: 'float32', data: merged.semanticMean, dims: [1, k, m.semanticDim] },
    acoustic_mean: { type: 'float32', data: merged.acousticMean, dims: [1, k, m.acousticDim] },
    segment_length: { type: 'float32', data: Float32Array.from(merged.lengths), dims: [1, k] },
  };
}

/** decoder.onnx inputs: codes [K, codeGroups] and lengths [K], expanded back to frames. */
export function decoderFeeds(
  m: ModelConstants,
  codes: Int32Array,
  lengths: Uint32Array,
): { feeds: Record<string, Feed>; frames: number } {
  const k = lengths.length;
  const { frameSegment, framePosition } = expandLengths(lengths);
  const frames = frameSegment.length;
  return {
    frames,
    feeds: {
      codes: { type: 'int32', data: codes, dims: [1, k, m.codeGroups] },
      segment_length: { type: 'float32', data: Float32Array.from(lengths), dims: [1, k] },
      frame_segment: { type: 'int32', data: frameSegment, dims: [1, frames] },
      frame_position: { type: 'float32', data: framePosition, dims: [1, frames] },
    },
  };
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
