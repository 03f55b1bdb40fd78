/**
 * libopus 1.6.1's neural vocoder in WebAssembly: LPCNet feature analysis (with PitchDNN) and
 * FARGAN synthesis, behind one small class. No DOM and no Node APIs: the browser worker and Node
 * share it; each brings the module's bytes and the weights blob (src/vocoder/load.ts).
 */
import { concatFloat32 } from '../core/concat.ts';
import { instantiateVocoder, type VocoderExports } from './wasm.ts';

/** Samples per vocoder frame: 10 ms at 16 kHz. */
export const VOCODER_FRAME_SAMPLES = 160;
/** Features per frame: 18 Bark cepstra, pitch period code, pitch correlation. */
export const VOCODER_FEATURE_COUNT = 20;
/** Sample rate the vocoder analyses and synthesises, Hz. */
export const VOCODER_SAMPLE_RATE_HZ = 16000;
/**
 * Samples FARGAN's output lags the analysed input when every frame is synthesised after the warm-up:
 * half a frame from the analysis window's centre, one frame from FARGAN's conditioning (its output
 * for features k is the speech of frame k − 1). Measured: STOI of the 6 s fixture peaks at this
 * shift (0.9775 at 240, 0.9768 at ±12); training/vocoder/native.py measured 240-244 over 13 files.
 */
export const FARGAN_DELAY_SAMPLES = 240;
/**
 * Samples of the first synthesised frame that lie before the input (fargan_demo's skip): the
 * warm-up consumes the first frame's features, which are not synthesised again, so what is left of
 * the delay is half a frame.
 */
export const FARGAN_LEAD_SAMPLES = FARGAN_DELAY_SAMPLES - VOCODER_FRAME_SAMPLES;

/** A vocoder call given the wrong sizes, or a vocoder used after `release()`. */
export class VocoderError extends Error {
  override readonly name = 'VocoderError';
}

/** Float32 views of the module's memory are made afresh per use: a grown memory detaches old ones. */
function f32(e: VocoderExports, ptr: number, length: number): Float32Array {
  return new Float32Array(e.memory.buffer, ptr, length);
}

/** One instance of the vocoder module with the weights loaded: analysis and FARGAN synthesis. */
export class Vocoder {
  private released = false;

  private constructor(
    private readonly e: VocoderExports,
    /** The weights blob in the module's memory: the layers point into it, so it lives as long as this. */
    private readonly blob: number,
    private readonly blobBytes: number,
    /** Scratch: one frame of samples, one frame of features. */
    private readonly pcm: number,
    private readonly features: number,
    /** Which build runs: 'simd' (WASM SIMD) or 'scalar'. */
    readonly build: 'simd' | 'scalar',
  ) {}

  /**
   * Instantiates the module and loads the weights blob (PitchDNN and FARGAN records of libopus
   * 1.6.1, checked by the caller's sha256); throws where the module or the blob is not what the
   * vocoder needs. `names` name the two in errors.
   */
  static async create(
    wasm: BufferSource | WebAssembly.Module,
    weights: Uint8Array,
    build: 'simd' | 'scalar',
    names: { wasm: string; weights: string } = { wasm: 'vocoder module', weights: 'vocoder weights' },
  ): Promise<Vocoder> {
    const e = await instantiateVocoder(wasm, names.wasm);
    if (e.fxv_frame_samples() !== VOCODER_FRAME_SAMPLES || e.fxv_feature_count() !== VOCODER_FEATURE_COUNT)
      throw new Error(
        `${names.wasm}: ${e.fxv_frame_samples()}-sample frames of ${e.fxv_feature_count()} features, ` +
          `expected ${VOCODER_FRAME_SAMPLES} and ${VOCODER_FEATURE_COUNT}`,
      );
    if (weights.length === 0) throw new Error(`${names.weights}: empty`);
    const blob = e.fxv_alloc(weights.length);
    if (!blob) throw new Error(`${names.weights}: no memory for ${weights.length} bytes`);
    new Uint8Array(e.memory.buffer, blob, weights.length).set(weights);
    // Each state is checked once here; the blob must hold both records.
    for (const [make, free, what] of [
      [e.fxv_analysis_new, e.fxv_analysis_free, "PitchDNN's (analysis)"],
      [e.fxv_fargan_new, e.fxv_fargan_free, "FARGAN's"],
    ] as const) {
      const st = make(blob, weights.length);
      if (!st) {
        e.fxv_free(blob);
        throw new Error(`${names.weights}: libopus refused the blob: it lacks ${what} weights or is corrupt`);
      }
      free(st);
    }
    const pcm = e.fxv_alloc(VOCODER_FRAME_SAMPLES * 4);
    const features = e.fxv_alloc(VOCODER_FEATURE_COUNT * 4);
    return new Vocoder(e, blob, weights.length, pcm, features, build);
  }

