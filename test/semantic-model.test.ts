/**
 * A model whose encoder reads Whisper's features (models.json formatVersion 4, `semanticInput`),
 * exported by training/v3/export.py (test/helpers/semantic-model.ts: tiny, random weights) and run by
 * the Node runtime on held-out speech: it loads (asr.onnx listed, the encoder's `asr` input declared
 * and in the graph), every encoder window gets asr.onnx's rows of its frames, the note codes and
 * decodes, and the rows reach the codes: the same note with the rows zeroed keeps its segments (the
 * merge stream is the encoder's cepstra) but not its codes. And a model that also merges on those
 * features (`mergeFeatures: "whisper-tiny.en"`): one asr.onnx pass feeds its encoder and is its merge
 * stream.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowBounds } from '../src/core/chunking.ts';
import { Codec } from '../src/core/codec.ts';
import type { InferenceBackend } from '../src/core/types.ts';
import { OrtNodeBackend, loadCodec } from '../src/node/index.ts';
import { speechSamples } from './helpers/models.ts';
import { SEMANTIC_MODEL_SKIP, semanticModelDir } from './helpers/semantic-model.ts';

const FRAME = 1280;
const WHISPER_DIM = 384;
/** Vocoder feature values per 80 ms frame: eight 10 ms rows of 20. */
const FEATURES_PER_FRAME = 8 * 20;

/**
 * Registers the hooks that export the set (semanticModelDir) and load it on Node before the
 * describe's tests, and release and remove it after; returns the loaded codec's getter.
 */
function exportedCodec(mergeOn: 'cepstra' | 'whisper'): () => Codec {
  let dir = '';
  let loaded: Codec | undefined;
  beforeAll(async () => {
    dir = semanticModelDir(mergeOn);
    loaded = await loadCodec({ modelsDir: dir, intraOpThreads: 1 });
  });
  afterAll(async () => {
    await loaded?.backend.release();
    if (dir) rmSync(dirname(dir), { recursive: true, force: true });
  });
  return () => loaded!;
}

/** What the recording backend saw: asr.onnx's outputs, and each encoder call's frames and asr rows. */
interface Seen {
  asrOut: Float32Array[];
  asrIn: number[];
  encodes: { frames: number; asr?: Float32Array }[];
}

/** `of` with its backend's asr and encoder calls recorded; `change` may replace the rows fed. */
function recording(of: Codec, change?: (asr: Float32Array) => Float32Array): { codec: Codec; seen: Seen } {
  const b = of.backend as OrtNodeBackend;
  const seen: Seen = { asrOut: [], asrIn: [], encodes: [] };
  const backend: InferenceBackend = {
    name: b.name,
    analyser: b.analyser,
    synthesizer: b.synthesizer,
    asr: async (audio) => {
      seen.asrIn.push(audio.length);
      const out = await b.asr(audio);
      seen.asrOut.push(out);
      return out;
    },
    encode: (x, asr) => {
      seen.encodes.push({ frames: x.length / FEATURES_PER_FRAME, asr });
      return b.encode(x, asr && change ? change(asr) : asr);
    },
    quantize: (m, f) => b.quantize(m, f),
    decode: (c, l, p) => b.decode(c, l, p),
    decodeFeatures: (c, l, p) => b.decodeFeatures(c, l, p),
    release: async () => undefined,
  };
  return { codec: new Codec(of.manifest, backend, of.merger), seen };
}

