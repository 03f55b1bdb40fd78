/**
 * Long audio in bounded memory. The encoder runs on windows of `windowFrames` frames with
 * `contextFrames` of real audio on each side (dropped after the model), fed from a stream of
 * 16 kHz chunks; the decoder runs on windows of whole segments with context segments on each
 * side and joins neighbouring windows with a short raised-cosine crossfade (decode-windows.ts).
 * Memory is one window of audio plus features, whatever the length; a file of one window is a
 * single pass.
 */
import { planAsrWindows, type AsrWindow, type AsrWindowPlan } from './asr-windows.ts';
import {
  asrFeatureDim,
  encoderReadsAsr,
  encoderReadsFeatures,
  mergeFromAsr,
  type EncoderInput,
  type MergeFeatures,
  type SemanticInput,
} from './manifest.ts';
import { PITCH_SUBFRAMES } from './pitch-code.ts';
import { trackPitch } from './pitch-track.ts';
import type { EncodedFeatures, FeatureAnalysisStream, InferenceBackend } from './types.ts';
import type { VocoderSection } from './vocoder-section.ts';

/** How long audio is cut into model calls. */
export interface ChunkPlan {
  /** Frames each window keeps (375 = 30 s at 12.5 Hz); Infinity means one pass. */
  windowFrames: number;
  /** Frames of context run through the model on each side of a window and then dropped. */
  contextFrames: number;
}

/** Decoder windows also crossfade at each seam. */
export interface DecodePlan extends ChunkPlan {
  /** Length of the raised-cosine crossfade centred on each seam, in samples (even). */
  crossfadeSamples: number;
}

/** 30 s windows with about 1 s of context each side. */
export const DEFAULT_ENCODE_PLAN: ChunkPlan = { windowFrames: 375, contextFrames: 13 };
/** 30 s windows, about 1 s of context, 32 ms crossfade. */
export const DEFAULT_DECODE_PLAN: DecodePlan = {
  windowFrames: 375,
  contextFrames: 13,
  crossfadeSamples: 512,
};

/**
 * 10 s windows for a decoder with a harmonic synthesiser (models.json `pitch`): it holds every
 * harmonic of every sample of a window at once, about 700 MB for 30 s in onnxruntime, 220 MB for 10 s.
 */
export const PITCH_DECODE_PLAN: DecodePlan = { ...DEFAULT_DECODE_PLAN, windowFrames: 125 };

/** The decoder windows a model uses unless told otherwise. */
export function defaultDecodePlan(m: { pitch?: unknown }): DecodePlan {
  return m.pitch ? PITCH_DECODE_PLAN : DEFAULT_DECODE_PLAN;
}

/**
 * Encoder output for the frames one window keeps. The adjacent-frame similarities the threshold
 * merge reads are the codec's to compute (Codec.codeWindow), only for a model with that layout.
 */
export interface FeatureWindow {
  /** Index of the window's first kept frame in the whole file. */
  firstFrame: number;
  features: EncodedFeatures;
  /**
   * For a model with pitch: the tracker's F0 (Hz, 0 unvoiced) of the kept frames' 10 ms frames,
   * tracked on the window's audio with its context, so it equals the whole-file track.
   */
  f0?: Float64Array;
}

/** Balanced split of `total` items into windows of at most `size`: the start of each, then `total`. */
export function windowBounds(total: number, size: number): number[] {
  const count = Number.isFinite(size) ? Math.max(1, Math.ceil(total / size)) : 1;
  const bounds: number[] = [];
  for (let i = 0; i <= count; i++) bounds.push(Math.round((i * total) / count));
  return bounds;
}

/** Holds the recent part of a sample stream, addressed by absolute sample index. */
class SampleQueue {
  private pieces: { start: number; data: Float32Array }[] = [];
  /** Samples received so far. */
  end = 0;

  push(data: Float32Array): void {
    if (data.length === 0) return;
    this.pieces.push({ start: this.end, data });
    this.end += data.length;
  }

