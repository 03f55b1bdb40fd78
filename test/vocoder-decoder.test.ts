/**
 * The decode path of a model whose decoder predicts vocoder features (models.json: decoder output
 * `features` [1, 8T, 20]): decoder.onnx → FARGAN, on Node. The decoder is a stand-in that gives the
 * real LPCNet features of the speech (test/helpers/features-model.ts), so the decoded note must be
 * the vocoder's rendition of the speech, time-aligned, at the native build's resynthesis STOI. The
 * shipped v3 decoder is such a decoder; an archived one that gives audio keeps its path and loads no
 * vocoder.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Codec } from '../src/core/codec.ts';
import { OrtNodeBackend, loadCodec, loadDecoders, loadNodeVocoder } from '../src/node/index.ts';
import type { Vocoder } from '../src/vocoder/vocoder.ts';
import { FEATURES_MODEL_ID, featuresModelDir } from './helpers/features-model.ts';
import { MODELS_DIR, realCodec, speechSamples } from './helpers/models.ts';
import { stoi } from './helpers/stoi.ts';

const golden = JSON.parse(readFileSync('test/fixtures/vocoder/golden.json', 'utf8')) as {
  nativeResynthesisStoi: number;
};
const speech = speechSamples();
/** 12.5 Hz frames of the speech, as the codec pads it. */
const frames = Math.ceil(speech.length / 1280);

let vocoder: Vocoder;
let dir = '';
let codec: Codec;

beforeAll(async () => {
  vocoder = await loadNodeVocoder(MODELS_DIR);
  // The table covers every 10 ms frame of the file as the codec pads it (whole 80 ms frames).
  dir = featuresModelDir(vocoder, speech, frames * 1280 - speech.length);
  codec = await loadCodec({ modelsDir: dir, intraOpThreads: 1 });
});

afterAll(async () => {
  await codec?.backend.release();
  vocoder?.release();
  if (dir) rmSync(dirname(dir), { recursive: true, force: true });
});

describe('a decoder that predicts vocoder features', () => {
  it('decodes a note through FARGAN: the features rendered, time-aligned, at the native STOI', async () => {
    expect((codec.backend as OrtNodeBackend).vocoder?.build).toBe('simd');
    const encoded = await codec.encode(speech, { frameRateHz: 6.25 });
    expect(codec.readHeader(encoded.fxc).modelId).toBe(FEATURES_MODEL_ID);
    const decoded = await codec.decode(encoded.fxc);
    expect(decoded.length).toBe(speech.length);
    // Exactly FARGAN on the decoder's 8T frames of features, cut to the note's length.
    const features = new Float32Array(readFileSync(join(dirname(dir), 'features.f32')).buffer);
    const expected = vocoder.synthesize(features.subarray(0, frames * 8 * 20)).subarray(0, speech.length);
    expect(decoded).toEqual(expected);
    const score = stoi(speech, decoded);
    expect(score, `STOI ${score}`).toBeGreaterThanOrEqual(golden.nativeResynthesisStoi - 0.01);
  });

  it('refuses to load without its vocoder, naming the missing file', async () => {
    // The same set in a folder with no vocoder/ beside it.
    const broken = join(dirname(dir), 'no-vocoder', 'models');
    cpSync(dir, broken, { recursive: true });
    await expect(loadCodec({ modelsDir: broken, intraOpThreads: 1 })).rejects.toThrow(
      /vocoder file \.\.\/vocoder\/fxvocoder\.wasm, but .*no-vocoder\/vocoder\/fxvocoder\.wasm cannot be read \(ENOENT\)/,
    );
  });

  it('the shipped v3 model loads the vocoder for both ends; the archived a78344e1 decoder gives audio and loads none', async () => {
    const shipped = await realCodec();
    const backend = shipped.backend as OrtNodeBackend;
    expect(backend.manifest.models.decoder?.outputs).toHaveProperty('features');
    expect(backend.vocoder?.build).toBe('simd');
    expect(backend.analyser).toBe(backend.vocoder);
    const decoders = await loadDecoders({ modelsDir: MODELS_DIR, intraOpThreads: 1 });
    const archived = (await decoders.forModel('a78344e1')).backend as OrtNodeBackend;
    expect(archived.manifest.models.decoder?.outputs).toHaveProperty('audio');
    expect(archived.vocoder).toBeUndefined();
    expect(archived.analyser).toBeUndefined();
  });
});
