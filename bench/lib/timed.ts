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
  InferenceBackend,
  MergeResult,
  Merger,
} from '../../src/core/types.ts';

/** Names of the timed stages. */
export type Stage = 'encoder' | 'merge' | 'quantizer' | 'decoder';

/** Milliseconds spent in each stage since the last reset. */
export type StageMs = Record<Stage, number>;

/** All stages at zero. */
export function zeroStages(): StageMs {
  return { encoder: 0, merge: 0, quantizer: 0, decoder: 0 };
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
}

/** An InferenceBackend that times encoder, quantizer and decoder calls. */
export class TimedBackend implements InferenceBackend {
  readonly name: InferenceBackend['name'];

  constructor(
    private readonly inner: InferenceBackend,
    private readonly clock: StageClock,
  ) {
    this.name = inner.name;
  }

  encode(audio: Float32Array): Promise<EncoderOutput> {
    return this.clock.time('encoder', () => this.inner.encode(audio));
  }

  /** asr.onnx (model sets that merge on ASR features) counts as the encoder stage: it is the merge stream's encoder. */
  get asr(): ((audio: Float32Array) => Promise<Float32Array>) | undefined {
    const run = this.inner.asr?.bind(this.inner);
    if (!run) return undefined;
    return (audio) => this.clock.time('encoder', () => run(audio));
  }

  quantize(merged: MergeResult): Promise<Int32Array> {
    return this.clock.time('quantizer', () => this.inner.quantize(merged));
  }

  decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    return this.clock.time('decoder', () => this.inner.decode(codes, lengths, pitch));
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

/** A Merger whose similarities and merge calls count as the "merge" stage (kernels or twin). */
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
}
