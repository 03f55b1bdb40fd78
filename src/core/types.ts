/** Interfaces that join the pure core to the places it runs (Node CLI, browser worker). */

/** Encoder output for T frames at 12.5 Hz, row-major [T, dim]. */
export interface EncodedFeatures {
  frames: number;
  semantic: Float32Array;
  acoustic: Float32Array;
}

/**
 * The pitch inputs of decoder.onnx for F = 8 · frames 10 ms frames (src/core/pitch-code.ts): F0 in
 * Hz (0 unvoiced) rebuilt from the 80 ms frames' pitch levels, and each frame's starting phase in cycles.
 */
export interface DecoderPitch {
  f0: Float32Array;
  phase: Float32Array;
}

/** The merged segments of one τ, as the quantizer wants them. */
export interface MergeResult {
  tau: number;
  /** Segment count K. */
  segments: number;
  /** Frames per segment, 1..maxSegmentFrames, length K. */
  lengths: Uint32Array;
  /** Segment means, row-major [K, semanticDim] and [K, acousticDim]. */
  semanticMean: Float32Array;
  acousticMean: Float32Array;
  /**
   * Segment trends of the same streams (src/core/merge.ts segmentTrends), same layout: how each
   * stream moves across its segment. Fed only to a quantizer that takes them (formatVersion 2).
   */
  semanticTrend: Float32Array;
  acousticTrend: Float32Array;
}

/**
 * What encoder.onnx returns for T frames: both streams, or the pooled stream alone for a model set
 * whose merge stream comes from asr.onnx (models.json `models.asr`).
 */
export interface EncoderOutput {
  frames: number;
  semantic?: Float32Array;
  acoustic: Float32Array;
}

/**
 * Runs the ONNX models. Implemented with onnxruntime-node (CLI) and onnxruntime-web
 * (worker: WebGPU or WASM). Tensor names and shapes come from models.json.
 */
export interface InferenceBackend {
  /** Which execution provider runs: 'webgpu', 'wasm' or 'cpu' (Node). */
  readonly name: 'webgpu' | 'wasm' | 'cpu';
  /** audio: 16 kHz mono, length a multiple of frameSamples. */
  encode(audio: Float32Array): Promise<EncoderOutput>;
  /**
   * asr.onnx on one window (length a multiple of frameSamples, at most asrWindow.windowFrames
   * frames) → its merge-stream rows [frames, semanticDim]. Present where the model set has asr.onnx.
   */
  asr?(audio: Float32Array): Promise<Float32Array>;
  /** Returns codes [K, codeGroups]. */
  quantize(merged: MergeResult): Promise<Int32Array>;
  /**
   * codes [K, codeGroups] and lengths [K] → audio of sum(lengths) * frameSamples samples. A model
   * with pitch (models.json `pitch`) also takes the 10 ms F0 track and phases of those frames.
   */
  decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Frame merging: the TS twin (src/core/merge.ts) in Node, WGSL kernels in the browser.
 * `similarities` is split out so the τ search can bisect on it without recomputing.
 */
export interface Merger {
  similarities(features: EncodedFeatures): Promise<Float32Array>;
  merge(features: EncodedFeatures, similarities: Float32Array, tau: number): Promise<MergeResult>;
}