  /** Copies samples [from, to) into a new array; samples not received read as 0. */
  read(from: number, to: number): Float32Array {
    const out = new Float32Array(to - from);
    for (const p of this.pieces) {
      const a = Math.max(from, p.start);
      const b = Math.min(to, p.start + p.data.length);
      if (a < b) out.set(p.data.subarray(a - p.start, b - p.start), a - from);
    }
    return out;
  }

  /** Forgets samples before `position`. */
  dropBefore(position: number): void {
    this.pieces = this.pieces.filter((p) => p.start + p.data.length > position);
  }
}

/** Rows [from, to) of a row-major [rows, dim] array. */
function rows(x: Float32Array, dim: number, from: number, to: number): Float32Array {
  return x.slice(from * dim, to * dim);
}

/**
 * asr.onnx's rows over a file: asr windows planned over the whole file (asr-windows.ts, as
 * training/whisper/windows.py), run in order as the encoder windows need their rows (the merge
 * stream, `mergeFeatures: "whisper-tiny.en"`; the encoder's `asr` input, context included,
 * `semanticInput`; or both). Rows before the current encoder window are dropped, so memory is one
 * asr window. Exported for the kernel test (e2e/kernels/realFeatures.ts), which cuts the same rows.
 */
export class AsrStream {
  private readonly plan: AsrWindowPlan[];
  private next = 0;
  /** Rows [base, base + rows.length / dim) of the file's asr features. */
  private base = 0;
  private rows = new Float32Array(0);

  constructor(
    frames: number,
    private readonly window: AsrWindow,
    private readonly dim: number,
    private readonly frameSamples: number,
    private readonly run: (audio: Float32Array) => Promise<Float32Array>,
  ) {
    this.plan = planAsrWindows(frames, window);
  }

  /** First sample a later asr window reads (Infinity when every window has run). */
  get firstNeededSample(): number {
    return this.next < this.plan.length ? this.plan[this.next].start * this.frameSamples : Infinity;
  }

  /**
   * Rows [from, to) of the file's asr features; `from` never decreases between calls. `read(a, b)`
   * returns samples [a, b) of the file (after the caller has received them).
   */
  async take(from: number, to: number, read: (a: number, b: number) => Promise<Float32Array>) {
    const dim = this.dim;
    const have = () => this.base + this.rows.length / dim;
    while (have() < to) {
      const p = this.plan[this.next++];
      const frames = p.end - p.start;
      let audio = await read(p.start * this.frameSamples, p.end * this.frameSamples);
      if (this.window.padShortToWindow && frames < this.window.windowFrames) {
        const padded = new Float32Array(this.window.windowFrames * this.frameSamples);
        padded.set(audio);
        audio = padded;
      }
      const out = await this.run(audio);
      if (out.length !== (audio.length / this.frameSamples) * dim)
        throw new Error(`asr returned ${out.length} values for ${audio.length / this.frameSamples} frames`);
      const kept = out.subarray((p.keepFrom - p.start) * dim, (p.keepTo - p.start) * dim);
      const start = Math.max(0, from - this.base) * dim;
      const joined = new Float32Array(this.rows.length - start + kept.length);
      joined.set(this.rows.subarray(start));
      joined.set(kept, this.rows.length - start);
      this.base += start / dim;
      this.rows = joined;
    }
    return this.rows.slice((from - this.base) * dim, (to - this.base) * dim);
  }
}

/**
 * The vocoder features an encoder reads (models.json `encoderInput: "vocoder-features"`): one
 * analysis state runs over the whole file in order, as training/vocoder/native.py `analyse` ran over
 * each training utterance, and each encoder window takes its rows, context included. Row r describes
 * the 10 ms around sample 160 r, so a window of frames [a, b) takes rows [8a, 8b) whatever the cut;
 * rows before the current window are dropped, so memory is one window of features.
 */
class FeatureStream {
  /** Rows [base, base + rows.length / count) of the file's analysis. */
  private base = 0;
  private rows = new Float32Array(0);
  /** Samples analysed so far. */
  private analysed = 0;