  /**
   * LPCNet features of 16 kHz mono audio in [-1, 1]: N = ceil(length / 160) frames of 20, row-major
   * [N, 20], frame k computed once samples [0, 160k + 160) are in (the last frame padded with
   * zeros). The features lag the audio (see FARGAN_DELAY_SAMPLES); `synthesize` takes that off, so
   * a model that predicts features predicts them in this timing.
   */
  analyse(pcm16k: Float32Array): Float32Array {
    const stream = this.analysisStream();
    try {
      return concatFloat32([stream.push(pcm16k), stream.flush()]);
    } finally {
      stream.close();
    }
  }

  /**
   * The analysis of audio that arrives in pieces (an encoder's windows over a long file), in one
   * state: the rows equal `analyse` of the whole, frame k's as soon as samples [0, 160k + 160) are
   * in. Call `close()` when done.
   */
  analysisStream(): AnalysisStream {
    const e = this.exports();
    const st = e.fxv_analysis_new(this.blob, this.blobBytes);
    if (!st) throw new VocoderError('vocoder: analysis state could not be created');
    return new AnalysisStream(e, st, this.pcm, this.features, () => this.exports());
  }

  /**
   * FARGAN's 16 kHz speech from N frames of features (row-major [N, 20], as `analyse` gives):
   * N · 160 samples, time-aligned with the audio the features were analysed from. The schedule of
   * libopus's fargan_demo and of training/vocoder/native.py `synthesize`: the warm-up on frame 0,
   * then frames 1 … N − 1 and the last frame twice more, the first FARGAN_LEAD_SAMPLES dropped.
   */
  synthesize(features: Float32Array): Float32Array {
    if (features.length === 0)
      throw new VocoderError(
        `vocoder: 0 feature values are not a positive multiple of ${VOCODER_FEATURE_COUNT}`,
      );
    const stream = this.synthesisStream();
    try {
      return concatFloat32([stream.push(features), stream.flush()]);
    } finally {
      stream.close();
    }
  }

  /**
   * FARGAN over feature rows that arrive in pieces (a decoder's windows over a long note), in one
   * state and in `synthesize`'s schedule: the samples equal `synthesize` of all the rows. Call
   * `close()` when done.
   */
  synthesisStream(): SynthesisStream {
    const e = this.exports();
    const st = e.fxv_fargan_new(this.blob, this.blobBytes);
    if (!st) throw new VocoderError('vocoder: FARGAN state could not be created');
    return new SynthesisStream(e, st, this.pcm, this.features, () => this.exports());
  }

  /**
   * Analysis then synthesis: the vocoder's own rendition of `pcm16k`, as many samples as it has
   * (the decoder's ceiling). One `resynthesisStream` fed the whole input: the same samples as
   * `synthesize(analyse(pcm16k))` cut to its length, as training/vocoder/native.py `resynthesize`.
   */
  resynthesize(pcm16k: Float32Array): Float32Array {
    const stream = this.resynthesisStream();
    try {
      return concatFloat32([stream.push(pcm16k), stream.flush()]);
    } finally {
      stream.close();
    }
  }

  /**
   * Analysis and synthesis frame by frame, for audio that arrives in pieces (a long file, a
   * microphone): memory stays one frame whatever the length. Call `close()` when done.
   */
  resynthesisStream(): ResynthesisStream {
    const e = this.exports();
    const analysis = e.fxv_analysis_new(this.blob, this.blobBytes);
    const fargan = e.fxv_fargan_new(this.blob, this.blobBytes);
    if (!analysis || !fargan) {
      if (analysis) e.fxv_analysis_free(analysis);
      if (fargan) e.fxv_fargan_free(fargan);
      throw new VocoderError('vocoder: analysis or FARGAN state could not be created');
    }
    return new ResynthesisStream(e, analysis, fargan, this.pcm, this.features, () => this.exports());
  }

  /** Frees the module's memory; the vocoder cannot be used afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const p of [this.blob, this.pcm, this.features]) this.e.fxv_free(p);
  }

  private exports(): VocoderExports {
    if (this.released) throw new VocoderError('vocoder: used after release()');
    return this.e;
  }
}

/** One analysis in progress: samples in, the rows [n, 20] of the 10 ms frames they complete out. */
export class AnalysisStream {
  /** Input samples of the frame being filled. */
  private readonly pending = new Float32Array(VOCODER_FRAME_SAMPLES);
  private pendingLength = 0;
  private closed = false;

  /** @internal Made by `Vocoder.analysisStream`. */
  constructor(
    private readonly e: VocoderExports,
    private readonly state: number,
    private readonly pcm: number,
    private readonly features: number,
    /** Throws where the vocoder has been released. */
    private readonly alive: () => unknown,
  ) {}

