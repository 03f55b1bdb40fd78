/**
 * Long audio in bounded memory. The encoder runs on windows of `windowFrames` frames with
 * `contextFrames` of real audio on each side (dropped after the model), fed from a stream of
 * 16 kHz chunks; the decoder runs on windows of whole segments with context segments on each
 * side and joins neighbouring windows with a short raised-cosine crossfade. Memory is one
 * window of audio plus features, whatever the length; a file of one window is a single pass.
 */
import { planAsrWindows, type AsrWindow, type AsrWindowPlan } from './asr-windows.ts';
import type { FxcFile } from './bitstream.ts';
import { phaseStarts, PITCH_SUBFRAMES, strideTrack } from './pitch-code.ts';
import { trackPitch } from './pitch-track.ts';
import type { EncodedFeatures, InferenceBackend, Merger } from './types.ts';

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

/** Encoder output for the frames one window keeps, and their adjacent-frame similarities. */
export interface FeatureWindow {
  /** Index of the window's first kept frame in the whole file. */
  firstFrame: number;
  features: EncodedFeatures;
  similarities: Float32Array;
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
 * The merge stream of a model set with asr.onnx: asr windows planned over the whole file
 * (asr-windows.ts, as training/whisper/windows.py), run in order as the encoder windows need their
 * rows. Rows before the current encoder window are dropped, so memory is one asr window.
 */
class AsrStream {
  private readonly plan: AsrWindowPlan[];
  private next = 0;
  /** Rows [base, base + rows.length / dim) of the file's merge stream. */
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
   * Rows [from, to) of the merge stream; `from` never decreases between calls. `read(a, b)`
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
 * Runs the encoder window by window over a stream of 16 kHz chunks holding `sampleCount`
 * samples in all (a short stream is padded with silence, extra samples are ignored). Where the
 * model set has asr.onnx (`dims.asrWindow`), the merge stream comes from its windows instead of
 * the encoder's `semantic` output.
 */
export async function* encoderWindows(
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  sampleCount: number,
  frameSamples: number,
  dims: { semanticDim: number; acousticDim: number; asrWindow?: AsrWindow; pitch?: unknown },
  backend: Pick<InferenceBackend, 'encode' | 'asr'>,
  merger: Pick<Merger, 'similarities'>,
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
    asr = new AsrStream(frames, dims.asrWindow, dims.semanticDim, frameSamples, run);
  }
  for (let w = 0; w + 1 < bounds.length; w++) {
    const keepStart = bounds[w];
    const keepEnd = bounds[w + 1];
    const inStart = Math.max(0, keepStart - plan.contextFrames);
    const inEnd = Math.min(frames, keepEnd + plan.contextFrames);
    const audio = await read(inStart * frameSamples, inEnd * frameSamples);
    const encoded = await backend.encode(audio);
    if (encoded.frames !== inEnd - inStart) {
      throw new Error(`encoder returned ${encoded.frames} frames for ${inEnd - inStart} frames of audio`);
    }
    let semantic: Float32Array;
    if (asr) semantic = await asr.take(keepStart, keepEnd, read);
    else if (encoded.semantic)
      semantic = rows(encoded.semantic, dims.semanticDim, keepStart - inStart, keepEnd - inStart);
    else throw new Error('encoder gave no semantic output, and models.json lists no asr.onnx');
    const features: EncodedFeatures = {
      frames: keepEnd - keepStart,
      semantic,
      acoustic: rows(encoded.acoustic, dims.acousticDim, keepStart - inStart, keepEnd - inStart),
    };
    const similarities = await merger.similarities(features);
    const f0 = dims.pitch
      ? trackPitch(audio).slice(
          (keepStart - inStart) * PITCH_SUBFRAMES,
          (keepEnd - inStart) * PITCH_SUBFRAMES,
        )
      : undefined;
    const nextStart = w + 2 < bounds.length ? Math.max(0, bounds[w + 1] - plan.contextFrames) : frames;
    queue.dropBefore(Math.min(nextStart * frameSamples, asr?.firstNeededSample ?? Infinity));
    yield { firstFrame: keepStart, features, similarities, ...(f0 ? { f0 } : {}) };
  }
  if (!sourceDone) await source.return?.();
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** Raised-cosine fade-in weight of sample i of n. */
function fadeIn(i: number, n: number): number {
  return 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / n);
}

/**
 * Decodes a parsed file window by window and yields its audio in order, `sampleCount`
 * samples in all. Each window decodes its segments plus context segments on both sides.
 */
export async function* decodeWindows(
  file: FxcFile,
  frameSamples: number,
  backend: Pick<InferenceBackend, 'decode'>,
  plan: DecodePlan = DEFAULT_DECODE_PLAN,
): AsyncGenerator<Float32Array> {
  const { lengths, codes, segments } = file;
  const groups = codes.length / Math.max(1, segments);
  const half = plan.crossfadeSamples / 2;
  if (!Number.isInteger(half) || half * 2 > plan.contextFrames * frameSamples) {
    throw new RangeError('crossfade must be even and fit inside the context');
  }
  // frameAt[k]: first frame of segment k; frameAt[K] = T.
  const frameAt = new Float64Array(segments + 1);
  for (let k = 0; k < segments; k++) frameAt[k + 1] = frameAt[k] + lengths[k];
  const frames = frameAt[segments];
  // Window seams fall on segment starts near a balanced split of the frames.
  const seams: number[] = [0];
  const targets = windowBounds(frames, plan.windowFrames);
  for (let i = 1, k = 0; i + 1 < targets.length; i++) {
    while (k < segments && frameAt[k] < targets[i]) k++;
    if (k > seams[seams.length - 1] && k < segments) seams.push(k);
  }
  seams.push(segments);
  // A model with pitch: the whole file's 10 ms F0 track and phases, so every window gets the same
  // values for a frame and harmonics run on across the seams without a phase jump.
  const stride = file.pitchStride ?? 1;
  if (file.pitch && file.pitch.length !== Math.ceil(frames / stride))
    throw new RangeError(`${file.pitch.length} pitch levels for ${frames} frames: one per ${stride} frames`);
  const f0 = file.pitch ? strideTrack(file.pitch, stride, frames) : undefined;
  const phase = f0 ? phaseStarts(f0) : undefined;
  let tail: Float32Array | null = null; // previous window's audio around the seam
  let emitted = 0;
  const sampleCount = file.header.sampleCount;
  const emit = (piece: Float32Array): Float32Array => {
    const take = Math.max(0, Math.min(piece.length, sampleCount - emitted));
    emitted += take;
    return piece.subarray(0, take);
  };
  for (let w = 0; w + 1 < seams.length; w++) {
    const s0 = seams[w];
    const s1 = seams[w + 1];
    let c0 = s0;
    while (c0 > 0 && frameAt[s0] - frameAt[c0] < plan.contextFrames) c0--;
    let c1 = s1;
    while (c1 < segments && frameAt[c1] - frameAt[s1] < plan.contextFrames) c1++;
    const [p0, p1] = [frameAt[c0] * PITCH_SUBFRAMES, frameAt[c1] * PITCH_SUBFRAMES];
    const pitch =
      f0 && phase
        ? { f0: Float32Array.from(f0.subarray(p0, p1)), phase: Float32Array.from(phase.subarray(p0, p1)) }
        : undefined;
    const audio = await backend.decode(codes.slice(c0 * groups, c1 * groups), lengths.slice(c0, c1), pitch);
    const expected = (frameAt[c1] - frameAt[c0]) * frameSamples;
    if (audio.length !== expected)
      throw new Error(`decoder returned ${audio.length} samples, expected ${expected}`);
    const origin = frameAt[c0] * frameSamples; // absolute sample index of audio[0]
    const seamStart = frameAt[s0] * frameSamples;
    const seamEnd = frameAt[s1] * frameSamples;
    const last = w + 2 === seams.length;
    let from = seamStart;
    if (tail) {
      const mixed = new Float32Array(2 * half);
      for (let i = 0; i < mixed.length; i++) {
        const g = fadeIn(i, mixed.length);
        mixed[i] = tail[i] * (1 - g) + audio[seamStart - half + i - origin] * g;
      }
      yield emit(mixed);
      from = seamStart + half;
    }
    const to = last ? seamEnd : seamEnd - half;
    yield emit(audio.slice(from - origin, to - origin));
    tail = last ? null : audio.slice(seamEnd - half - origin, seamEnd + half - origin);
  }
}
