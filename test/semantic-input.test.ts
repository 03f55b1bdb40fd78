/**
 * A model whose encoder reads asr.onnx's features (models.json `semanticInput`, formatVersion 4), as
 * the core runs it (src/core/chunking.ts) with stand-in models (test doubles, not models) that tag
 * each row with the frame it describes: every encoder call must get exactly asr.onnx's rows of its
 * input frames, context included, each taken from the asr window the plan keeps it from; the merge
 * stream must stay the encoder's `semantic` output; an hour must stream in bounded memory; and the
 * earlier family (`mergeFeatures: "whisper-tiny.en"`) must still merge on asr.onnx's rows and feed
 * its encoder none; a model with both must merge on exactly the kept frames' rows of its encoder's
 * input, asr.onnx run once per asr window. Then a Codec round trip whose codes can only come from the
 * asr rows.
 */
import { describe, expect, it } from 'vitest';
import { planAsrWindows, type AsrWindow } from '../src/core/asr-windows.ts';
import { encoderWindows, windowBounds, type ChunkPlan, DEFAULT_ENCODE_PLAN } from '../src/core/chunking.ts';
import { Codec } from '../src/core/codec.ts';
import { parseManifest, type ModelConstants } from '../src/core/manifest.ts';
import { encoderFeeds } from '../src/core/model-io.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { EncodedFeatures, EncoderOutput, InferenceBackend, MergeResult } from '../src/core/types.ts';
import { frameStats } from './helpers/frame-stats.ts';
import { semanticInputManifestJson, v3ManifestJson, WHISPER_DIM } from './helpers/semantic-input.ts';
import { stepAudio } from './helpers/step-audio.ts';

const FRAME = 1280;
const WINDOW: AsrWindow = { windowFrames: 375, marginFrames: 31, padShortToWindow: true };
/** A semanticInput model: the merge stream is the encoder's 2-wide `semantic`. */
const DIMS = { semanticDim: 2, acousticDim: 1, asrWindow: WINDOW, semanticInput: 'whisper-tiny.en' as const };
/** A semanticInput model that also merges on asr.onnx's rows: the merge stream is 384 wide. */
const BOTH_DIMS = { ...DIMS, semanticDim: WHISPER_DIM, mergeFeatures: 'whisper-tiny.en' as const };
/** The earlier family: asr.onnx's 3-wide rows are the merge stream, the encoder reads none. */
const OLD_DIMS = {
  semanticDim: 3,
  acousticDim: 1,
  asrWindow: WINDOW,
  mergeFeatures: 'whisper-tiny.en' as const,
};

/** Sample value of frame f: the frame's own index, so a model can tell which frames it was given. */
const frameValue = (f: number) => 1 + f;

/** Audio of `frames` frames as 1 s chunks, generated lazily; `pulled` counts samples handed out. */
function frameAudio(frames: number, counter = { pulled: 0 }): Iterable<Float32Array> {
  return {
    *[Symbol.iterator]() {
      const total = frames * FRAME;
      for (let at = 0; at < total; at += 16000) {
        const chunk = new Float32Array(Math.min(16000, total - at));
        for (let i = 0; i < chunk.length; i++) chunk[i] = frameValue(Math.floor((at + i) / FRAME));
        counter.pulled += chunk.length;
        yield chunk;
      }
    },
  };
}

/** What one encoder call was given: its first frame, frame count, and per frame the asr row's tags. */
interface EncodeCall {
  first: number;
  frames: number;
  /** Row t's frame index and asr window start, as asr.onnx tagged it; undefined: no asr input. */
  asrFrame?: number[];
  asrWindowStart?: number[];
  /** The asr rows themselves. */
  asr?: Float32Array;
}

/**
 * Stand-in models. asr rows (`width` wide) say [frame index, window's first frame, position in
 * window, 0, …] (frame index −1: a padded frame). The encoder's semantic row of frame f is [f, −1],
 * unlike any asr row (none where `semanticOut` is false, as an encoder of a set that merges on the
 * asr rows); its acoustic row is the frame index of the asr row it was given (NaN if none).
 */