  /** Feeds samples; returns the feature rows of the frames they complete (row-major [n, 20]). */
  push(pcm16k: Float32Array): Float32Array {
    this.check();
    const frames = Math.floor((this.pendingLength + pcm16k.length) / VOCODER_FRAME_SAMPLES);
    const out = new Float32Array(frames * VOCODER_FEATURE_COUNT);
    for (let at = 0, k = 0; at < pcm16k.length;) {
      const n = Math.min(VOCODER_FRAME_SAMPLES - this.pendingLength, pcm16k.length - at);
      this.pending.set(pcm16k.subarray(at, at + n), this.pendingLength);
      this.pendingLength += n;
      at += n;
      if (this.pendingLength === VOCODER_FRAME_SAMPLES) out.set(this.analyse(), VOCODER_FEATURE_COUNT * k++);
    }
    return out;
  }

  /** Ends the input: the last, partial frame's row (completed with zeros), or nothing. */
  flush(): Float32Array {
    this.check();
    if (this.pendingLength === 0) return new Float32Array(0);
    this.pending.fill(0, this.pendingLength);
    return this.analyse().slice();
  }

  /** Frees the state (also after an error); the stream cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.e.fxv_analysis_free(this.state);
  }

  /** Analyses the pending frame; returns a view of the features in scratch. */
  private analyse(): Float32Array {
    f32(this.e, this.pcm, VOCODER_FRAME_SAMPLES).set(this.pending);
    this.e.fxv_analysis_frame(this.state, this.pcm, this.features);
    this.pendingLength = 0;
    return f32(this.e, this.features, VOCODER_FEATURE_COUNT);
  }

  private check(): void {
    this.alive();
    if (this.closed) throw new VocoderError('vocoder: analysis stream used after close()');
  }
}

/**
 * One synthesis in progress: feature rows in, time-aligned samples out. The first row warms FARGAN
 * up, each later one gives 160 samples (less the FARGAN_LEAD_SAMPLES that lie before the input), and
 * `flush` synthesises the last row again until there are 160 samples per row pushed.
 */
export class SynthesisStream {
  /** The last row pushed, which `flush` synthesises again. */
  private readonly last = new Float32Array(VOCODER_FEATURE_COUNT);
  private rows = 0;
  private outputSamples = 0;
  private toDrop = FARGAN_LEAD_SAMPLES;
  private closed = false;

  /** @internal Made by `Vocoder.synthesisStream`. */
  constructor(
    private readonly e: VocoderExports,
    private readonly state: number,
    private readonly pcm: number,
    private readonly features: number,
    /** Throws where the vocoder has been released. */
    private readonly alive: () => unknown,
  ) {}

  /** Feeds rows (row-major [n, 20], finite); returns the samples they complete. */
  push(rows: Float32Array): Float32Array {
    this.check();
    if (rows.length % VOCODER_FEATURE_COUNT !== 0)
      throw new VocoderError(
        `vocoder: ${rows.length} feature values are not a multiple of ${VOCODER_FEATURE_COUNT}`,
      );
    for (let i = 0; i < rows.length; i++)
      if (!Number.isFinite(rows[i]))
        throw new VocoderError(
          `vocoder: feature ${i % VOCODER_FEATURE_COUNT} of frame ${this.rows + Math.floor(i / VOCODER_FEATURE_COUNT)} is ${rows[i]}`,
        );
    const out: Float32Array[] = [];
    for (let at = 0; at < rows.length; at += VOCODER_FEATURE_COUNT) {
      this.last.set(rows.subarray(at, at + VOCODER_FEATURE_COUNT));
      f32(this.e, this.features, VOCODER_FEATURE_COUNT).set(this.last);
      if (this.rows++ === 0) this.e.fxv_fargan_start(this.state, this.features);
      else out.push(this.frame());
    }
    return this.counted(concatFloat32(out));
  }

  /** Ends the rows: the rest of the samples, 160 per row pushed in all. */
  flush(): Float32Array {
    this.check();
    const out: Float32Array[] = [];
    const total = this.rows * VOCODER_FRAME_SAMPLES;
    for (let have = this.outputSamples; have < total; have += out[out.length - 1].length) {
      f32(this.e, this.features, VOCODER_FEATURE_COUNT).set(this.last);
      out.push(this.frame());
    }
    return this.counted(concatFloat32(out).subarray(0, total - this.outputSamples));
  }

  /** Frees the state (also after an error); the stream cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.e.fxv_fargan_free(this.state);
  }

  /** One FARGAN frame from the row in scratch, less what still lies before the input. */
  private frame(): Float32Array {
    this.e.fxv_fargan_frame(this.state, this.features, this.pcm);
    const frame = f32(this.e, this.pcm, VOCODER_FRAME_SAMPLES);
    const drop = Math.min(this.toDrop, VOCODER_FRAME_SAMPLES);
    this.toDrop -= drop;
    return frame.slice(drop);
  }

