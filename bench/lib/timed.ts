/**
 * Stage timing without touching the codec: wrappers that time each call the pipeline makes on
 * its InferenceBackend and Merger. Pure TypeScript (performance.now), used in Node and in the
 * browser worker. What the wrappers do not see (τ search, bitstream, DC filter, window copies,
 * crossfades) is the whole call's time minus theirs: the "other" stage.
 */
import type {
  DecoderPitch,
  EncodedFeatures,
  EncoderOutput,
  FeatureAnalyser,
  FeatureSynthesizer,
  InferenceBackend,
  MergeResult,
  Merger,
} from '../../src/core/types.ts';

/**
 * Names of the timed stages. `analysis` is the vocoder's LPCNet feature analysis a model whose
 * encoder reads vocoder features runs before encoder.onnx; `fargan` is the vocoder's synthesis
 * from the features decoder.onnx predicts (models.json formatVersion 3). Both are 0 for a model
 * that reads and gives audio.
 */
export type Stage = 'analysis' | 'encoder' | 'merge' | 'quantizer' | 'decoder' | 'fargan';

/** Milliseconds spent in each stage since the last reset. */
export type StageMs = Record<Stage, number>;

/** All stages at zero. */
export function zeroStages(): StageMs {
  return { analysis: 0, encoder: 0, merge: 0, quantizer: 0, decoder: 0, fargan: 0 };
}

/** One accumulator shared by the timed backend and merger. */
export class StageClock {
  ms: StageMs = zeroStages();

  /** Returns the stage times so far and starts again from zero. */
  take(): StageMs {
    const out = this.ms;
    this.ms = zeroStages();
    return out;
  }

  async time<T>(stage: Stage, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.ms[stage] += performance.now() - start;
    }
  }

  /** The same for synchronous work (the vocoder's analysis and synthesis). */
  timeSync<T>(stage: Stage, run: () => T): T {
    const start = performance.now();
    try {
      return run();
    } finally {
      this.ms[stage] += performance.now() - start;
    }
  }
}

/**
 * An InferenceBackend that times encoder, quantizer and decoder calls, and the vocoder's analysis
 * (stage `analysis`) and FARGAN synthesis (stage `fargan`) where the model runs them. The codec calls
 * them one after another, never nested, so the stages add up.
 */
export class TimedBackend implements InferenceBackend {
  readonly name: InferenceBackend['name'];

  constructor(
    private readonly inner: InferenceBackend,
    private readonly clock: StageClock,
  ) {
    this.name = inner.name;
  }

  encode(input: Float32Array, asr?: Float32Array): Promise<EncoderOutput> {
    return this.clock.time('encoder', () => this.inner.encode(input, asr));
  }

  /** asr.onnx (model sets that merge on ASR features) counts as the encoder stage: it is the merge stream's encoder. */
  get asr(): ((audio: Float32Array) => Promise<Float32Array>) | undefined {
    const run = this.inner.asr?.bind(this.inner);
    if (!run) return undefined;
    return (audio) => this.clock.time('encoder', () => run(audio));
  }

  get analyser(): FeatureAnalyser | undefined {
    const inner = this.inner.analyser;
    if (!inner) return undefined;
    return {
      analysisStream: () => {
        const stream = inner.analysisStream();
        return {
          push: (pcm) => this.clock.timeSync('analysis', () => stream.push(pcm)),
          close: () => stream.close(),
        };
      },
    };
  }

  quantize(merged: MergeResult, features?: EncodedFeatures): Promise<Int32Array> {
    return this.clock.time('quantizer', () => this.inner.quantize(merged, features));
  }

  decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    return this.clock.time('decoder', () => this.inner.decode(codes, lengths, pitch));
  }

  get decodeFeatures():
    ((codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch) => Promise<Float32Array>) | undefined {
    const run = this.inner.decodeFeatures?.bind(this.inner);
    if (!run) return undefined;
    return (codes, lengths, pitch) => this.clock.time('decoder', () => run(codes, lengths, pitch));
  }

  get synthesizer(): FeatureSynthesizer | undefined {
    const inner = this.inner.synthesizer;
    if (!inner) return undefined;
    return {
      synthesisStream: () => {
        const stream = inner.synthesisStream();
        return {
          push: (rows) => this.clock.timeSync('fargan', () => stream.push(rows)),
          flush: () => this.clock.timeSync('fargan', () => stream.flush()),
          close: () => stream.close(),
        };
      },
    };
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

/** A Merger whose similarities, merge and spread-cost calls count as the "merge" stage (kernels or twin). */
export class TimedMerger implements Merger {
  constructor(
    private readonly inner: Merger,
    private readonly clock: StageClock,
  ) {}

  similarities(features: EncodedFeatures): Promise<Float32Array> {
    return this.clock.time('merge', () => this.inner.similarities(features));
  }

  merge(features: EncodedFeatures, similarities: Float32Array, tau: number): Promise<MergeResult> {
    return this.clock.time('merge', () => this.inner.merge(features, similarities, tau));
  }

  spreadCosts(features: EncodedFeatures): Promise<Float64Array | Float32Array> {
    return this.clock.time('merge', () => this.inner.spreadCosts(features));
  }
}
