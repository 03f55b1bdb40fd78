/**
 * The shipped ONNX models, run by onnxruntime-node on the tensors the runtime feeds them, agree with
 * the PyTorch model that exported them: training/v3/golden.py writes PyTorch's outputs on the first
 * 2 s of the speech fixture to test/fixtures/golden/. Also the runtime's own parts of the chain on
 * the same clip: the vocoder's analysis (the encoder's input), the merge twin, the pitch code. And the
 * archived decoder of model a78344e1 (the last model before v3) still computes what PyTorch did.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encoderReadsAsr, mergeFromAsr, parseDecoderManifest, parseManifest } from '../src/core/manifest.ts';
import { adjacentCosine, segmentBoundaries, segmentIds, segmentLengths } from '../src/core/merge.ts';
import {
  decoderFeeds,
  encoderFeeds,
  quantizerFeeds,
  type Feed,
  type ModelSignatures,
} from '../src/core/model-io.ts';
import { decoderTrack, frameLevels, phaseStarts, PITCH_SUBFRAMES } from '../src/core/pitch-code.ts';
import { trackPitch } from '../src/core/pitch-track.ts';
import type { MergeResult } from '../src/core/types.ts';
import { loadNodeVocoder } from '../src/node/index.ts';
import { maxAbsDiff, readGolden } from './helpers/golden.ts';
import { MODELS_DIR } from './helpers/models.ts';
import { CEPSTRUM_TOLERANCE, compare, PITCH_DIFFERING_SHARE } from './helpers/vocoder-features.ts';

const golden = readGolden('test/fixtures/golden');
const manifest = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
const { frames: T, segments: K } = golden.meta;
const none = new Float32Array(0);

/** The golden segments as the merger hands them to the quantizer (a v3 quantizer pools them itself). */
const merged: MergeResult = {
  tau: golden.meta.tau,
  segments: K,
  lengths: Uint32Array.from(golden.tensor('segment_length')),
  semanticMean: none,
  acousticMean: none,
  semanticTrend: none,
  acousticTrend: none,
};

function tensors(feeds: Record<string, Feed>): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data, f.dims)]),
  );
}

async function run(dir: string, file: string, feeds: Record<string, Feed>) {
  const session = await ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1 });
  try {
    return await session.run(tensors(feeds));
  } finally {
    await session.release();
  }
}

