/**
 * Long audio in windows. With frame-local stand-ins for the models (test doubles, not models:
 * each output frame depends only on its own input frame), windowed coding must equal a single
 * pass exactly, pull the input lazily and never run a model on more than one window. With the
 * real models, a chunked decode is measured against a single pass and the original: log-mel
 * distance, and (the shipped decoder predicts vocoder features) the distance of the features rendered.
 */
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/core/codec.ts';
import { windowBounds, type DecodePlan } from '../src/core/chunking.ts';
import type { ModelManifest } from '../src/core/manifest.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { EncodedFeatures, InferenceBackend, MergeResult } from '../src/core/types.ts';
import { concatFloat32 } from '../src/core/concat.ts';
import { loadNodeVocoder } from '../src/node/index.ts';
import { logMel } from './helpers/logmel.ts';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS_REASON, realCodec, speechSamples } from './helpers/models.ts';
import { frameStats } from './helpers/frame-stats.ts';
import { stepAudio } from './helpers/step-audio.ts';

const FRAME = 1280;
const MANIFEST = {
  modelId: '0000abcd',
  sampleRateHz: 16000,
  frameSamples: FRAME,
  frameRateHz: 12.5,
  maxSegmentFrames: 8,
  lengthBits: 3,
  semanticDim: 2,
  acousticDim: 1,
  codeGroups: 2,
  bitsPerCode: 12,
} as unknown as ModelManifest;

/** Frame-local stand-in for the three models, recording the largest call. */
class LocalBackend implements InferenceBackend {
  readonly name = 'cpu' as const;
  largestEncodeFrames = 0;
  largestDecodeFrames = 0;

  async encode(audio: Float32Array): Promise<EncodedFeatures> {
    const frames = audio.length / FRAME;
    this.largestEncodeFrames = Math.max(this.largestEncodeFrames, frames);
    const { sum, rms } = frameStats(audio, FRAME);
    const semantic = new Float32Array(frames * 2);
    for (let t = 0; t < frames; t++) {
      semantic[t * 2] = Math.sign(sum[t]) || 1; // two "phones": frames merge while the sign holds
      semantic[t * 2 + 1] = 0.1;
    }
    const acoustic = rms;
    return { frames, semantic, acoustic };
  }

  async quantize(m: MergeResult): Promise<Int32Array> {
    const codes = new Int32Array(m.segments * 2);
    for (let k = 0; k < m.segments; k++) {
      codes[k * 2] = m.semanticMean[k * 2] > 0 ? 1 : 0;
      codes[k * 2 + 1] = Math.min(4095, Math.round(m.acousticMean[k] * 4000));
    }
    return codes;
  }

  async decode(codes: Int32Array, lengths: Uint32Array): Promise<Float32Array> {
    const frames = lengths.reduce((a, b) => a + b, 0);
    this.largestDecodeFrames = Math.max(this.largestDecodeFrames, frames);
    const out = new Float32Array(frames * FRAME);
    let t = 0;
    for (let k = 0; k < lengths.length; k++) {
      for (let p = 0; p < lengths[k]; p++, t++) {
        for (let i = 0; i < FRAME; i++)
          out[t * FRAME + i] = (codes[k * 2] ? 1 : -1) * (codes[k * 2 + 1] / 4000);
      }
    }
    return out;
  }

  async release(): Promise<void> {}
}