class TaggingBackend implements Pick<InferenceBackend, 'encode' | 'asr'> {
  calls: EncodeCall[] = [];
  asrCalls: number[] = [];
  largestEncode = 0;

  constructor(
    private readonly width: number,
    private readonly semanticOut = true,
  ) {}

  async encode(audio: Float32Array, asr?: Float32Array): Promise<EncoderOutput> {
    const frames = audio.length / FRAME;
    this.largestEncode = Math.max(this.largestEncode, frames);
    const call: EncodeCall = { first: audio[0] - 1, frames };
    if (asr) {
      if (asr.length !== frames * this.width)
        throw new Error(`asr input of ${asr.length} values for ${frames} frames`);
      call.asrFrame = Array.from({ length: frames }, (_, t) => asr[t * this.width]);
      call.asrWindowStart = Array.from({ length: frames }, (_, t) => asr[t * this.width + 1]);
      call.asr = asr;
    }
    this.calls.push(call);
    const acoustic = new Float32Array(frames).map((_, t) => (asr ? asr[t * this.width] : NaN));
    if (!this.semanticOut) return { frames, acoustic };
    const semantic = new Float32Array(frames * 2);
    for (let t = 0; t < frames; t++) semantic.set([audio[t * FRAME] - 1, -1], t * 2);
    return { frames, semantic, acoustic };
  }

  async asr(audio: Float32Array): Promise<Float32Array> {
    const frames = audio.length / FRAME;
    this.asrCalls.push(frames);
    const first = audio[0] - 1;
    const out = new Float32Array(frames * this.width);
    for (let j = 0; j < frames; j++) {
      const v = audio[j * FRAME];
      out.set([v === 0 ? -1 : v - 1, first, j], j * this.width);
    }
    return out;
  }
}

/** The asr window start each frame of a file of `frames` frames is kept from (asr-windows.ts's plan). */
function keptFrom(frames: number): Int32Array {
  const start = new Int32Array(frames);
  for (const p of planAsrWindows(frames, WINDOW)) start.fill(p.start, p.keepFrom, p.keepTo);
  return start;
}

