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
  /**
   * Segment means, row-major [K, semanticDim] and [K, acousticDim]; empty, like the trends, for a
   * model whose quantizer pools the frames itself (formatVersion 3, `quantizerPoolsFrames`).
   */
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
 * whose merge stream comes from asr.onnx (models.json `mergeFeatures: "whisper-tiny.en"`).
 */
export interface EncoderOutput {
  frames: number;
  semantic?: Float32Array;
  acoustic: Float32Array;
}

/**
 * LPCNet analysis of 16 kHz audio arriving in pieces, in one state, so the rows equal one analysis
 * of the whole (src/vocoder/vocoder.ts `AnalysisStream`).
 */
export interface FeatureAnalysisStream {
  /** Feeds samples; returns the rows [n, 20] of the 10 ms frames they complete, in order. */
  push(pcm16k: Float32Array): Float32Array;
  /** Frees the state; the stream cannot be used afterwards. */
  close(): void;
}

/** What analyses audio into the vocoder features an encoder reads (the vocoder). */
export interface FeatureAnalyser {
  analysisStream(): FeatureAnalysisStream;
}

/**
 * FARGAN over the vocoder feature rows a decoder predicts, arriving window after window, in one
 * state (src/vocoder/vocoder.ts `SynthesisStream`): the samples equal one synthesis of all the rows.
 */
export interface FeatureSynthesisStream {
  /** Feeds rows [n, 20]; returns the samples they complete, time-aligned. */
  push(features: Float32Array): Float32Array;
  /** Ends the rows: the rest of the samples, 160 per row in all. */
  flush(): Float32Array;
  close(): void;
}

/** What renders vocoder features as audio (the vocoder). */
export interface FeatureSynthesizer {
  synthesisStream(): FeatureSynthesisStream;
}

/**
 * Runs the ONNX models. Implemented with onnxruntime-node (CLI) and onnxruntime-web
 * (worker: WebGPU or WASM). Tensor names and shapes come from models.json.
 */
export interface InferenceBackend {
  /** Which execution provider runs: 'webgpu', 'wasm' or 'cpu' (Node). */
  readonly name: 'webgpu' | 'wasm' | 'cpu';
  /**
   * input: 16 kHz mono audio, length a multiple of frameSamples; for a model whose encoder reads
   * vocoder features (models.json `encoderInput`), their rows [8 T, 20] of T frames instead.
   * asr: for a model whose encoder reads asr.onnx's features (models.json `semanticInput`), their
   * rows [T, 384] of the same T frames (src/core/chunking.ts); else absent.
   */
  encode(input: Float32Array, asr?: Float32Array): Promise<EncoderOutput>;
  /**
   * The vocoder's analysis, present where the model's encoder reads vocoder features: the core
   * (src/core/chunking.ts) analyses the audio with it before each encoder window.
   */
  readonly analyser?: FeatureAnalyser;
  /**
   * asr.onnx on one window (length a multiple of frameSamples, at most asrWindow.windowFrames
   * frames) → its rows [frames, asrFeatureDim]: the merge stream (`mergeFeatures: "whisper-tiny.en"`),
   * the encoder's `asr` input (`semanticInput`), or both. Present where the model set has asr.onnx.
   */
  asr?(audio: Float32Array): Promise<Float32Array>;
  /**
   * Returns codes [K, codeGroups]. `features`: the encoder window's frames the segments cover, which
   * a quantizer that pools the frames itself (formatVersion 3) takes instead of `merged`'s means.
   */
  quantize(merged: MergeResult, features?: EncodedFeatures): Promise<Int32Array>;
  /**
   * codes [K, codeGroups] and lengths [K] → audio of sum(lengths) * frameSamples samples. A model
   * with pitch (models.json `pitch`) also takes the 10 ms F0 track and phases of those frames.
   */
  decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array>;
  /**
   * Present with `synthesizer` where decoder.onnx predicts vocoder features (models.json): its rows
   * [8 · sum(lengths), 20] for these segments, before the vocoder. The core then joins decoder
   * windows in the feature domain and renders the whole note with one `synthesizer` stream.
   */
  decodeFeatures?(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array>;
  /** The vocoder, present where decoder.onnx predicts its features. */
  readonly synthesizer?: FeatureSynthesizer;
  release(): Promise<void>;
}

/**
 * Frame merging: the TS twin (src/core/merge.ts) in Node, WGSL kernels in the browser.
 * `similarities` is split out so the τ search can bisect on it without recomputing.
 */
export interface Merger {
  similarities(features: EncodedFeatures): Promise<Float32Array>;
  merge(features: EncodedFeatures, similarities: Float32Array, tau: number): Promise<MergeResult>;
  /**
   * The spread layout's cost of every (end frame, length) of the semantic stream, [frames ·
   * maxSegmentFrames], +Infinity before frame 0 (src/core/spread-layout.ts spreadCosts): float64 from
   * the twin, float32 from the GPU kernel. The codec picks the segments from them on the CPU.
   */
  spreadCosts(features: EncodedFeatures): Promise<Float64Array | Float32Array>;
}
