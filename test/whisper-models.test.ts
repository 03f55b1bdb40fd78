/**
 * A model set that merges on Whisper features (asr.onnx + an acoustic-only encoder, docs/MODELS.md)
 * in Node: models.json names its merge features and is validated; asr.onnx, run by onnxruntime-node
 * through the core's window scheme, gives PyTorch's features on real speech (golden tensors of
 * training/whisper/runtime_fixtures.py, fp32 weights, no ONNX); the whole codec codes and decodes
 * with it, streamed input giving the same file as one piece. The set comes from
 * test/helpers/whisper-model.ts (a committed tiny codec around the real Whisper encoder, exported once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { encoderWindows } from '../src/core/chunking.ts';
import type { Codec } from '../src/core/codec.ts';
import { parseManifest, type ModelManifest } from '../src/core/manifest.ts';
import { OrtNodeBackend, loadCodec } from '../src/node/index.ts';
import { MODELS_DIR, HAVE_MODELS, speechSamples } from './helpers/models.ts';
import { whisperModelDir } from './helpers/whisper-model.ts';

const DIR = whisperModelDir();
const manifest = parseManifest(JSON.parse(readFileSync(join(DIR, 'models.json'), 'utf8')));

interface Golden {
  longRepeats: number;
  longChannels: number;
  tensors: Record<string, { shape: number[]; offset: number }>;
}
const golden = JSON.parse(readFileSync('test/fixtures/whisper/golden.json', 'utf8')) as Golden;
const goldenBin = readFileSync('test/fixtures/whisper/golden.bin');
function tensor(name: string): Float32Array {
  const t = golden.tensors[name];
  const n = t.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(
    goldenBin.buffer.slice(goldenBin.byteOffset + t.offset, goldenBin.byteOffset + t.offset + n * 4),
  );
}

/** The merge stream of `audio` as the runtime computes it (asr windows of the whole file), without input conditioning. */
async function mergeStream(backend: OrtNodeBackend, audio: Float32Array): Promise<Float32Array> {
  const out = new Float32Array((audio.length / manifest.frameSamples) * manifest.semanticDim);
  for await (const w of encoderWindows([audio], audio.length, manifest.frameSamples, manifest, backend))
    out.set(w.features.semantic, w.firstFrame * manifest.semanticDim);
  return out;
}

/** Max |a − b| and the lowest per-row cosine of two [rows, dim] arrays. */
function compare(a: Float32Array, b: Float32Array, dim: number): { maxAbs: number; minCos: number } {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let minCos = 1;
  for (let r = 0; r < a.length / dim; r++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    minCos = Math.min(minCos, ab / Math.max(Math.sqrt(aa * bb), 1e-12));
  }
  return { maxAbs, minCos };
}

let backend: Promise<OrtNodeBackend> | undefined;
const whisperBackend = () => (backend ??= OrtNodeBackend.load(DIR, { intraOpThreads: 2 }));
let codec: Promise<Codec> | undefined;
const whisperCodec = () => (codec ??= loadCodec({ modelsDir: DIR, intraOpThreads: 2 }));

/** The speech fixture cut to whole frames, as the golden tensors were made. */
function speech(): Float32Array {
  const x = speechSamples();
  return x.slice(0, Math.floor(x.length / manifest.frameSamples) * manifest.frameSamples);
}

describe('models.json of a Whisper-merging model set', () => {
  it('names its merge features, the asr model and its window scheme', () => {
    expect(manifest.mergeFeatures).toBe('whisper-tiny.en');
    expect(manifest.semanticDim).toBe(384);
    expect(manifest.asrWindow).toEqual({ windowFrames: 375, marginFrames: 31, padShortToWindow: true });
    expect(manifest.models.asr?.file).toBe('asr.onnx');
    expect(manifest.models.asr?.outputs).toEqual({ asr: { type: 'float32', shape: [1, 'T', 384] } });
    expect(Object.keys(manifest.models.encoder.outputs)).toEqual(['acoustic']);
    expect(manifest.models.quantizer.inputs.semantic_mean.shape).toEqual([1, 'K', 384]);
  });

  it.skipIf(!HAVE_MODELS)('the shipped set names its merge features too', () => {
    const shipped = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
    expect(shipped.mergeFeatures).toBeDefined();
    if (shipped.models.asr) expect(shipped.mergeFeatures).toBe('whisper-tiny.en');
    else expect(shipped.asrWindow).toBeUndefined();
  });

  it('rejects an asr model without a window scheme, and the reverse, with clear errors', () => {
    const base = JSON.parse(readFileSync(join(DIR, 'models.json'), 'utf8')) as ModelManifest;
    const { asrWindow: _w, ...noWindow } = base;
    void _w;
    expect(() => parseManifest(noWindow)).toThrow(/models.asr needs an asrWindow/);
    const { asr: _a, ...files } = base.models;
    void _a;
    expect(() => parseManifest({ ...base, models: files })).toThrow(/asrWindow given but no models.asr/);
    expect(() => parseManifest({ ...noWindow, models: files })).toThrow(/"whisper-tiny.en" needs models.asr/);
    expect(() => parseManifest({ ...base, models: { ...base.models, asr: { file: 'asr.onnx' } } })).toThrow(
      /models.asr needs a file name and a sha256/,
    );
    expect(() => parseManifest({ ...base, asrWindow: { ...base.asrWindow, marginFrames: 200 } })).toThrow(
      /marginFrames/,
    );
    expect(() => parseManifest({ ...base, mergeFeatures: 'whisper-base' })).toThrow(/unknown mergeFeatures/);
  });

  it('a sha256 that does not match asr.onnx fails the load, naming the file', async () => {
    const { mkdtempSync, writeFileSync, symlinkSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'flexi-asr-'));
    for (const role of ['asr', 'encoder', 'quantizer', 'decoder'] as const) {
      const file = manifest.models[role]!.file;
      symlinkSync(join(DIR, file), join(dir, file));
    }
    const bad = {
      ...manifest,
      models: { ...manifest.models, asr: { ...manifest.models.asr!, sha256: '0'.repeat(64) } },
    };
    writeFileSync(join(dir, 'models.json'), JSON.stringify(bad));
    await expect(OrtNodeBackend.load(dir)).rejects.toThrow(/asr.onnx: sha256 .* does not match models.json/);
  });
});