describe('chunked coding with frame-local stand-ins', () => {
  it('splits frames into balanced windows', () => {
    expect(windowBounds(10, 4)).toEqual([0, 3, 7, 10]);
    expect(windowBounds(375, 375)).toEqual([0, 375]);
    expect(windowBounds(5, Infinity)).toEqual([0, 5]);
  });

  it('encodes window by window exactly like one pass when τ search is per window and windows align', async () => {
    const backend = new LocalBackend();
    const codec = new Codec(MANIFEST, backend, new TwinMerger(2, 1, 8));
    const audio = stepAudio(FRAME * 230 + 77, 1);
    const plan = { windowFrames: 40, contextFrames: 3 };
    const chunked = await codec.encode(audio, { frameRateHz: 12.5, plan });
    const single = await codec.encode(audio, {
      frameRateHz: 12.5,
      plan: { windowFrames: Infinity, contextFrames: 0 },
    });
    // At 12.5 Hz every frame is a segment, so per-window τ and forced window breaks change nothing.
    expect(Array.from(chunked.fxc)).toEqual(Array.from(single.fxc));
    expect(backend.largestEncodeFrames).toBe(230 + 1); // the single pass
    const windowed = new LocalBackend();
    await new Codec(MANIFEST, windowed, new TwinMerger(2, 1, 8)).encode(audio, { frameRateHz: 6.25, plan });
    expect(windowed.largestEncodeFrames).toBeLessThanOrEqual(Math.ceil(231 / 6) + 2 * 3);
  });

  it('pulls streamed input lazily: at most one window plus context plus one chunk is buffered', async () => {
    const codec = new Codec(MANIFEST, new LocalBackend(), new TwinMerger(2, 1, 8));
    const audio = stepAudio(FRAME * 500, 2);
    const chunk = 3000;
    let pulled = 0;
    let maxAhead = 0;
    let consumedEnd = 0;
    const backend = codec.backend as LocalBackend;
    const encode = backend.encode.bind(backend);
    backend.encode = async (a) => {
      consumedEnd += a.length;
      return encode(a);
    };
    function* source() {
      for (let i = 0; i < audio.length; i += chunk) {
        pulled += Math.min(chunk, audio.length - i);
        maxAhead = Math.max(maxAhead, pulled - consumedEnd);
        yield audio.subarray(i, i + chunk);
      }
    }
    const r = await codec.encodeStream(source(), audio.length, {
      frameRateHz: 6.25,
      plan: { windowFrames: 50, contextFrames: 4 },
    });
    expect(r.frames).toBe(500);
    expect(maxAhead).toBeLessThanOrEqual((50 + 2 * 4) * FRAME + chunk);
  });

  it('decodes window by window exactly like one pass, and never more than a window plus context', async () => {
    const backend = new LocalBackend();
    const codec = new Codec(MANIFEST, backend, new TwinMerger(2, 1, 8));
    const audio = stepAudio(FRAME * 300 + 5, 3);
    const { fxc } = await codec.encode(audio, {
      frameRateHz: 4,
      plan: { windowFrames: Infinity, contextFrames: 0 },
    });
    const single = await codec.decode(fxc, {
      windowFrames: Infinity,
      contextFrames: 2,
      crossfadeSamples: 512,
    });
    backend.largestDecodeFrames = 0;
    const plan: DecodePlan = { windowFrames: 37, contextFrames: 2, crossfadeSamples: 512 };
    const chunked = await codec.decode(fxc, plan);
    expect(chunked.length).toBe(audio.length);
    let worst = 0;
    for (let i = 0; i < single.length; i++) worst = Math.max(worst, Math.abs(single[i] - chunked[i]));
    expect(worst).toBeLessThan(1e-6);
    // A window: its frames (rounded up to whole segments, ≤ 8 more) plus context segments on each side.
    expect(backend.largestDecodeFrames).toBeLessThanOrEqual(37 + 8 + 2 * (2 + 8));
  });
});

/**
 * The frame-local stand-in with a decoder that predicts "vocoder features": its audio's value per
 * 10 ms as a row, rendered back by a stand-in synthesizer (160 samples of each row's first value).
 */
class LocalFeatureBackend extends LocalBackend {
  pushedRows = 0;
  readonly synthesizer = {
    synthesisStream: () => ({
      push: (rows: Float32Array) => {
        this.pushedRows += rows.length / 20;
        const out = new Float32Array((rows.length / 20) * 160);
        for (let i = 0; i < out.length; i++) out[i] = rows[Math.floor(i / 160) * 20];
        return out;
      },
      flush: () => new Float32Array(0),
      close: () => undefined,
    }),
  };

  async decodeFeatures(codes: Int32Array, lengths: Uint32Array): Promise<Float32Array> {
    const audio = await this.decode(codes, lengths);
    const rows = new Float32Array((audio.length / 160) * 20);
    for (let r = 0; r < audio.length / 160; r++) rows.fill(audio[r * 160], r * 20, r * 20 + 20);
    return rows;
  }
}