  constructor(
    private readonly stream: FeatureAnalysisStream,
    /** Samples per row (160) and values per row (20), from models.json's `vocoder`. */
    private readonly rowSamples: number,
    private readonly count: number,
  ) {}

  /**
   * Rows of samples [from, to), both multiples of rowSamples; `from` never decreases between calls.
   * `read(a, b)` returns samples [a, b) of the file.
   */
  async take(from: number, to: number, read: (a: number, b: number) => Promise<Float32Array>) {
    const [first, end] = [from / this.rowSamples, to / this.rowSamples];
    if (to > this.analysed) {
      const fresh = this.stream.push(await read(this.analysed, to));
      this.analysed = to;
      const start = Math.max(0, first - this.base) * this.count;
      const joined = new Float32Array(this.rows.length - start + fresh.length);
      joined.set(this.rows.subarray(start));
      joined.set(fresh, this.rows.length - start);
      this.base += start / this.count;
      this.rows = joined;
    }
    if (first < this.base || (end - this.base) * this.count > this.rows.length)
      throw new Error(`vocoder analysis: rows [${first}, ${end}) asked for, [${this.base}, …) held`);
    return this.rows.slice((first - this.base) * this.count, (end - this.base) * this.count);
  }

  close(): void {
    this.stream.close();
  }
}

/** The feature stream of a model whose encoder reads vocoder features, or an error saying what is missing. */
function featureStream(
  dims: { encoderInput?: EncoderInput; vocoder?: VocoderSection },
  frameSamples: number,
  backend: Pick<InferenceBackend, 'analyser'>,
): FeatureStream | undefined {
  if (!encoderReadsFeatures(dims)) return undefined;
  if (!dims.vocoder) throw new Error('this model reads vocoder features, but models.json has no vocoder');
  if (!backend.analyser)
    throw new Error('this model reads vocoder features, but no vocoder is loaded for its encoder');
  const rowSamples = dims.vocoder.frameSamples;
  if (frameSamples % rowSamples !== 0)
    throw new Error(`${frameSamples}-sample frames are not whole ${rowSamples}-sample vocoder frames`);
  return new FeatureStream(backend.analyser.analysisStream(), rowSamples, dims.vocoder.features.count);
}

/**
 * Runs the encoder window by window over a stream of 16 kHz chunks holding `sampleCount`
 * samples in all (a short stream is padded with silence, extra samples are ignored). Where the
 * model set has asr.onnx (`dims.asrWindow`), one pass of its windows over the file gives rows that
 * are the merge stream instead of the encoder's `semantic` output (`mergeFeatures:
 * "whisper-tiny.en"`), the encoder's `asr` input of each window's input frames, context included
 * (`semanticInput`), or both: then the merge stream is the kept frames' rows of that same input.
 * Where its encoder reads vocoder features (`dims.encoderInput`), each window gets the rows of one
 * analysis of the whole file (FeatureStream).
 */