/** Frames [a, b) as an array. */
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('an encoder that reads asr.onnx (semanticInput) in the core pipeline', () => {
  it('gives each encoder call exactly the asr rows of its input frames, context included', async () => {
    const cases: [number, ChunkPlan][] = [
      [75, DEFAULT_ENCODE_PLAN], // one window, the asr window padded to 30 s
      [1000, DEFAULT_ENCODE_PLAN], // three encoder and three asr windows, cut at other frames
      [1000, { windowFrames: 100, contextFrames: 13 }], // ten encoder windows inside the asr windows
      [2000, { windowFrames: 333, contextFrames: 40 }], // context reaching across asr seams
    ];
    for (const [frames, plan] of cases) {
      const backend = new TaggingBackend(WHISPER_DIM);
      const kept = keptFrom(frames);
      const windows = [];
      for await (const w of encoderWindows(frameAudio(frames), frames * FRAME, FRAME, DIMS, backend, plan))
        windows.push(w);
      const bounds = windowBounds(frames, plan.windowFrames);
      expect(backend.calls.length, `${frames} frames`).toBe(bounds.length - 1);
      expect(backend.asrCalls).toEqual(planAsrWindows(frames, WINDOW).map(() => 375));
      for (const [w, call] of backend.calls.entries()) {
        const inStart = Math.max(0, bounds[w] - plan.contextFrames);
        const inEnd = Math.min(frames, bounds[w + 1] + plan.contextFrames);
        expect([call.first, call.frames]).toEqual([inStart, inEnd - inStart]);
        expect(call.asrFrame, `window ${w} of ${frames} frames`).toEqual(range(inStart, inEnd));
        expect(call.asrWindowStart).toEqual(Array.from(kept.subarray(inStart, inEnd)));
      }
      // The merge stream is the encoder's semantic output of the kept frames; the acoustic rows are
      // the asr rows the encoder read, so those reached it in frame order.
      for (const w of windows) {
        const f = range(w.firstFrame, w.firstFrame + w.features.frames);
        expect(Array.from(w.features.semantic)).toEqual(f.flatMap((i) => [i, -1]));
        expect(Array.from(w.features.acoustic)).toEqual(f);
      }
      expect(windows.reduce((n, w) => n + w.features.frames, 0)).toBe(frames);
    }
  });

  it('streams an hour with the input read at most about one asr window ahead', async () => {
    const frames = 45_000; // 60 min
    const backend = new TaggingBackend(WHISPER_DIM);
    const kept = keptFrom(frames);
    const counter = { pulled: 0 };
    let maxAhead = 0;
    let calls = 0;
    for await (const w of encoderWindows(frameAudio(frames, counter), frames * FRAME, FRAME, DIMS, backend)) {
      const end = (w.firstFrame + w.features.frames) * FRAME;
      maxAhead = Math.max(maxAhead, counter.pulled - end);
      // Check this window's call now and forget it: the test holds no hour of tags either.
      for (const call of backend.calls.splice(0)) {
        calls++;
        const expected = range(call.first, call.first + call.frames);
        expect(call.asrFrame).toEqual(expected);
        expect(call.asrWindowStart).toEqual(Array.from(kept.subarray(call.first, call.first + call.frames)));
      }
    }
    expect(calls).toBe(windowBounds(frames, 375).length - 1);
    expect(counter.pulled).toBe(frames * FRAME);
    expect(backend.asrCalls.length).toBe(planAsrWindows(frames, WINDOW).length);
    expect(backend.largestEncode).toBeLessThanOrEqual(375 + 2 * 13);
    // The asr rows of an encoder window's right context may need the next asr window: at most a
    // window plus the context past the frames handed out, plus a chunk.
    expect(maxAhead).toBeLessThanOrEqual((375 + 13 + 1) * FRAME + 16000);
  });

  it('the earlier family still merges on asr.onnx rows and feeds its encoder none', async () => {
    const frames = 1000;
    const backend = new TaggingBackend(3);
    const kept = keptFrom(frames);
    const rows: number[] = [];
    for await (const w of encoderWindows(frameAudio(frames), frames * FRAME, FRAME, OLD_DIMS, backend))
      rows.push(...w.features.semantic);
    expect(backend.calls.length).toBe(3);
    for (const call of backend.calls) expect(call.asrFrame).toBeUndefined();
    expect(rows).toEqual(range(0, frames).flatMap((f) => [f, kept[f], f - kept[f]]));
  });

  it("a model that also merges on them: the merge stream is the kept frames' rows of the encoder's input", async () => {
    const cases: [number, ChunkPlan][] = [
      [75, DEFAULT_ENCODE_PLAN],
      [1000, DEFAULT_ENCODE_PLAN],
      [1000, { windowFrames: 100, contextFrames: 13 }],
      [2000, { windowFrames: 333, contextFrames: 40 }], // context reaching across asr seams
      [800, { windowFrames: 10, contextFrames: 13 }], // context wider than a window
    ];
    for (const [frames, plan] of cases) {
      const backend = new TaggingBackend(WHISPER_DIM, false);
      const kept = keptFrom(frames);
      const windows = [];
      for await (const w of encoderWindows(
        frameAudio(frames),
        frames * FRAME,
        FRAME,
        BOTH_DIMS,
        backend,
        plan,
      ))
        windows.push(w);
      const bounds = windowBounds(frames, plan.windowFrames);
      // asr.onnx once per asr window: the merge stream reuses the encoder's rows.
      expect(backend.asrCalls, `${frames} frames`).toEqual(planAsrWindows(frames, WINDOW).map(() => 375));
      expect(backend.calls.length).toBe(bounds.length - 1);
      expect(windows.length).toBe(bounds.length - 1);
      for (const [w, call] of backend.calls.entries()) {
        const inStart = Math.max(0, bounds[w] - plan.contextFrames);
        const inEnd = Math.min(frames, bounds[w + 1] + plan.contextFrames);
        expect(call.asrFrame, `window ${w} of ${frames} frames`).toEqual(range(inStart, inEnd));
        expect(call.asrWindowStart).toEqual(Array.from(kept.subarray(inStart, inEnd)));
        // Exactly the rows the encoder read, of the frames this window keeps ...
        const { firstFrame, features } = windows[w];
        expect([firstFrame, features.frames]).toEqual([bounds[w], bounds[w + 1] - bounds[w]]);
        const from = (firstFrame - inStart) * WHISPER_DIM;
        const expected = call.asr!.subarray(from, from + features.frames * WHISPER_DIM);
        expect(features.semantic.length).toBe(expected.length);
        expect(features.semantic.findIndex((v, i) => v !== expected[i])).toBe(-1);
        // ... each tagged with its own frame, from the asr window the plan keeps it from.
        for (let t = 0; t < features.frames; t++) {
          const f = firstFrame + t;
          const row = features.semantic.subarray(t * WHISPER_DIM, t * WHISPER_DIM + 3);
          expect(Array.from(row), `frame ${f}`).toEqual([f, kept[f], f - kept[f]]);
        }
      }
    }
  });

  it('says so when the model reads asr.onnx but the backend cannot run it', async () => {
    const backend = new TaggingBackend(WHISPER_DIM);
    const noAsr = { encode: backend.encode.bind(backend) };
    const windows = encoderWindows([new Float32Array(FRAME)], FRAME, FRAME, DIMS, noAsr);
    await expect(windows.next()).rejects.toThrow(/lists asr.onnx, but the backend cannot run it/);
  });
});

