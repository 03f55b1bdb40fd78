/**
 * The merge stream of a model set with asr.onnx, as the core assembles it (src/core/chunking.ts):
 * with a stand-in asr model that reports which frames of which window it was given (test doubles,
 * not models), every frame's row must come from the window the plan keeps it from, short files must
 * be padded to a whole window, and an hour of audio must stream through with the input read at most
 * about one asr window ahead. A model set whose models.json and backend disagree fails clearly.
 */
import { describe, expect, it } from 'vitest';
import { planAsrWindows, type AsrWindow } from '../src/core/asr-windows.ts';
import { encoderWindows } from '../src/core/chunking.ts';
import { Codec } from '../src/core/codec.ts';
import type { ModelManifest } from '../src/core/manifest.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { EncoderOutput, InferenceBackend, MergeResult } from '../src/core/types.ts';

const FRAME = 1280;
const WINDOW: AsrWindow = { windowFrames: 375, marginFrames: 31, padShortToWindow: true };
const DIMS = { semanticDim: 3, acousticDim: 1, asrWindow: WINDOW, mergeFeatures: 'whisper-tiny.en' as const };

/** Sample value of frame f: the frame's own index, so a model can tell which frames it was given. */
const frameValue = (f: number) => 1 + f;

/** Audio of `frames` frames as 1 s chunks, generated lazily; `pulled` counts samples handed out. */
function frameAudio(frames: number, counter: { pulled: number }): Iterable<Float32Array> {
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

/** Stand-in models: asr rows say [frame index, window's first frame, position in window]. */
class TaggingBackend implements Pick<InferenceBackend, 'encode' | 'asr'> {
  asrCalls: number[] = [];
  largestEncode = 0;

  async encode(audio: Float32Array): Promise<EncoderOutput> {
    const frames = audio.length / FRAME;
    this.largestEncode = Math.max(this.largestEncode, frames);
    return { frames, acoustic: new Float32Array(frames).map((_, t) => audio[t * FRAME]) };
  }

  async asr(audio: Float32Array): Promise<Float32Array> {
    const frames = audio.length / FRAME;
    this.asrCalls.push(frames);
    const first = audio[0] - 1;
    const out = new Float32Array(frames * 3);
    for (let j = 0; j < frames; j++) {
      const v = audio[j * FRAME];
      out.set([v === 0 ? -1 : v - 1, first, j], j * 3); // -1: a padded frame
    }
    return out;
  }
}

async function mergeStream(frames: number, backend: TaggingBackend, counter = { pulled: 0 }) {
  const rows: number[][] = [];
  let maxAhead = 0;
  for await (const w of encoderWindows(frameAudio(frames, counter), frames * FRAME, FRAME, DIMS, backend)) {
    const end = (w.firstFrame + w.features.frames) * FRAME;
    maxAhead = Math.max(maxAhead, counter.pulled - end);
    for (let t = 0; t < w.features.frames; t++) {
      if (w.features.acoustic[t] !== frameValue(w.firstFrame + t))
        throw new Error('acoustic row out of place');
      if (frames <= 2000) rows.push(Array.from(w.features.semantic.subarray(t * 3, t * 3 + 3)));
      else if (w.features.semantic[t * 3] !== w.firstFrame + t)
        throw new Error(`frame ${w.firstFrame + t} misplaced`);
    }
  }
  return { rows, maxAhead };
}

describe('ASR merge stream in the core pipeline', () => {
  it('pads a short file to one whole window and keeps its own frames', async () => {
    const backend = new TaggingBackend();
    const { rows } = await mergeStream(75, backend);
    expect(backend.asrCalls).toEqual([375]);
    expect(rows).toEqual(Array.from({ length: 75 }, (_, f) => [f, 0, f]));
  });

  it('takes each frame of a long file from the window the plan keeps it from', async () => {
    for (const frames of [376, 450, 1000, 2000]) {
      const backend = new TaggingBackend();
      const { rows } = await mergeStream(frames, backend);
      const plan = planAsrWindows(frames, WINDOW);
      expect(backend.asrCalls).toEqual(plan.map(() => 375));
      const expected: number[][] = [];
      for (const p of plan)
        for (let f = p.keepFrom; f < p.keepTo; f++) expected.push([f, p.start, f - p.start]);
      expect(rows).toEqual(expected);
    }
  });

  it('streams an hour with the input read at most about one asr window ahead', async () => {
    const frames = 45_000; // 60 min
    const backend = new TaggingBackend();
    const counter = { pulled: 0 };
    const { maxAhead } = await mergeStream(frames, backend, counter);
    expect(counter.pulled).toBe(frames * FRAME);
    expect(backend.asrCalls.length).toBe(planAsrWindows(frames, WINDOW).length);
    expect(Math.max(...backend.asrCalls)).toBe(375);
    expect(backend.largestEncode).toBeLessThanOrEqual(375 + 2 * 13);
    // The next asr window ends at most a window past the frames handed out, plus a chunk.
    expect(maxAhead).toBeLessThanOrEqual((375 + 1) * FRAME + 16000);
  });

  it('says so when models.json lists asr.onnx but the backend cannot run it', async () => {
    const { asr: _unused, ...noAsr } = new TaggingBackend();
    void _unused;
    const backend = { encode: TaggingBackend.prototype.encode.bind(new TaggingBackend()), ...noAsr };
    const windows = encoderWindows([new Float32Array(FRAME)], FRAME, FRAME, DIMS, backend);
    await expect(windows.next()).rejects.toThrow(/lists asr.onnx, but the backend cannot run it/);
  });

  it('says so when the encoder gives no semantic stream and there is no asr.onnx', async () => {
    const manifest = {
      modelId: '0000abcd',
      sampleRateHz: 16000,
      frameSamples: FRAME,
      frameRateHz: 12.5,
      maxSegmentFrames: 8,
      lengthBits: 3,
      semanticDim: 3,
      acousticDim: 1,
      codeGroups: 1,
      bitsPerCode: 12,
    } as unknown as ModelManifest;
    const backend: InferenceBackend = {
      name: 'cpu',
      encode: async (a) => ({ frames: a.length / FRAME, acoustic: new Float32Array(a.length / FRAME) }),
      quantize: async (m: MergeResult) => new Int32Array(m.segments),
      decode: async () => new Float32Array(0),
      release: async () => {},
    };
    const codec = new Codec(manifest, backend, new TwinMerger(3, 1, 8));
    await expect(codec.encode(new Float32Array(FRAME * 4), { frameRateHz: 6.25 })).rejects.toThrow(
      /no semantic output, and models.json lists no asr.onnx/,
    );
  });
});
