/**
 * An encoder that reads vocoder features (models.json `encoderInput: "vocoder-features"`, the v3
 * family): the core analyses the audio with the vocoder's WebAssembly module and hands each encoder
 * window the rows of its frames. One analysis runs over the whole file, as training's
 * `native.analyse` ran over whole utterances, so every window's rows, context included, equal the
 * native build's analysis of the whole clip (test/fixtures/vocoder/, within test/vocoder.test.ts's
 * tolerances) and the WebAssembly's own one-pass analysis exactly, wherever the windows fall.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../src/core/codec.ts';
import { encoderWindows, windowBounds, type ChunkPlan } from '../src/core/chunking.ts';
import { parseManifest, type ModelManifest } from '../src/core/manifest.ts';
import type { EncoderOutput, FeatureAnalyser } from '../src/core/types.ts';
import { loadNodeVocoder } from '../src/node/index.ts';
import type { Vocoder } from '../src/vocoder/vocoder.ts';
import { MODELS_DIR, realCodec, speechSamples } from './helpers/models.ts';
import { v3ManifestJson } from './helpers/semantic-input.ts';
import { CEPSTRUM_TOLERANCE, compare, PITCH_DIFFERING_SHARE } from './helpers/vocoder-features.ts';

const FRAME = 1280;
/** Vocoder rows (10 ms) per 80 ms frame, and values per row. */
const ROWS = 8;
const COUNT = 20;
const shipped = parseManifest(JSON.parse(readFileSync(`${MODELS_DIR}models.json`, 'utf8')));
/** The stand-in's constants: a v3 model that reads vocoder features alone (no asr.onnx to run). */
const v3 = parseManifest(v3ManifestJson());
const native = new Float32Array(new Uint8Array(readFileSync('test/fixtures/vocoder/features.f32')).buffer);
const speech = speechSamples();
const frames = Math.ceil(speech.length / FRAME);

/** A stand-in encoder that keeps what it was given, on a v3 model's constants. */
class RecordingBackend {
  readonly name = 'cpu' as const;
  inputs: Float32Array[] = [];
  constructor(readonly analyser?: FeatureAnalyser) {}
  async encode(input: Float32Array): Promise<EncoderOutput> {
    this.inputs.push(input);
    const t = input.length / (ROWS * COUNT);
    return {
      frames: t,
      semantic: new Float32Array(t * v3.semanticDim).fill(1),
      acoustic: new Float32Array(t * v3.acousticDim),
    };
  }
}

/** The encoder inputs of the windows of `plan` over the speech fixture. */
async function windowInputs(backend: RecordingBackend, plan: ChunkPlan): Promise<Float32Array[]> {
  for await (const w of encoderWindows([speech], speech.length, FRAME, v3, backend, plan))
    expect(w.features.frames).toBeGreaterThan(0);
  return backend.inputs;
}

let vocoder: Vocoder;
beforeAll(async () => {
  vocoder = await loadNodeVocoder(MODELS_DIR);
});
afterAll(() => vocoder.release());

describe('the encoder windows of a model that reads vocoder features', () => {
  it('the shipped model is one: its encoder reads [1, F, 20] features', () => {
    expect(shipped.encoderInput).toBe('vocoder-features');
    expect(shipped.models.encoder.inputs.features.shape).toEqual([1, 'F', 20]);
  });

  it("each window's rows, context included, are the native analysis of the whole clip at those frames", async () => {
    const plan = { windowFrames: 20, contextFrames: 3 };
    const inputs = await windowInputs(new RecordingBackend(vocoder), plan);
    const bounds = windowBounds(frames, plan.windowFrames);
    expect(inputs.length).toBe(bounds.length - 1);
    const padded = new Float32Array(frames * FRAME); // the windows read whole frames, zeros past the end
    padded.set(speech);
    const whole = vocoder.analyse(padded);
    const nativeRows = native.length / COUNT;
    for (let w = 0; w < inputs.length; w++) {
      const inStart = Math.max(0, bounds[w] - plan.contextFrames);
      const inEnd = Math.min(frames, bounds[w + 1] + plan.contextFrames);
      expect(inputs[w].length).toBe((inEnd - inStart) * ROWS * COUNT);
      // Rows [8 inStart, 8 inEnd) of one analysis of the whole file, bit for bit …
      const from = inStart * ROWS * COUNT;
      expect(Array.from(inputs[w])).toEqual(Array.from(whole.subarray(from, from + inputs[w].length)));
      // … which is the native build's (the fixture ends mid-frame: its rows stop at the last sample).
      const rows = Math.min(inEnd * ROWS, nativeRows) - inStart * ROWS;
      const d = compare(inputs[w].subarray(0, rows * COUNT), native.subarray(from, from + rows * COUNT));
      expect(d.cepstrumMax).toBeLessThan(CEPSTRUM_TOLERANCE);
      expect(d.periodShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
      expect(d.correlationShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
    }
  });

  it('a window analysed on its own would differ: the analysis carries state across the cut', () => {
    // Why one analysis runs over the file: a fresh state at a window's first sample (1 s of context
    // before its kept frames) starts from silence and gives other rows than training's whole-utterance analysis.
    const start = 20 * FRAME;
    const alone = vocoder.analyse(speech.subarray(start, start + 10 * FRAME));
    const inWhole = native.subarray(20 * ROWS * COUNT, 30 * ROWS * COUNT);
    expect(compare(alone, inWhole).cepstrumMax).toBeGreaterThan(CEPSTRUM_TOLERANCE);
  });

  it('says so when the backend has no vocoder to analyse with', async () => {
    await expect(
      windowInputs(new RecordingBackend(undefined), { windowFrames: 20, contextFrames: 3 }),
    ).rejects.toThrow('this model reads vocoder features, but no vocoder is loaded for its encoder');
    const noVocoder = { ...v3, vocoder: undefined } as unknown as ModelManifest;
    const run = encoderWindows([speech], speech.length, FRAME, noVocoder, new RecordingBackend(vocoder));
    await expect(run.next()).rejects.toThrow(
      'this model reads vocoder features, but models.json has no vocoder',
    );
  });
});

describe('the shipped v3 model in windows', () => {
  it('encodes in 1.6 s windows as in one pass at 12.5 Hz: same segments, codes and pitch', async () => {
    const codec = await realCodec();
    const single = await codec.encode(speech, {
      frameRateHz: 12.5,
      plan: { windowFrames: Infinity, contextFrames: 0 },
    });
    // 13 frames (1.04 s) of context cover the encoder's receptive field (about 1.6 frames each side).
    const chunked = await codec.encode(speech, {
      frameRateHz: 12.5,
      plan: { windowFrames: 20, contextFrames: 13 },
    });
    expect(chunked.taus.length).toBe(4);
    expect(Array.from(chunked.fxc)).toEqual(Array.from(single.fxc));
  });

  it('a codec without the vocoder refuses to encode with a clear error', async () => {
    const codec = await realCodec();
    const b = codec.backend;
    const bare: Codec['backend'] = {
      name: b.name,
      encode: (x, asr) => b.encode(x, asr),
      ...(b.asr && { asr: b.asr.bind(b) }),
      quantize: (m, f) => b.quantize(m, f),
      decode: (c, l, p) => b.decode(c, l, p),
      release: async () => undefined,
    };
    await expect(
      new Codec(codec.manifest, bare, codec.merger).encode(speech, { frameRateHz: 6.25 }),
    ).rejects.toThrow(/no vocoder is loaded for its encoder/);
  });
});
