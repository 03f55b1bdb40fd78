/**
 * The vocoder (libopus 1.6.1's LPCNet analysis and FARGAN, WebAssembly, src/vocoder/) in Node:
 * its analysis of real speech equals the native build's (test/fixtures/vocoder/, written by
 * make_golden.py from build/vocoder/libfxvocoder.so), its resynthesis reaches the native build's
 * STOI, the SIMD and scalar builds agree, streaming equals one pass, and every way of handing it
 * the wrong thing gives an error that says what is wrong.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatFloat32 } from '../src/core/concat.ts';
import { parseManifest } from '../src/core/manifest.ts';
import { loadNodeVocoder } from '../src/node/index.ts';
import { checkVocoderSection } from '../src/core/vocoder-section.ts';
import {
  FARGAN_DELAY_SAMPLES,
  VOCODER_FEATURE_COUNT,
  Vocoder,
  VocoderError,
} from '../src/vocoder/vocoder.ts';
import { wasmSimdSupported } from '../src/vocoder/wasm.ts';
import { parseWav } from '../src/core/wav.ts';
import { MODELS_DIR, SPEECH_FIXTURE, speechSamples } from './helpers/models.ts';
import { stoi } from './helpers/stoi.ts';
import {
  CEPSTRUM_TOLERANCE,
  compare,
  PITCH_DIFFERING_SHARE,
  STOI_MARGIN,
} from './helpers/vocoder-features.ts';

const GOLDEN_DIR = 'test/fixtures/vocoder';
const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')) as {
  frames: number;
  samples: number;
  delaySamples: number;
  nativeResynthesisStoi: number;
};
const nativeFeatures = new Float32Array(
  new Uint8Array(readFileSync(join(GOLDEN_DIR, 'features.f32'))).buffer,
);
const shipped = JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')) as Record<string, unknown>;

const builds = ['simd', 'scalar'] as const;
const vocoders: Partial<Record<(typeof builds)[number], Vocoder>> = {};
const speech = speechSamples();

beforeAll(async () => {
  for (const build of builds) vocoders[build] = await loadNodeVocoder(MODELS_DIR, { build });
});

describe('vocoder in Node against the native build', () => {
  it('the golden fixture is of this speech and these weights', () => {
    expect(golden.samples).toBe(speech.length);
    expect(golden.frames).toBe(Math.ceil(speech.length / 160));
    expect(golden.delaySamples).toBe(FARGAN_DELAY_SAMPLES);
    expect(nativeFeatures.length).toBe(golden.frames * VOCODER_FEATURE_COUNT);
    expect(wasmSimdSupported()).toBe(true); // Node 20 runs WASM SIMD: the default build is 'simd'
  });

  for (const build of builds) {
    it(`${build}: analysis of real speech equals the native build's`, () => {
      const features = vocoders[build]!.analyse(speech);
      expect(features.length).toBe(nativeFeatures.length);
      const d = compare(features, nativeFeatures);
      expect(d.cepstrumMax).toBeLessThan(CEPSTRUM_TOLERANCE);
      expect(d.periodShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
      expect(d.correlationShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
    });
  }

  it('the SIMD and scalar builds analyse alike and both resynthesise at the native STOI', () => {
    const simd = vocoders.simd!.analyse(speech);
    const scalar = vocoders.scalar!.analyse(speech);
    const d = compare(simd, scalar);
    expect(d.cepstrumMax).toBeLessThan(CEPSTRUM_TOLERANCE);
    expect(d.periodShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
    for (const build of builds) {
      const out = vocoders[build]!.resynthesize(speech);
      expect(out.length).toBe(speech.length);
      const score = stoi(speech, out);
      expect(score, `${build} STOI ${score}, native ${golden.nativeResynthesisStoi}`).toBeGreaterThanOrEqual(
        golden.nativeResynthesisStoi - STOI_MARGIN,
      );
    }
  });

  it('synthesize(analyse(x)) is time-aligned with x: no shift scores better', () => {
    const v = vocoders.simd!;
    const out = v.synthesize(v.analyse(speech));
    expect(out.length).toBe(golden.frames * 160);
    const at = (shift: number) =>
      stoi(speech.subarray(0, speech.length - 80), out.subarray(shift, shift + speech.length - 80));
    const aligned = at(0);
    // Half a frame either way costs clearly (measured: 0.977 aligned, 0.943 and 0.946 at ∓80 samples).
    expect(aligned).toBeGreaterThan(at(80) + 0.005);
    expect(aligned).toBeGreaterThan(stoi(speech.subarray(80), out.subarray(0, speech.length - 80)) + 0.005);
  });

  it('resynthesis streamed in odd pieces equals one pass and analysis + synthesis, sample for sample', () => {
    const v = vocoders.simd!;
    const whole = v.resynthesize(speech);
    const stream = v.resynthesisStream();
    const pieces: Float32Array[] = [];
    for (let at = 0, n = 1; at < speech.length; at += n, n = (n * 7 + 13) % 4001)
      pieces.push(stream.push(speech.subarray(at, at + n)));
    pieces.push(stream.flush());
    stream.close();
    const joined = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expect(joined).toEqual(whole);
    // …and the two steps by hand, as training/vocoder/native.py resynthesises.
    expect(v.synthesize(v.analyse(speech)).subarray(0, speech.length)).toEqual(whole);
  });

  it('analysis and synthesis streamed in odd pieces equal one pass, row for row and sample for sample', () => {
    // An encoder's windows feed the analysis in pieces, a decoder's windows the synthesis (src/core/).
    const v = vocoders.simd!;
    const analysis = v.analysisStream();
    const rows: Float32Array[] = [];
    for (let at = 0, n = 1; at < speech.length; at += n, n = (n * 7 + 13) % 4001)
      rows.push(analysis.push(speech.subarray(at, at + n)));
    rows.push(analysis.flush());
    analysis.close();
    const features = concatFloat32(rows);
    expect(features).toEqual(v.analyse(speech));
    const synthesis = v.synthesisStream();
    const samples: Float32Array[] = [];
    const frames = features.length / VOCODER_FEATURE_COUNT;
    for (let at = 0, n = 0; at < frames; at += n, n = (n * 5 + 3) % 97)
      samples.push(
        synthesis.push(features.subarray(at * VOCODER_FEATURE_COUNT, (at + n) * VOCODER_FEATURE_COUNT)),
      );
    samples.push(synthesis.flush());
    synthesis.close();
    expect(concatFloat32(samples)).toEqual(v.synthesize(features));
    expect(() => synthesis.push(features)).toThrow(/synthesis stream used after close/);
  });
});

describe('flexicodec vocode', () => {
  it('writes the FARGAN rendition of a WAV, as many samples, at the native STOI', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'flexicodec-vocode-')), 'speech.vocoded.wav');
    const stdout = execFileSync(
      process.execPath,
      ['bin/flexicodec.js', 'vocode', SPEECH_FIXTURE, '-o', out],
      {
        encoding: 'utf8',
      },
    );
    expect(stdout).toMatch(
      /speech\.vocoded\.wav: 6\.07 s through FARGAN \(simd WebAssembly, [0-9.]+x real time\)/,
    );
    const wav = parseWav(new Uint8Array(readFileSync(out)));
    expect(wav.sampleRateHz).toBe(16000);
    expect(wav.samples.length).toBe(speech.length);
    expect(stoi(speech, wav.samples)).toBeGreaterThanOrEqual(golden.nativeResynthesisStoi - STOI_MARGIN);
  });
});

describe('vocoder errors say what is wrong', () => {
  const wasm = readFileSync('public/vocoder/fxvocoder.wasm');
  const weights = new Uint8Array(readFileSync('public/vocoder/libopus-vocoder.bin'));
  let root = '';

  /** A models folder (models.json only) beside a vocoder folder holding `files`. */
  function modelsWith(files: Record<string, Uint8Array | null>): string {
    const dir = mkdtempSync(join(root, 'set-'));
    mkdirSync(join(dir, 'models'));
    mkdirSync(join(dir, 'vocoder'));
    writeFileSync(join(dir, 'models', 'models.json'), JSON.stringify(shipped));
    for (const name of ['fxvocoder.wasm', 'fxvocoder-scalar.wasm', 'libopus-vocoder.bin']) {
      const bytes = name in files ? files[name] : null;
      if (bytes) writeFileSync(join(dir, 'vocoder', name), bytes);
      else if (!(name in files)) copyFileSync(join('public/vocoder', name), join(dir, 'vocoder', name));
    }
    return join(dir, 'models');
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flexicodec-vocoder-'));
  });

  it('a missing file names it and how it is built', async () => {
    await expect(loadNodeVocoder(modelsWith({ 'libopus-vocoder.bin': null }))).rejects.toThrow(
      /vocoder file \.\.\/vocoder\/libopus-vocoder\.bin, but .* cannot be read \(ENOENT\); build it with `bash native\/build\.sh`/,
    );
    await expect(loadNodeVocoder(modelsWith({ 'fxvocoder.wasm': null }), { build: 'simd' })).rejects.toThrow(
      /fxvocoder\.wasm, but .* cannot be read/,
    );
  });

  it('corrupt or wrong weights are refused by size and sha256 before the C sees them', async () => {
    const flipped = weights.slice();
    flipped[weights.length >> 1] ^= 0x40;
    await expect(loadNodeVocoder(modelsWith({ 'libopus-vocoder.bin': flipped }))).rejects.toThrow(
      /libopus-vocoder\.bin: sha256 [0-9a-f]{12}… does not match models\.json .*corrupt/,
    );
    await expect(
      loadNodeVocoder(modelsWith({ 'libopus-vocoder.bin': weights.subarray(0, 1000) })),
    ).rejects.toThrow(/libopus-vocoder\.bin: 1000 bytes, models\.json says 953152/);
  });

  it('a blob libopus refuses, or a module that is not the vocoder, is an error, not a crash', async () => {
    await expect(Vocoder.create(wasm, new Uint8Array(4096), 'simd')).rejects.toThrow(
      /libopus refused the blob: it lacks PitchDNN's \(analysis\) weights or is corrupt/,
    );
    await expect(Vocoder.create(wasm, weights.subarray(0, weights.length - 100), 'simd')).rejects.toThrow(
      /libopus refused the blob/,
    );
    await expect(
      loadNodeVocoder(modelsWith({ 'fxvocoder.wasm': new TextEncoder().encode('<!doctype html>') }), {
        build: 'simd',
      }),
    ).rejects.toThrow(/fxvocoder\.wasm: not a vocoder WebAssembly module this engine can run/);
    // A valid module without the vocoder's exports (wasm-feature-detect's SIMD probe).
    const probe = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253,
      98, 11,
    ]);
    await expect(Vocoder.create(probe, weights, 'simd')).rejects.toThrow(
      /not the vocoder module \(no export memory/,
    );
  });

  it('wrong sizes and values are refused; a released vocoder says so', async () => {
    const v = await Vocoder.create(wasm, weights, 'simd');
    expect(() => v.synthesize(new Float32Array(19))).toThrow(VocoderError);
    expect(() => v.synthesize(new Float32Array(0))).toThrow(
      /0 feature values are not a positive multiple of 20/,
    );
    const nan = new Float32Array(40);
    nan[27] = Number.NaN;
    expect(() => v.synthesize(nan)).toThrow(/feature 7 of frame 1 is NaN/);
    expect(v.analyse(new Float32Array(161)).length).toBe(2 * VOCODER_FEATURE_COUNT);
    v.release();
    expect(() => v.analyse(speech)).toThrow(/used after release/);
  });

  it('models.json: a vocoder section this runtime does not run is refused, naming what differs', () => {
    const section = shipped.vocoder as Record<string, unknown>;
    expect(checkVocoderSection(section)).toEqual(section);
    expect(() => checkVocoderSection({ ...section, frameSamples: 320 })).toThrow(/vocoder frameSamples 320/);
    expect(() => checkVocoderSection({ ...section, abiVersion: 2 })).toThrow(/vocoder abiVersion 2/);
    expect(() =>
      checkVocoderSection({ ...section, features: { ...(section.features as object), pitchPeriod: 19 } }),
    ).toThrow(/vocoder features/);
    expect(() =>
      checkVocoderSection({ ...section, weights: { file: '../vocoder/libopus-vocoder.bin', bytes: 1 } }),
    ).toThrow(/vocoder.weights needs its sha256 and bytes/);
    expect(() =>
      checkVocoderSection({ ...section, wasm: { simd: { file: 'https://cdn.example/x.wasm' }, scalar: {} } }),
    ).toThrow(/vocoder.wasm.simd.file must be a relative path/);
  });

  it('models.json: a decoder with a features output needs the vocoder and [1, F, 20]', () => {
    const m = structuredClone(shipped) as Record<string, unknown> & {
      models: { decoder: { outputs: Record<string, unknown> } };
    };
    m.models.decoder.outputs = { features: { type: 'float32', shape: [1, 'F', 20] } };
    expect(parseManifest(m).models.decoder.outputs).toHaveProperty('features');
    // (an encoder that reads audio: the shipped v3 encoder reads vocoder features and needs it too)
    const without = { ...structuredClone(m), encoderInput: undefined, vocoder: undefined };
    expect(() => parseManifest(without)).toThrow(
      /a decoder with a "features" output needs a vocoder section/,
    );
    m.models.decoder.outputs = { features: { type: 'float32', shape: [1, 'F', 18] } };
    expect(() => parseManifest(m)).toThrow(/decoder output "features" must be \[1, F, 20\]/);
    m.models.decoder.outputs = {
      audio: { type: 'float32', shape: [1, 'S'] },
      features: { type: 'float32', shape: [1, 'F', 20] },
    };
    expect(() => parseManifest(m)).toThrow(/declares both "audio" and "features"/);
  });
});