describe("encoder.onnx's feeds of a semanticInput model", () => {
  const v4 = parseManifest(semanticInputManifestJson());
  const v3 = parseManifest(v3ManifestJson());
  const features = new Float32Array(5 * 8 * 20); // 5 frames of vocoder features

  it('feeds `asr` as float32 [1, T, 384] beside the features', () => {
    const asr = new Float32Array(5 * WHISPER_DIM).map((_, i) => i);
    const { feeds, frames } = encoderFeeds(v4, features, asr);
    expect(frames).toBe(5);
    expect(Object.keys(feeds).sort()).toEqual(['asr', 'features']);
    expect(feeds.asr).toEqual({ type: 'float32', data: asr, dims: [1, 5, WHISPER_DIM] });
    expect(feeds.features.dims).toEqual([1, 40, 20]);
  });

  it('refuses asr rows missing or of another length, and asr rows for a model that reads none', () => {
    expect(() => encoderFeeds(v4, features)).toThrow(
      /reads asr.onnx's features \(semanticInput\), 5 frames of 384 values, and was given none/,
    );
    expect(() => encoderFeeds(v4, features, new Float32Array(4 * WHISPER_DIM))).toThrow(
      /5 frames of 384 values, and was given 1536/,
    );
    expect(() => encoderFeeds(v3, features, new Float32Array(5 * WHISPER_DIM))).toThrow(
      /asr.onnx's features given, but this model's encoder does not read them/,
    );
    expect(Object.keys(encoderFeeds(v3, features).feeds)).toEqual(['features']);
  });
});

/** A formatVersion 4 model of frame-local stand-ins; its constants only (Codec needs no files). */
const MANIFEST = {
  formatVersion: 4,
  semanticInput: 'whisper-tiny.en',
  asrWindow: WINDOW,
  modelId: '0000f4f4',
  sampleRateHz: 16000,
  frameSamples: FRAME,
  frameRateHz: 12.5,
  maxSegmentFrames: 8,
  lengthBits: 3,
  semanticDim: 3,
  acousticDim: 1,
  codeGroups: 1,
  bitsPerCode: 12,
  fsqLevels: [8, 8, 8, 8],
  semanticCodeGroups: 0,
  tauCalibration: [],
} as unknown as ModelConstants;

/**
 * Stand-ins where only asr.onnx sees the level of the audio: asr rows hold each frame's RMS, the
 * encoder passes the row it is given on as `acoustic`, the quantizer codes each segment's mean of it
 * (pooling the frames itself, formatVersion 4) and the decoder plays the code back as a level.
 */