describe.skipIf(SEMANTIC_MODEL_SKIP !== null)('an exported semanticInput model on Node', () => {
  const codec = exportedCodec('cepstra');

  it('loads as formatVersion 4 with asr.onnx and an encoder that declares `asr`', () => {
    const m = (codec().backend as OrtNodeBackend).manifest;
    expect(m.formatVersion).toBe(4);
    expect(m.semanticInput).toBe('whisper-tiny.en');
    expect(m.asrWindow).toEqual({ windowFrames: 375, marginFrames: 31, padShortToWindow: true });
    expect(m.models.asr?.file).toBe('asr.onnx');
    expect(m.models.encoder?.inputs.asr).toEqual({ type: 'float32', shape: [1, 'T', WHISPER_DIM] });
  });

  it('codes and decodes speech, every encoder window given asr.onnx rows of its frames', async () => {
    const speech = speechSamples();
    const frames = Math.ceil(speech.length / FRAME);
    const { codec: c, seen } = recording(codec());
    const plan = { windowFrames: 30, contextFrames: 4 }; // several encoder windows in one asr window
    const r = await c.encode(speech, { frameRateHz: 6.25, plan });
    expect(r.frames).toBe(frames);
    // One 30 s Whisper window for the 6 s note, padded as Whisper pads.
    expect(seen.asrIn).toEqual([375 * FRAME]);
    const rows = seen.asrOut[0];
    const bounds = windowBounds(frames, plan.windowFrames);
    expect(seen.encodes.length).toBe(bounds.length - 1);
    for (const [w, call] of seen.encodes.entries()) {
      // The window's input frames, context included.
      const inStart = Math.max(0, bounds[w] - plan.contextFrames);
      const inEnd = Math.min(frames, bounds[w + 1] + plan.contextFrames);
      expect(call.frames).toBe(inEnd - inStart);
      expect(call.asr).toEqual(rows.slice(inStart * WHISPER_DIM, inEnd * WHISPER_DIM));
    }
    const decoded = await c.decode(r.fxc);
    expect(decoded.length).toBe(speech.length);
    expect(decoded.every(Number.isFinite)).toBe(true);
    expect(Math.max(...decoded.map(Math.abs))).toBeGreaterThan(0);
  });

  it("asr.onnx's rows reach the codes: zeroed, the segments stay and the codes change", async () => {
    const speech = speechSamples();
    const fed = recording(codec());
    const zeroed = recording(codec(), (asr) => new Float32Array(asr.length));
    const a = fed.codec.parse((await fed.codec.encode(speech, { frameRateHz: 6.25 })).fxc);
    const b = zeroed.codec.parse((await zeroed.codec.encode(speech, { frameRateHz: 6.25 })).fxc);
    expect(zeroed.seen.encodes.every((e) => e.asr?.some((v) => v !== 0))).toBe(true);
    expect(Array.from(b.lengths)).toEqual(Array.from(a.lengths));
    // The tiny model's codes: 60 of 266 differ (seeded, so the same every run).
    const differing = a.codes.filter((code, i) => code !== b.codes[i]).length;
    expect(differing).toBeGreaterThan(a.codes.length / 10);
  });

  it('the backend refuses an encoder call without the rows, or with too few', async () => {
    const b = codec().backend as OrtNodeBackend;
    const features = new Float32Array(5 * FEATURES_PER_FRAME);
    await expect(b.encode(features)).rejects.toThrow(
      /reads asr.onnx's features \(semanticInput\), 5 frames of 384 values, and was given none/,
    );
    await expect(b.encode(features, new Float32Array(4 * WHISPER_DIM))).rejects.toThrow(/was given 1536/);
    const out = await b.encode(features, new Float32Array(5 * WHISPER_DIM));
    expect(out.frames).toBe(5);
    expect(out.semantic?.length).toBe(5 * b.manifest.semanticDim);
  });
});

describe.skipIf(SEMANTIC_MODEL_SKIP !== null)(
  'an exported model that reads and merges on Whisper on Node',
  () => {
    const both = exportedCodec('whisper');

    it('loads as formatVersion 4 merging on asr.onnx: a 384-wide merge stream, an encoder giving acoustic alone', () => {
      const m = (both().backend as OrtNodeBackend).manifest;
      expect([m.formatVersion, m.semanticInput, m.mergeFeatures, m.semanticDim]).toEqual([
        4,
        'whisper-tiny.en',
        'whisper-tiny.en',
        WHISPER_DIM,
      ]);
      expect(m.models.encoder?.inputs.asr).toEqual({ type: 'float32', shape: [1, 'T', WHISPER_DIM] });
      expect(Object.keys(m.models.encoder?.outputs ?? {})).toEqual(['acoustic']);
    });

    it("one asr.onnx pass: the encoder reads its input frames' rows, the merge stream is the kept frames'", async () => {
      const speech = speechSamples();
      const frames = Math.ceil(speech.length / FRAME);
      const { codec: c, seen } = recording(both());
      const plan = { windowFrames: 30, contextFrames: 4 };
      const session = await c.analyze(speech, plan);
      expect(seen.asrIn).toEqual([375 * FRAME]);
      const rows = seen.asrOut[0];
      const bounds = windowBounds(frames, plan.windowFrames);
      expect(seen.encodes.length).toBe(bounds.length - 1);
      expect(session.windows.length).toBe(bounds.length - 1);
      for (const [w, call] of seen.encodes.entries()) {
        const inStart = Math.max(0, bounds[w] - plan.contextFrames);
        const inEnd = Math.min(frames, bounds[w + 1] + plan.contextFrames);
        expect(call.asr).toEqual(rows.slice(inStart * WHISPER_DIM, inEnd * WHISPER_DIM));
        const { firstFrame, features } = session.windows[w];
        expect(firstFrame).toBe(bounds[w]);
        expect(features.semantic).toEqual(rows.slice(bounds[w] * WHISPER_DIM, bounds[w + 1] * WHISPER_DIM));
      }
      // The merge cuts Whisper's rows into codes that decode; recoding runs asr.onnx no more.
      const r = await session.recode(6.25);
      const decoded = await c.decode(r.fxc);
      expect(decoded.length).toBe(speech.length);
      expect(decoded.every(Number.isFinite)).toBe(true);
      expect(seen.asrIn.length).toBe(1);
    });
  },
);

if (SEMANTIC_MODEL_SKIP) describe.skip(SEMANTIC_MODEL_SKIP, () => it('skipped', () => {}));