export async function* encoderWindows(
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  sampleCount: number,
  frameSamples: number,
  dims: {
    semanticDim: number;
    acousticDim: number;
    asrWindow?: AsrWindow;
    pitch?: unknown;
    encoderInput?: EncoderInput;
    mergeFeatures?: MergeFeatures;
    semanticInput?: SemanticInput;
    vocoder?: VocoderSection;
  },
  backend: Pick<InferenceBackend, 'encode' | 'asr' | 'analyser'>,
  plan: ChunkPlan = DEFAULT_ENCODE_PLAN,
): AsyncGenerator<FeatureWindow> {
  const frames = Math.ceil(sampleCount / frameSamples);
  const bounds = windowBounds(frames, plan.windowFrames);
  const queue = new SampleQueue();
  const source = (Symbol.asyncIterator in chunks ? chunks : toAsync(chunks))[Symbol.asyncIterator]();
  let sourceDone = false;
  /** Samples [from, to) of the file, pulling chunks until they have arrived (or the stream ends). */
  const read = async (from: number, to: number): Promise<Float32Array> => {
    while (!sourceDone && queue.end < Math.min(sampleCount, to)) {
      const next = await source.next();
      if (next.done) sourceDone = true;
      else queue.push(next.value.subarray(0, Math.max(0, sampleCount - queue.end)));
    }
    return queue.read(from, to);
  };
  let asr: AsrStream | undefined;
  if (dims.asrWindow) {
    const run = backend.asr?.bind(backend);
    if (!run) throw new Error('models.json lists asr.onnx, but the backend cannot run it');
    asr = new AsrStream(frames, dims.asrWindow, asrFeatureDim(dims), frameSamples, run);
  }
  if (encoderReadsAsr(dims) && !asr)
    throw new Error("this model's encoder reads asr.onnx's features, but models.json has no asrWindow");
  if (mergeFromAsr(dims) && !asr)
    throw new Error("this model merges on asr.onnx's features, but models.json has no asrWindow");
  const asrInput = encoderReadsAsr(dims) ? asr : undefined;
  const asrMerge = mergeFromAsr(dims) ? asr : undefined;
  const analysis = featureStream(dims, frameSamples, backend);
  try {
    for (let w = 0; w + 1 < bounds.length; w++) {
      const keepStart = bounds[w];
      const keepEnd = bounds[w + 1];
      const inStart = Math.max(0, keepStart - plan.contextFrames);
      const inEnd = Math.min(frames, keepEnd + plan.contextFrames);
      const audio = await read(inStart * frameSamples, inEnd * frameSamples);
      const input = analysis
        ? await analysis.take(inStart * frameSamples, inEnd * frameSamples, read)
        : audio;
      // The encoder's asr rows are those of its input frames, context included, as training fed it
      // Whisper's features of every frame it read. inStart never decreases: AsrStream's contract.
      const asrRows = asrInput ? await asrInput.take(inStart, inEnd, read) : undefined;
      const encoded = await backend.encode(input, asrRows);
      if (encoded.frames !== inEnd - inStart) {
        throw new Error(`encoder returned ${encoded.frames} frames for ${inEnd - inStart} frames of audio`);
      }
      let semantic: Float32Array;
      // Where the encoder read them too, the kept frames' rows are sliced from its input rows: one
      // take per window, so AsrStream's `from` never goes back to keepStart after inStart.
      if (asrMerge && asrRows)
        semantic = rows(asrRows, asrFeatureDim(dims), keepStart - inStart, keepEnd - inStart);
      else if (asrMerge) semantic = await asrMerge.take(keepStart, keepEnd, read);
      else if (encoded.semantic)
        semantic = rows(encoded.semantic, dims.semanticDim, keepStart - inStart, keepEnd - inStart);
      else if (asrInput)
        throw new Error(
          'encoder gave no semantic output, the merge stream of a model whose encoder reads asr.onnx',
        );
      else throw new Error('encoder gave no semantic output, and models.json lists no asr.onnx');
      const features: EncodedFeatures = {
        frames: keepEnd - keepStart,
        semantic,
        acoustic: rows(encoded.acoustic, dims.acousticDim, keepStart - inStart, keepEnd - inStart),
      };
      const f0 = dims.pitch
        ? trackPitch(audio).slice(
            (keepStart - inStart) * PITCH_SUBFRAMES,
            (keepEnd - inStart) * PITCH_SUBFRAMES,
          )
        : undefined;
      const nextStart = w + 2 < bounds.length ? Math.max(0, bounds[w + 1] - plan.contextFrames) : frames;
      // The next asr window may start before the next encoder window (its margin): keep its audio.
      queue.dropBefore(Math.min(nextStart * frameSamples, asr?.firstNeededSample ?? Infinity));
      yield { firstFrame: keepStart, features, ...(f0 ? { f0 } : {}) };
    }
  } finally {
    analysis?.close();
  }
  if (!sourceDone) await source.return?.();
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