describe('the shipped v3 models agree with PyTorch (training/v3/golden.py)', () => {
  it('the golden tensors belong to the shipped models, a model of formatVersion 3 (or 4: with semanticInput)', () => {
    expect(golden.meta.modelId).toBe(manifest.modelId);
    expect(manifest.formatVersion).toBe(encoderReadsAsr(manifest) ? 4 : 3);
    expect(manifest.encoderInput).toBe('vocoder-features');
    expect(golden.tensor('audio_in').length).toBe(T * manifest.frameSamples);
  });

  it("the vocoder's analysis of the clip is the encoder input PyTorch was given", async () => {
    const vocoder = await loadNodeVocoder(MODELS_DIR);
    try {
      const features = vocoder.analyse(golden.float('audio_in'));
      expect(features.length).toBe(T * 8 * 20); // samples / 160 rows of 20
      const d = compare(features, golden.float('features_in'));
      expect(d.cepstrumMax).toBeLessThan(CEPSTRUM_TOLERANCE);
      expect(d.periodShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
      expect(d.correlationShare).toBeLessThanOrEqual(PITCH_DIFFERING_SHARE);
    } finally {
      vocoder.release();
    }
  });

  it('encoder: same merge stream and fine stream from the same features', async () => {
    // A formatVersion 4 model's encoder also reads asr.onnx's features of the clip (golden.py asr_in).
    const asr = encoderReadsAsr(manifest) ? golden.float('asr_in') : undefined;
    const { feeds, frames } = encoderFeeds(manifest, golden.float('features_in'), asr);
    expect(frames).toBe(T);
    expect(Object.keys(feeds)).toEqual(asr ? ['features', 'asr'] : ['features']);
    const out = await run(MODELS_DIR, manifest.models.encoder.file, feeds);
    expect(out.acoustic.dims).toEqual([1, T, manifest.acousticDim]);
    expect(maxAbsDiff(out.acoustic.data as Float32Array, golden.tensor('acoustic'))).toBeLessThan(1e-3);
    if (mergeFromAsr(manifest)) {
      // A model that merges on asr.onnx's rows gives no `semantic`: its merge stream is its asr input.
      expect(out.semantic).toBeUndefined();
      expect(maxAbsDiff(golden.float('semantic'), golden.tensor('asr_in'))).toBe(0);
      return;
    }
    expect(out.semantic.dims).toEqual([1, T, manifest.semanticDim]);
    expect(maxAbsDiff(out.semantic.data as Float32Array, golden.tensor('semantic'))).toBeLessThan(1e-3);
  });

  it("merge: the TS twin cuts PyTorch's merge stream into the same segments", () => {
    const sim = adjacentCosine(golden.float('semantic'), T, manifest.semanticDim);
    const ids = segmentIds(segmentBoundaries(sim, golden.meta.tau, manifest.maxSegmentFrames));
    expect(Array.from(segmentLengths(ids, K))).toEqual(Array.from(golden.tensor('segment_length')));
    expect(Array.from(ids)).toEqual(Array.from(golden.tensor('frame_segment')));
    // Segments of several frames, so the pooling inside the quantizer is exercised.
    expect(Math.max(...golden.tensor('segment_length'))).toBeGreaterThanOrEqual(3);
  });

  it('quantizer: identical codes from the frames and the segment lengths', async () => {
    const features = { frames: T, semantic: golden.float('semantic'), acoustic: golden.float('acoustic') };
    const feeds = quantizerFeeds(manifest, merged, features);
    expect(Object.keys(feeds).sort()).toEqual(['acoustic', 'segment_length']);
    const out = await run(MODELS_DIR, manifest.models.quantizer.file, feeds);
    expect(out.codes.type).toBe('int32');
    expect(out.codes.dims).toEqual([1, K, manifest.codeGroups]);
    expect(Array.from(out.codes.data as Int32Array)).toEqual(Array.from(golden.tensor('codes')));
  });

  it('pitch: the TS tracker and level code give the golden levels and F0 track', () => {
    const levels = frameLevels(trackPitch(golden.float('audio_in')));
    expect(levels.length).toBe(T);
    expect(Array.from(levels)).toEqual(Array.from(golden.tensor('pitch_level')));
    expect(levels.some((l) => l > 0)).toBe(true); // real speech has voiced frames
    expect(maxAbsDiff(decoderTrack(levels), golden.tensor('f0'))).toBeLessThan(1e-3);
  });

  it('decoder: the same vocoder features from the same codes, fed without a phase', async () => {
    const f0 = golden.float('f0');
    const { feeds, frames } = decoderFeeds(
      manifest as ModelSignatures,
      golden.int('codes'),
      Uint32Array.from(golden.tensor('segment_length')),
      { f0, phase: Float32Array.from(phaseStarts(f0)) },
    );
    expect(frames).toBe(T);
    expect(Object.keys(feeds).sort()).toEqual([
      'codes',
      'f0',
      'frame_position',
      'frame_segment',
      'segment_length',
    ]);
    expect(maxAbsDiff(feeds.frame_position.data, golden.tensor('frame_position'))).toBe(0);
    const out = await run(MODELS_DIR, manifest.models.decoder.file, feeds);
    expect(out.features.dims).toEqual([1, T * PITCH_SUBFRAMES, 20]);
    expect(maxAbsDiff(out.features.data as Float32Array, golden.tensor('features_out'))).toBeLessThan(1e-3);
  });
});

/** An archived model's golden tensors, its decode-only manifest and a runner of its decoder. */
function archivedDecoder(goldenDir: string) {
  const old = readGolden(goldenDir);
  const dir = join(MODELS_DIR, 'archive', old.meta.modelId);
  const m = parseDecoderManifest(JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8')));
  const decode = (feeds: Record<string, Feed>) => run(dir, m.models.decoder.file, feeds);
  return { old, m, decode };
}

describe('the archived decoder of model a78344e1 agrees with PyTorch (training/export.py of the earlier family, commit 1215a19)', () => {
  it('the same waveform from the same codes, F0 track and phases', async () => {
    const { old, m, decode } = archivedDecoder('test/fixtures/golden-a78344e1');
    expect(old.meta.modelId).toBe('a78344e1');
    const { feeds } = decoderFeeds(m, old.int('codes'), Uint32Array.from(old.tensor('segment_length')), {
      f0: old.float('f0'),
      phase: old.float('phase'),
    });
    expect(Object.keys(feeds)).toContain('phase');
    const out = await decode(feeds);
    expect(out.audio.dims).toEqual([1, old.meta.frames * m.frameSamples]);
    expect(maxAbsDiff(out.audio.data as Float32Array, old.tensor('audio_out'))).toBeLessThan(1e-3);
  });
});

describe.each([
  { modelId: '12f4d951', what: 'the first v3 model' },
  { modelId: '9c121df7', what: 'the last v3 model of 7 code groups at every rate' },
  { modelId: '90cf3396', what: 'the last v3 model of the threshold merge' },
  { modelId: 'fd6b53bc', what: 'the last v3 model before the Whisper streams' },
  { modelId: '4f4687ad', what: 'the first model with Whisper streams, trained on cepstral layouts' },
])(
  'the archived decoder of model $modelId, $what, agrees with PyTorch (training/v3/golden.py then)',
  ({ modelId }) => {
    it('the same vocoder features from the same codes and F0 track', async () => {
      const { old, m, decode } = archivedDecoder(`test/fixtures/golden-${modelId}`);
      expect(old.meta.modelId).toBe(modelId);
      const f0 = old.float('f0');
      const { feeds } = decoderFeeds(m, old.int('codes'), Uint32Array.from(old.tensor('segment_length')), {
        f0,
        phase: Float32Array.from(phaseStarts(f0)),
      });
      const out = await decode(feeds);
      expect(out.features.dims).toEqual([1, old.meta.frames * PITCH_SUBFRAMES, 20]);
      expect(maxAbsDiff(out.features.data as Float32Array, old.tensor('features_out'))).toBeLessThan(1e-3);
    });
  },
);