describe('chunked decoding of a decoder that predicts vocoder features, with stand-ins', () => {
  it('joins windows in features and renders them in one stream: exactly one pass', async () => {
    const manifest = {
      ...MANIFEST,
      vocoder: { frameSamples: 160, features: { count: 20 } },
    } as ModelManifest;
    const backend = new LocalFeatureBackend();
    const codec = new Codec(manifest, backend, new TwinMerger(2, 1, 8));
    const audio = stepAudio(FRAME * 300 + 5, 4);
    const { fxc } = await codec.encode(audio, {
      frameRateHz: 4,
      plan: { windowFrames: Infinity, contextFrames: 0 },
    });
    const single = await codec.decode(fxc, {
      windowFrames: Infinity,
      contextFrames: 2,
      crossfadeSamples: 512,
    });
    backend.largestDecodeFrames = 0;
    backend.pushedRows = 0;
    const chunked = await codec.decode(fxc, { windowFrames: 37, contextFrames: 2, crossfadeSamples: 512 });
    expect(chunked.length).toBe(audio.length);
    expect(chunked).toEqual(single);
    // Every row once, to one stream: the seams' crossfaded rows replace, never add.
    expect(backend.pushedRows).toBe(Math.ceil(audio.length / FRAME) * 8);
    expect(backend.largestDecodeFrames).toBeLessThanOrEqual(37 + 8 + 2 * (2 + 8));
  });
});

/** Mean |Δ log-mel| over 10 ms frames [from, to). */
function distance(a: Float64Array[], b: Float64Array[], from = 0, to = Infinity): number {
  let sum = 0;
  let n = 0;
  for (let t = Math.max(0, from); t < Math.min(a.length, b.length, to); t++) {
    for (let m = 0; m < a[t].length; m++) sum += Math.abs(a[t][m] - b[t][m]);
    n += a[t].length;
  }
  return sum / n;
}

/** Mean |Δ| of the 18 cepstra of vocoder feature rows [from, to) (row-major [n, 20]). */
function cepstralDistance(a: Float32Array, b: Float32Array, from = 0, to = Infinity): number {
  let sum = 0;
  let n = 0;
  for (let r = Math.max(0, from); r < Math.min(a.length / 20, b.length / 20, to); r++)
    for (let c = 0; c < 18; c++, n++) sum += Math.abs(a[r * 20 + c] - b[r * 20 + c]);
  return sum / n;
}

/**
 * The codec with its vocoder's synthesis streams recorded: the feature rows a decode renders, as
 * the decoder windows were joined (a decoder that predicts vocoder features, models.json).
 */
function recordingFeatures(codec: Codec): { codec: Codec; rows: () => Float32Array } {
  const b = codec.backend;
  let pushed: Float32Array[] = [];
  const synthesizer = b.synthesizer;
  if (!synthesizer || !b.decodeFeatures)
    throw new Error('the shipped decoder does not predict vocoder features');
  const recording: InferenceBackend = {
    name: b.name,
    analyser: b.analyser,
    // asr.onnx and its rows pass through, for a shipped model whose encoder reads them (semanticInput).
    ...(b.asr ? { asr: (audio: Float32Array) => b.asr!(audio) } : {}),
    encode: (x, asr) => b.encode(x, asr),
    quantize: (m, f) => b.quantize(m, f),
    decode: (c, l, p) => b.decode(c, l, p),
    decodeFeatures: (c, l, p) => b.decodeFeatures!(c, l, p),
    synthesizer: {
      synthesisStream: () => {
        pushed = [];
        const stream = synthesizer.synthesisStream();
        return {
          push: (rows) => (pushed.push(rows.slice()), stream.push(rows)),
          flush: () => stream.flush(),
          close: () => stream.close(),
        };
      },
    },
    release: async () => undefined,
  };
  return { codec: new Codec(codec.manifest, recording, codec.merger), rows: () => concatFloat32(pushed) };
}

