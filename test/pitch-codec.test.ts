/**
 * A model with pitch through the codec pipeline, with stand-ins for the models: the encoder writes
 * one pitch level per 80 ms frame (the tracker's, whatever the target rate and the windows), and
 * the decoder gets every window's slice of the whole file's F0 track and phases.
 */
import { PITCH_SECTION } from './helpers/pitch-section.ts';
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/core/codec.ts';
import { DcBlocker } from '../src/core/dc-blocker.ts';
import type { ModelManifest } from '../src/core/manifest.ts';
import { decoderTrack, frameLevels, phaseStarts, PITCH_SUBFRAMES } from '../src/core/pitch-code.ts';
import { trackPitch } from '../src/core/pitch-track.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { DecoderPitch, EncodedFeatures, InferenceBackend, MergeResult } from '../src/core/types.ts';
import { FIXTURE_PITCH_ENTROPY } from './helpers/layout.ts';

const FRAME = 1280;
const RATE_HZ = 16000;
const MANIFEST = {
  modelId: '0000abcd',
  sampleRateHz: RATE_HZ,
  frameSamples: FRAME,
  frameRateHz: 12.5,
  maxSegmentFrames: 8,
  lengthBits: 3,
  semanticDim: 2,
  acousticDim: 1,
  codeGroups: 7,
  bitsPerCode: 12,
  fsqLevels: [8, 8, 8, 8],
  entropy: FIXTURE_PITCH_ENTROPY,
  pitch: PITCH_SECTION,
} as unknown as ModelManifest;

/** Frame-local stand-ins; the decoder keeps the pitch inputs of every call. */
class PitchBackend implements InferenceBackend {
  readonly name = 'cpu' as const;
  readonly decodeCalls: { frames: number; pitch?: DecoderPitch }[] = [];

  async encode(audio: Float32Array): Promise<EncodedFeatures> {
    const frames = audio.length / FRAME;
    const semantic = new Float32Array(frames * 2);
    const acoustic = new Float32Array(frames);
    for (let t = 0; t < frames; t++) {
      let q = 0;
      for (let i = 0; i < FRAME; i++) q += audio[t * FRAME + i] ** 2;
      semantic[t * 2] = q > 1 ? 1 : -1; // voiced or silent: frames merge while it holds
      semantic[t * 2 + 1] = 0.1;
      acoustic[t] = Math.sqrt(q / FRAME);
    }
    return { frames, semantic, acoustic };
  }

  async quantize(m: MergeResult): Promise<Int32Array> {
    const codes = new Int32Array(m.segments * 7);
    for (let k = 0; k < m.segments; k++) codes[k * 7] = Math.min(4095, Math.round(m.acousticMean[k] * 4000));
    return codes;
  }

  async decode(codes: Int32Array, lengths: Uint32Array, pitch?: DecoderPitch): Promise<Float32Array> {
    const frames = lengths.reduce((a, b) => a + b, 0);
    this.decodeCalls.push({ frames, ...(pitch ? { pitch } : {}) });
    return new Float32Array(frames * FRAME);
  }

  async release(): Promise<void> {}
}

/** 4 s: a harmonic glide 110 → 220 Hz, 0.6 s of silence, then 180 Hz. */
function voice(): Float32Array {
  const x = new Float32Array(4 * RATE_HZ);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / RATE_HZ;
    const f0 = t < 1.6 ? 110 * 2 ** (t / 1.6) : 180;
    phase += f0 / RATE_HZ;
    if (t >= 1.6 && t < 2.2) continue;
    for (let h = 1; h <= 6; h++) x[i] += (0.3 / h) * Math.sin(2 * Math.PI * h * phase);
  }
  return x;
}

/** The tracker's levels of the audio as the encoder sees it: DC-blocked, padded to whole frames. */
function expectedLevels(audio: Float32Array): Uint8Array {
  const padded = new Float32Array(Math.ceil(audio.length / FRAME) * FRAME);
  padded.set(new DcBlocker(RATE_HZ).process(audio.slice()));
  return frameLevels(trackPitch(padded));
}

describe('a model with pitch through the codec', () => {
  const audio = voice();
  const plan = { windowFrames: 12, contextFrames: 13 }; // several encoder windows, 1.04 s context

  it('writes one pitch level per frame, the same at every rate and window split', async () => {
    const codec = new Codec(MANIFEST, new PitchBackend(), new TwinMerger(2, 1, 8));
    const levels = expectedLevels(audio);
    expect(levels.length).toBe(50);
    expect(new Set(levels).size).toBeGreaterThan(8); // the glide moves the level
    expect(levels.includes(0)).toBe(true); // the silence
    for (const frameRateHz of [12.5, 6.25, 3]) {
      for (const windows of [plan, undefined]) {
        const r = await codec.encode(audio, { frameRateHz, ...(windows ? { plan: windows } : {}) });
        const file = codec.parse(r.fxc);
        expect(file.header.version).toBe(3);
        if (frameRateHz < 12.5) expect(file.segments).toBeLessThan(file.frames);
        expect(file.pitch!.length).toBe(file.frames);
        expect(Array.from(file.pitch!), `${frameRateHz} Hz`).toEqual(Array.from(levels));
      }
    }
  });

  it("gives each decoder window its slice of the whole file's F0 track and phases", async () => {
    const backend = new PitchBackend();
    const codec = new Codec(MANIFEST, backend, new TwinMerger(2, 1, 8));
    const { fxc } = await codec.encode(audio, { frameRateHz: 3 });
    const file = codec.parse(fxc);
    const f0 = Float32Array.from(decoderTrack(file.pitch!));
    const phase = Float32Array.from(phaseStarts(decoderTrack(file.pitch!)));
    await codec.decode(fxc, { ...plan, crossfadeSamples: 512 });
    expect(backend.decodeCalls.length).toBeGreaterThan(2);
    let covered = 0;
    for (const call of backend.decodeCalls) {
      const n = call.frames * PITCH_SUBFRAMES;
      expect(call.pitch!.f0.length).toBe(n);
      // The window starts at some frame; its inputs are the whole file's from there on.
      const { f0: windowF0, phase: windowPhase } = call.pitch!;
      let at = -1;
      for (let o = 0; o + n <= f0.length && at < 0; o += PITCH_SUBFRAMES) {
        const same = (whole: Float32Array, part: Float32Array) => part.every((v, j) => v === whole[o + j]);
        if (same(f0, windowF0) && same(phase, windowPhase)) at = o;
      }
      expect(at, 'a window whose F0 and phases are no slice of the whole file').toBeGreaterThanOrEqual(0);
      covered = Math.max(covered, at + n);
    }
    expect(covered).toBe(f0.length);
  });
});