class LevelBackend implements InferenceBackend {
  readonly name = 'cpu' as const;
  /** The rows asr.onnx gave, per call. */
  asrOut: Float32Array[] = [];
  /** The asr rows each encoder call was given. */
  encodeAsr: Float32Array[] = [];

  async encode(audio: Float32Array, asr?: Float32Array): Promise<EncoderOutput> {
    const frames = audio.length / FRAME;
    if (!asr || asr.length !== frames * WHISPER_DIM) throw new Error('the encoder needs its asr rows');
    this.encodeAsr.push(asr);
    const { sum, rms } = frameStats(audio, FRAME);
    const semantic = new Float32Array(frames * 3);
    for (let t = 0; t < frames; t++) semantic.set([sum[t] / FRAME, rms[t], audio[t * FRAME]], t * 3);
    const acoustic = new Float32Array(frames).map((_, t) => asr[t * WHISPER_DIM]);
    return { frames, semantic, acoustic };
  }

  async asr(audio: Float32Array): Promise<Float32Array> {
    const frames = audio.length / FRAME;
    const { rms } = frameStats(audio, FRAME);
    const out = new Float32Array(frames * WHISPER_DIM);
    for (let t = 0; t < frames; t++) out[t * WHISPER_DIM] = rms[t];
    this.asrOut.push(out);
    return out;
  }

  async quantize(merged: MergeResult, features?: EncodedFeatures): Promise<Int32Array> {
    if (!features) throw new Error('a formatVersion 4 quantizer pools the frames itself');
    const codes = new Int32Array(merged.segments);
    let at = 0;
    for (const [k, l] of merged.lengths.entries()) {
      let s = 0;
      for (let t = at; t < at + l; t++) s += features.acoustic[t];
      codes[k] = Math.min(4095, Math.round((s / l) * 4000));
      at += l;
    }
    return codes;
  }

  async decode(codes: Int32Array, lengths: Uint32Array): Promise<Float32Array> {
    const out = new Float32Array(lengths.reduce((a, b) => a + b, 0) * FRAME);
    let at = 0;
    for (const [k, l] of lengths.entries()) {
      out.fill(codes[k] / 4000, at * FRAME, (at + l) * FRAME);
      at += l;
    }
    return out;
  }

  async release(): Promise<void> {}
}

describe('Codec with a semanticInput model', () => {
  it('encodes and decodes: each segment plays the mean of the asr rows the encoder read', async () => {
    const backend = new LevelBackend();
    const codec = new Codec(MANIFEST, backend, TwinMerger.for(MANIFEST));
    const audio = stepAudio(FRAME * 75 - 300, 7);
    const plan = { windowFrames: 30, contextFrames: 3 };
    const r = await codec.encode(audio, { frameRateHz: 6.25, plan });
    expect(r.frames).toBe(75);
    // One asr window (6 s, padded to 30 s), three encoder windows each given its rows with context.
    expect(backend.asrOut.length).toBe(1);
    const asrRows = backend.asrOut[0];
    const bounds = windowBounds(75, 30);
    expect(backend.encodeAsr.length).toBe(bounds.length - 1);
    for (const [w, got] of backend.encodeAsr.entries()) {
      const inStart = Math.max(0, bounds[w] - 3);
      const inEnd = Math.min(75, bounds[w + 1] + 3);
      expect(got).toEqual(asrRows.slice(inStart * WHISPER_DIM, inEnd * WHISPER_DIM));
    }
    const file = codec.parse(r.fxc);
    expect(Array.from(file.lengths)).toEqual(Array.from(r.lengths));
    const decoded = await codec.decode(r.fxc);
    expect(decoded.length).toBe(audio.length);
    let at = 0;
    for (const l of file.lengths) {
      let s = 0;
      for (let f = at; f < at + l; f++) s += asrRows[f * WHISPER_DIM];
      const level = Math.min(4095, Math.round((s / l) * 4000)) / 4000;
      expect(decoded[at * FRAME], `segment at frame ${at}`).toBeCloseTo(level, 6);
      at += l;
    }
    expect(at).toBe(75);
    expect(decoded.some((v) => v > 0.05)).toBe(true);
  });
});