  private counted(samples: Float32Array): Float32Array {
    this.outputSamples += samples.length;
    return samples;
  }

  private check(): void {
    this.alive();
    if (this.closed) throw new VocoderError('vocoder: synthesis stream used after close()');
  }
}

/**
 * One resynthesis in progress: samples in, the vocoder's samples out, time-aligned (output sample i
 * renders input sample i), in `synthesize`'s schedule: frame 0's features only warm FARGAN up, each
 * later frame is synthesised as soon as it is analysed, and `flush` analyses the last, partial frame
 * and holds its features until the input's last sample is rendered.
 */
export class ResynthesisStream {
  /** Input samples of the frame being filled. */
  private readonly pending = new Float32Array(VOCODER_FRAME_SAMPLES);
  private pendingLength = 0;
  private inputSamples = 0;
  private outputSamples = 0;
  /** Synthesised samples still to drop (they lie before the input). */
  private toDrop = FARGAN_LEAD_SAMPLES;
  private started = false;
  private closed = false;

  /** @internal Made by `Vocoder.resynthesisStream`. */
  constructor(
    private readonly e: VocoderExports,
    private readonly analysis: number,
    private readonly fargan: number,
    private readonly pcm: number,
    private readonly features: number,
    /** Throws where the vocoder has been released. */
    private readonly alive: () => unknown,
  ) {}

  /** Feeds samples; returns the output samples they complete (each frame once its features exist). */
  push(pcm16k: Float32Array): Float32Array {
    this.check();
    this.inputSamples += pcm16k.length;
    const out: Float32Array[] = [];
    for (let at = 0; at < pcm16k.length;) {
      const n = Math.min(VOCODER_FRAME_SAMPLES - this.pendingLength, pcm16k.length - at);
      this.pending.set(pcm16k.subarray(at, at + n), this.pendingLength);
      this.pendingLength += n;
      at += n;
      if (this.pendingLength === VOCODER_FRAME_SAMPLES) out.push(this.analyseAndSynthesise());
    }
    return this.take(out, Infinity);
  }

  /** Ends the input; returns the rest of the output, as many samples in all as were pushed. */
  flush(): Float32Array {
    this.check();
    const out: Float32Array[] = [];
    if (this.pendingLength > 0) {
      this.pending.fill(0, this.pendingLength);
      out.push(this.analyseAndSynthesise());
    }
    // The last frame's features, held (FARGAN is causal: nothing later changes what came before).
    let have = this.outputSamples + out.reduce((n, o) => n + o.length, 0);
    while (this.started && have < this.inputSamples) {
      out.push(this.synthesise());
      have += out[out.length - 1].length;
    }
    return this.take(out, this.inputSamples - this.outputSamples);
  }

  /** Frees the two states (also after an error); the stream cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.e.fxv_analysis_free(this.analysis);
    this.e.fxv_fargan_free(this.fargan);
  }

  /** Analyses the pending frame; the first one warms FARGAN up, each later one is synthesised. */
  private analyseAndSynthesise(): Float32Array {
    const e = this.e;
    f32(e, this.pcm, VOCODER_FRAME_SAMPLES).set(this.pending);
    e.fxv_analysis_frame(this.analysis, this.pcm, this.features);
    this.pendingLength = 0;
    if (this.started) return this.synthesise();
    e.fxv_fargan_start(this.fargan, this.features);
    this.started = true;
    return new Float32Array(0);
  }

  /** One FARGAN frame from the features in scratch, less what still lies before the input. */
  private synthesise(): Float32Array {
    this.e.fxv_fargan_frame(this.fargan, this.features, this.pcm);
    const frame = f32(this.e, this.pcm, VOCODER_FRAME_SAMPLES);
    const drop = Math.min(this.toDrop, VOCODER_FRAME_SAMPLES);
    this.toDrop -= drop;
    return frame.slice(drop);
  }

  /** Joins pieces, at most `limit` samples, and counts them as output. */
  private take(pieces: Float32Array[], limit: number): Float32Array {
    const total = Math.min(
      limit,
      pieces.reduce((n, p) => n + p.length, 0),
    );
    const out = new Float32Array(total);
    let at = 0;
    for (const p of pieces) {
      if (at >= total) break;
      const n = Math.min(p.length, total - at);
      out.set(p.subarray(0, n), at);
      at += n;
    }
    this.outputSamples += total;
    return out;
  }

  private check(): void {
    this.alive();
    if (this.closed) throw new VocoderError('vocoder: resynthesis stream used after close()');
  }
}