describe('asr.onnx in onnxruntime-node agrees with PyTorch on real speech', () => {
  it('6 s of speech: one window padded to 30 s, every channel', async () => {
    const features = await mergeStream(await whisperBackend(), speech());
    const { maxAbs, minCos } = compare(features, tensor('asr_short'), manifest.semanticDim);
    console.log(
      `asr.onnx vs PyTorch, 6 s: max |diff| ${maxAbs.toExponential(2)}, min frame cosine ${minCos.toFixed(6)}`,
    );
    // fp16 weights (cast to float32 in the graph) against PyTorch's fp32: measured 5.4e-3 and 0.999998.
    expect(maxAbs).toBeLessThan(0.02);
    expect(minCos).toBeGreaterThan(0.999);
  });

  it('36 s: two overlapping windows, each frame from the window Python takes it from', async () => {
    const one = speech();
    const long = new Float32Array(one.length * golden.longRepeats);
    for (let r = 0; r < golden.longRepeats; r++) long.set(one, r * one.length);
    const features = await mergeStream(await whisperBackend(), long);
    const dim = manifest.semanticDim;
    const ch = golden.longChannels;
    const frames = long.length / manifest.frameSamples;
    const head = new Float32Array(frames * ch);
    for (let t = 0; t < frames; t++) head.set(features.subarray(t * dim, t * dim + ch), t * ch);
    const expected = tensor('asr_long_head');
    let maxAbs = 0;
    for (let i = 0; i < head.length; i++) maxAbs = Math.max(maxAbs, Math.abs(head[i] - expected[i]));
    console.log(`asr.onnx vs PyTorch, 36 s (first ${ch} channels): max |diff| ${maxAbs.toExponential(2)}`);
    expect(maxAbs).toBeLessThan(0.02);
    // The frames past the seam, taken from the first window instead, differ by far more than the
    // tolerance: the comparison does tell which window a frame came from.
    const firstWindow = await (await whisperBackend()).asr(long.slice(0, 375 * manifest.frameSamples));
    const seam = 225; // windows.plan(450): (0, 375, 0, 225), (75, 450, 225, 450)
    let other = 0;
    for (let t = seam; t < 375; t++)
      for (let i = 0; i < ch; i++)
        other = Math.max(other, Math.abs(firstWindow[t * dim + i] - expected[t * ch + i]));
    console.log(`frames ${seam}..374 from the first window instead: max |diff| ${other.toExponential(2)}`);
    expect(other).toBeGreaterThan(0.1);
  });

  it.skipIf(
    !existsSync(join(dirname(DIR), 'golden', 'golden.json')) &&
      !existsSync(join(DIR, 'golden', 'golden.json')),
  )('encoder.onnx gives the pooled stream alone, as PyTorch (export golden)', async () => {
    const gdir = existsSync(join(DIR, 'golden', 'golden.json'))
      ? join(DIR, 'golden')
      : join(dirname(DIR), 'golden');
    const meta = JSON.parse(readFileSync(join(gdir, 'golden.json'), 'utf8')) as Golden & { modelId: string };
    const bin = readFileSync(join(gdir, 'golden.bin'));
    const get = (name: string) => {
      const t = meta.tensors[name];
      const n = t.shape.reduce((a, b) => a * b, 1);
      return new Float32Array(bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + n * 4));
    };
    expect(meta.modelId).toBe(manifest.modelId);
    const audio = get('audio_in');
    const session = await ort.InferenceSession.create(join(DIR, manifest.models.encoder.file));
    const out = await session.run({ audio: new ort.Tensor('float32', audio, [1, audio.length]) });
    expect(session.outputNames).toEqual(['acoustic']);
    const acoustic = out.acoustic.data as Float32Array;
    const expected = get('acoustic');
    let maxAbs = 0;
    for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(acoustic[i] - expected[i]));
    expect(maxAbs).toBeLessThan(1e-3);
  });
});

describe('the codec on a Whisper-merging model set (Node)', () => {
  it('codes and decodes speech; streamed input gives the same file', async () => {
    const c = await whisperCodec();
    const audio = speechSamples();
    const result = await c.encode(audio, { frameRateHz: 6.25 });
    expect(result.frames).toBe(Math.ceil(audio.length / manifest.frameSamples));
    expect(result.lengths.reduce((a, b) => a + b, 0)).toBe(result.frames);
    expect(result.achievedRateHz).toBeGreaterThan(3);
    expect(result.achievedRateHz).toBeLessThan(9.5);
    const pieces: Float32Array[] = [];
    for (let at = 0; at < audio.length; at += 3001) pieces.push(audio.slice(at, at + 3001));
    const streamed = await c.encodeStream(pieces, audio.length, { frameRateHz: 6.25 });
    expect(streamed.fxc).toEqual(result.fxc);
    const decoded = await c.decode(result.fxc);
    expect(decoded.length).toBe(audio.length);
    expect(decoded.every(Number.isFinite)).toBe(true);
  });
});