describe.skipIf(!HAVE_MODELS)('chunked vs single-pass on the real models', () => {
  it('chunk seams are inaudible: a chunked against a single-pass decode of 73 s', async () => {
    const { codec, rows } = recordingFeatures(await realCodec());
    const speech = speechSamples();
    const long = new Float32Array(speech.length * 12);
    for (let i = 0; i < 12; i++)
      long.set(
        speech.map((v) => v * (0.6 + 0.08 * i)),
        i * speech.length,
      );
    const single = await codec.encode(long, {
      frameRateHz: 6.25,
      plan: { windowFrames: Infinity, contextFrames: 0 },
    });
    const chunkedEnc = await codec.encode(long, { frameRateHz: 6.25 }); // 30 s windows
    const onePass = await codec.decode(single.fxc, {
      windowFrames: Infinity,
      contextFrames: 13,
      crossfadeSamples: 512,
    });
    const onePassRows = rows();
    const plan: DecodePlan = { windowFrames: 100, contextFrames: 13, crossfadeSamples: 512 }; // 8 s windows: 8 seams
    const windowed = await codec.decode(single.fxc, plan);
    const windowedRows = rows();
    const both = await codec.decode(chunkedEnc.fxc);
    const [mOrig, mOne, mWin, mBoth] = [long, onePass, windowed, both].map(logMel);
    const codecError = distance(mOne, mOrig);
    const windowedError = distance(mWin, mOrig);
    const seamError = distance(mWin, mOne);
    // Distance in ±100 ms around each seam, where a bad join would show.
    const frames = Math.ceil(long.length / 1280);
    const seams = windowBounds(frames, 100).slice(1, -1);
    const local = seams.map((f) => distance(mWin, mOne, (f * 1280) / 160 - 10, (f * 1280) / 160 + 10));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const seamMean = mean(local);
    // The same ±100 ms against the original: what a listener compares.
    const near = (m: Float64Array[]) =>
      seams.map((f) => distance(m, mOrig, (f * 1280) / 160 - 10, (f * 1280) / 160 + 10));
    const nearWin = near(mWin);
    const nearOne = near(mOne);
    // The decoder predicts vocoder features, so the windows are joined in features and one FARGAN
    // renders the note; what windowing changes is measured there. (FARGAN is autoregressive and
    // chaotic: features moved by 1e-4 render 0.11 log-mel apart on this speech, so two decodes of
    // slightly different features never match in the waveform, whatever the windows.)
    const padded = new Float32Array(frames * 1280);
    padded.set(long);
    const vocoder = await loadNodeVocoder(MODELS_DIR);
    const analysed = vocoder.analyse(padded);
    vocoder.release();
    const featureError = cepstralDistance(onePassRows, analysed);
    const featureSeamError = cepstralDistance(windowedRows, onePassRows);
    const featureLocal = seams.map((f) =>
      cepstralDistance(windowedRows, onePassRows, f * 8 - 10, f * 8 + 10),
    );
    console.log(
      `chunking, 73 s at 6.25 Hz: LMD(single-pass decode, original) ${codecError.toFixed(4)}; ` +
        `LMD(8 s-window decode, original) ${windowedError.toFixed(4)}; ` +
        `LMD(8 s-window decode, single-pass decode) ${seamError.toFixed(4)}, ±100 ms around the seams ` +
        `${seamMean.toFixed(4)} mean, ${Math.max(...local).toFixed(4)} worst; ` +
        `LMD(30 s-window encode+decode, original) ${distance(mBoth, mOrig).toFixed(4)}; ` +
        `rates ${single.achievedRateHz.toFixed(3)} (one τ) vs ${chunkedEnc.achievedRateHz.toFixed(3)} (τ per window); ` +
        `±100 ms around each seam against the original: windowed ${nearWin.map((v) => v.toFixed(3)).join(' ')}, ` +
        `single pass ${nearOne.map((v) => v.toFixed(3)).join(' ')}; cepstral distance: single-pass decode to ` +
        `the analysis ${featureError.toFixed(4)}, windowed to single-pass ${featureSeamError.toFixed(4)}, ` +
        `±100 ms around the seams ${mean(featureLocal).toFixed(4)} mean, ${Math.max(...featureLocal).toFixed(4)} worst`,
    );
    expect(windowed.length).toBe(long.length);
    expect(windowedRows.length).toBe(onePassRows.length);
    // Windowing costs no quality: the decoder's attention sees 8 s (plus context) instead of
    // 73 s, and training crops are 2.56 s, so the windowed decode is no further from the original ...
    expect(windowedError).toBeLessThan(codecError * 1.02);
    // ... the features it renders differ from the single pass's by a small fraction of the codec's own
    // error in features ...
    expect(featureSeamError).toBeLessThan(0.15 * featureError);
    // ... and the seams are not where that concentrates, in features or in the waveform.
    expect(mean(featureLocal)).toBeLessThan(2 * featureSeamError);
    expect(seamMean).toBeLessThan(2 * seamError);
    // Near each seam the windowed decode is no further from the original than the single pass
    // (what a listener compares; a decode that differs there but is as close to the original is
    // no audible join), and on average over the seams no further at all.
    nearWin.forEach((v, i) => expect(v).toBeLessThan(nearOne[i] + 0.1 * codecError));
    expect(mean(nearWin)).toBeLessThan(1.02 * mean(nearOne));
    expect(distance(mBoth, mOrig)).toBeLessThan(codecError * 1.05);
    expect(Math.abs(chunkedEnc.achievedRateHz - 6.25)).toBeLessThanOrEqual(0.25);
  });
});

if (!HAVE_MODELS) describe.skip(`chunked vs single-pass: ${NO_MODELS_REASON}`, () => it('skipped', () => {}));
