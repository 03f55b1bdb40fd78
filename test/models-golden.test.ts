/**
 * The shipped ONNX models, run by onnxruntime-node, agree with the PyTorch model that exported them:
 * training/export.py writes PyTorch's outputs on a real speech clip to test/fixtures/golden/.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseManifest, quantizerTakesTrends } from '../src/core/manifest.ts';
import { segmentMeans, segmentTrends } from '../src/core/merge.ts';
import { decoderTrack, frameLevels, phaseStarts, PITCH_SUBFRAMES } from '../src/core/pitch-code.ts';
import { trackPitch } from '../src/core/pitch-track.ts';

const MODELS_DIR = 'public/models';
const GOLDEN_DIR = 'test/fixtures/golden';

interface GoldenMeta {
  modelId: string;
  frames: number;
  segments: number;
  tensors: Record<string, { dtype: string; shape: number[]; offset: number }>;
}

const meta = JSON.parse(readFileSync(`${GOLDEN_DIR}/golden.json`, 'utf8')) as GoldenMeta;
const bin = readFileSync(`${GOLDEN_DIR}/golden.bin`);
const manifest = parseManifest(JSON.parse(readFileSync(`${MODELS_DIR}/models.json`, 'utf8')));

function golden(name: string): Float32Array | Int32Array {
  const t = meta.tensors[name];
  const count = t.shape.reduce((a, b) => a * b, 1);
  const bytes = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + count * 4);
  return t.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function session(name: 'encoder' | 'quantizer' | 'decoder'): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(`${MODELS_DIR}/${manifest.models[name].file}`);
}

describe('ONNX models agree with PyTorch (golden tensors from training/export.py)', () => {
  it('golden tensors belong to the shipped models', () => {
    expect(meta.modelId).toBe(manifest.modelId);
  });

  it('encoder: same semantic and acoustic features', async () => {
    const audio = golden('audio_in') as Float32Array;
    const out = await (
      await session('encoder')
    ).run({ audio: new ort.Tensor('float32', audio, [1, audio.length]) });
    expect(out.semantic.dims).toEqual([1, meta.frames, manifest.semanticDim]);
    expect(maxAbsDiff(out.semantic.data as Float32Array, golden('semantic'))).toBeLessThan(1e-3);
    expect(maxAbsDiff(out.acoustic.data as Float32Array, golden('acoustic'))).toBeLessThan(1e-3);
  });

  it.runIf(quantizerTakesTrends(manifest))("segment means and trends: the TS twin gives PyTorch's", () => {
    const ids = Uint32Array.from(golden('frame_segment'));
    const lengths = Uint32Array.from(golden('segment_length'));
    const pooled = [
      ['semantic', manifest.semanticDim],
      ['acoustic', manifest.acousticDim],
    ] as const;
    for (const [stream, dim] of pooled) {
      const x = golden(stream) as Float32Array;
      expect(maxAbsDiff(segmentMeans(x, dim, ids, lengths), golden(`${stream}_mean`))).toBeLessThan(1e-5);
      const trend = golden(`${stream}_trend`);
      expect(maxAbsDiff(segmentTrends(x, dim, ids, lengths), trend)).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(trend, Math.abs))).toBeGreaterThan(0.01); // segments that move
    }
  });

  it('quantizer: identical integer codes', async () => {
    const K = meta.segments;
    const out = await (
      await session('quantizer')
    ).run({
      semantic_mean: new ort.Tensor('float32', golden('semantic_mean') as Float32Array, [
        1,
        K,
        manifest.semanticDim,
      ]),
      acoustic_mean: new ort.Tensor('float32', golden('acoustic_mean') as Float32Array, [
        1,
        K,
        manifest.acousticDim,
      ]),
      segment_length: new ort.Tensor('float32', golden('segment_length') as Float32Array, [1, K]),
      ...(quantizerTakesTrends(manifest)
        ? {
            semantic_trend: new ort.Tensor('float32', golden('semantic_trend') as Float32Array, [
              1,
              K,
              manifest.semanticDim,
            ]),
            acoustic_trend: new ort.Tensor('float32', golden('acoustic_trend') as Float32Array, [
              1,
              K,
              manifest.acousticDim,
            ]),
          }
        : {}),
    });
    expect(out.codes.type).toBe('int32');
    const codes = out.codes.data as Int32Array;
    const expected = golden('codes');
    let mismatches = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] !== expected[i]) mismatches++;
    // A code may flip where a latent sits on a rounding edge (float differences of ~1e-7).
    expect(mismatches / codes.length).toBeLessThan(0.01);
  });

  it.runIf(manifest.pitch)(
    "pitch: the TS tracker and level code give the export's levels and F0 track",
    () => {
      // One level per 80 ms frame (training/export.py writes pitch_level [T]), whatever the segments.
      const levels = frameLevels(trackPitch(golden('audio_in') as Float32Array));
      expect(levels.length).toBe(meta.frames);
      expect(Array.from(levels)).toEqual(Array.from(golden('pitch_level')));
      expect(levels.some((l) => l > 0)).toBe(true); // real speech has voiced frames
      const f0 = decoderTrack(levels);
      expect(maxAbsDiff(f0, golden('f0'))).toBeLessThan(1e-3);
      expect(maxAbsDiff(phaseStarts(f0), golden('phase'))).toBeLessThan(1e-5);
    },
  );

  it('decoder: same waveform from the same codes', async () => {
    const K = meta.segments;
    const T = meta.frames;
    const pitch: Record<string, ort.Tensor> = manifest.pitch
      ? {
          f0: new ort.Tensor('float32', golden('f0') as Float32Array, [1, T * PITCH_SUBFRAMES]),
          phase: new ort.Tensor('float32', golden('phase') as Float32Array, [1, T * PITCH_SUBFRAMES]),
        }
      : {};
    const out = await (
      await session('decoder')
    ).run({
      codes: new ort.Tensor('int32', golden('codes') as Int32Array, [1, K, manifest.codeGroups]),
      segment_length: new ort.Tensor('float32', golden('segment_length') as Float32Array, [1, K]),
      frame_segment: new ort.Tensor('int32', golden('frame_segment') as Int32Array, [1, T]),
      frame_position: new ort.Tensor('float32', golden('frame_position') as Float32Array, [1, T]),
      ...pitch,
    });
    expect(out.audio.dims).toEqual([1, T * manifest.frameSamples]);
    expect(maxAbsDiff(out.audio.data as Float32Array, golden('audio_out'))).toBeLessThan(1e-3);
  });
});
