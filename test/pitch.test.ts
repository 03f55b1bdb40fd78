/**
 * The pitch tracker and level code (src/core/pitch-track.ts, pitch-code.ts) agree with their Python
 * references (training/pitch/track.py, code.py; fixture by training/pitch/fixture.py), track what
 * they should on synthetic signals, and give the encoder's 30 s windows the whole file's track.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PITCH_SECTION } from './helpers/pitch-section.ts';
import { describe, expect, it } from 'vitest';
import {
  checkPitchSection,
  decoderTrack,
  frameLevels,
  frameTrack,
  phaseStarts,
  PITCH_LEVELS,
  PITCH_SUBFRAMES,
  segmentLevels,
} from '../src/core/pitch-code.ts';
import { HOP, trackPitch } from '../src/core/pitch-track.ts';
import { parseWav } from '../src/core/wav.ts';
import { seededRandom } from './helpers/random.ts';

/** test/fixtures/pitch/speech.json: where each float64 array lies in speech.bin. */
interface PitchFixture {
  source: string;
  sha256: string;
  samples: number;
  dtype: 'float64';
  segmentations: Record<string, { seed: number; maxLength: number }>;
  arrays: Record<string, { offset: number; length: number }>;
}

const RATE_HZ = 16000;
const fixture = JSON.parse(readFileSync('test/fixtures/pitch/speech.json', 'utf8')) as PitchFixture;
const blob = readFileSync('test/fixtures/pitch/speech.bin');

/** A fixture array by name (copied out: the file's bytes need not be 8-aligned). */
function array(name: string): number[] {
  const { offset, length } = fixture.arrays[name];
  const view = new DataView(blob.buffer, blob.byteOffset + offset, 8 * length);
  return Array.from({ length }, (_, i) => view.getFloat64(8 * i, true));
}

const pythonF0 = array('f0');
const segmentations = Object.keys(fixture.segmentations).map((name) => ({
  name,
  lengths: array(`${name}.lengths`),
  levels: array(`${name}.levels`),
  frameTrack: array(`${name}.frameTrack`),
  phaseStarts: array(`${name}.phaseStarts`),
}));
const wavBytes = readFileSync(fixture.source);
const speech = parseWav(new Uint8Array(wavBytes)).samples;

/** Distance of a phase difference from the nearest whole cycle. */
function cycleError(d: number): number {
  return Math.abs(d - Math.round(d));
}

function tone(seconds: number, f0Hz: number, harmonics: number): Float32Array {
  const x = new Float32Array(seconds * RATE_HZ);
  for (let i = 0; i < x.length; i++)
    for (let h = 1; h <= harmonics; h++) x[i] += (0.3 / h) * Math.sin((2 * Math.PI * h * f0Hz * i) / RATE_HZ);
  return x;
}

/** Frames whose whole window and lag span lie inside the signal (the rest see the zero padding). */
function interior(f0: Float64Array): Float64Array {
  return f0.subarray(3, f0.length - 5);
}

describe('pitch tracker: the twin of training/pitch/track.py', () => {
  it('reads the fixture speech the fixture was made from', () => {
    expect(createHash('sha256').update(wavBytes).digest('hex')).toBe(fixture.sha256);
    expect(speech.length).toBe(fixture.samples);
  });

  it('makes the same voicing decisions and F0 as Python on real speech', () => {
    const f0 = trackPitch(speech);
    expect(f0.length).toBe(Math.floor(speech.length / HOP));
    expect(f0.length).toBe(pythonF0.length);
    let same = 0;
    let maxRel = 0;
    for (let i = 0; i < f0.length; i++) {
      const py = pythonF0[i];
      if (f0[i] > 0 === py > 0) same++;
      if (f0[i] > 0 && py > 0) maxRel = Math.max(maxRel, Math.abs(f0[i] - py) / py);
    }
    // Measured: 606 of 606 frames, F0 within 4.4e-16 relative (the FFT in Python is the only difference).
    expect(same / f0.length).toBeGreaterThanOrEqual(0.995);
    expect(maxRel).toBeLessThan(1e-6);
    expect(pythonF0.filter((v) => v > 0).length).toBeGreaterThan(300); // the fixture does test voiced speech
  });

  it('tracks a pure 200 Hz tone and a harmonic-rich 120 Hz tone within 1 %, voiced', () => {
    for (const [f0Hz, harmonics] of [
      [200, 1],
      [120, 12],
    ]) {
      const f0 = interior(trackPitch(tone(2, f0Hz, harmonics)));
      for (const v of f0) expect(Math.abs(v / f0Hz - 1), `${f0Hz} Hz tone`).toBeLessThan(0.01);
    }
  });

  it('finds silence and white noise unvoiced', () => {
    expect(trackPitch(new Float32Array(RATE_HZ)).every((v) => v === 0)).toBe(true);
    const random = seededRandom(7);
    const noise = Float32Array.from({ length: 2 * RATE_HZ }, () => 0.2 * (random() - 0.5));
    expect(trackPitch(noise).every((v) => v === 0)).toBe(true);
  });

  it("gives a window with >= 1 s of context each side the whole file's track on its kept frames", () => {
    const whole = trackPitch(speech);
    const context = 100; // frames: 1 s, as the encoder's 30 s windows have
    for (const [keepFrom, keepTo] of [
      [150, 350],
      [400, whole.length], // the file's end: context only before
      [0, 120], // the file's start: context only after
    ]) {
      const from = Math.max(0, keepFrom - context);
      const to = Math.min(whole.length, keepTo + context);
      const part = trackPitch(speech.subarray(from * HOP, to * HOP));
      expect(part.subarray(keepFrom - from, keepTo - from)).toEqual(whole.subarray(keepFrom, keepTo));
    }
  });
});

describe('pitch code: the twin of training/pitch/code.py', () => {
  it('gives Python levels, frame track and phase starts on the fixture segmentations', () => {
    const tsTrack = trackPitch(speech);
    for (const s of segmentations) {
      const name = s.name;
      expect(Array.from(segmentLevels(pythonF0, s.lengths)), name).toEqual(s.levels);
      expect(Array.from(segmentLevels(tsTrack, s.lengths)), `${name}, TS track`).toEqual(s.levels);
      const track = frameTrack(s.levels, s.lengths);
      expect(track.length).toBe(s.frameTrack.length);
      const phases = phaseStarts(s.frameTrack);
      for (let j = 0; j < track.length; j++) {
        expect(Math.abs(track[j] - s.frameTrack[j]), `${name} frame ${j}`).toBeLessThan(1e-9);
        expect(cycleError(phases[j] - s.phaseStarts[j]), `${name} phase ${j}`).toBeLessThan(1e-9);
      }
    }
    expect(segmentations.some((s) => s.levels.includes(0))).toBe(true); // voicing edges covered
  });

  it('gives Python frame levels, decoder track and phases: one level per 80 ms frame, what the codec codes', () => {
    const levels = array('frames.levels');
    const expectedTrack = array('frames.decoderTrack');
    const expectedPhases = array('frames.phaseStarts');
    expect(levels.length).toBe(Math.floor(pythonF0.length / PITCH_SUBFRAMES)); // a trailing part frame is dropped
    expect(Array.from(frameLevels(pythonF0))).toEqual(levels);
    expect(Array.from(frameLevels(trackPitch(speech))), 'TS track').toEqual(levels);
    expect(levels.includes(0) && levels.some((q) => q > 0)).toBe(true); // voicing edges covered
    const track = decoderTrack(levels);
    expect(track.length).toBe(expectedTrack.length);
    expect(track.length).toBe(levels.length * PITCH_SUBFRAMES);
    const phases = phaseStarts(track);
    for (let j = 0; j < track.length; j++) {
      expect(Math.abs(track[j] - expectedTrack[j]), `frame ${j}`).toBeLessThan(1e-9);
      expect(cycleError(phases[j] - expectedPhases[j]), `phase ${j}`).toBeLessThan(1e-9);
    }
    // Thin wrappers: segments of one frame each.
    const ones = new Array<number>(levels.length).fill(1);
    expect(frameLevels(pythonF0)).toEqual(segmentLevels(pythonF0, ones));
    expect(track).toEqual(frameTrack(levels, ones));
  });

  it("rounds an exact half to even, as Python's round()", () => {
    // F0s whose (log2 f - log2 50) / STEP is exactly k + 0.5 in float64 (found by search; Python agrees).
    const step = Math.log2(10) / 62;
    for (const [k, hz] of [
      [24, 124.20277370931775],
      [33, 173.4972458208955],
    ]) {
      expect((Math.log2(hz) - Math.log2(50)) / step).toBe(k + 0.5);
      const even = k % 2 === 0 ? k : k + 1;
      expect(segmentLevels(new Array(PITCH_SUBFRAMES).fill(hz), [1])[0]).toBe(1 + even);
    }
  });

  it('keeps voiced levels in 1..63 and sends segments under the voiced share to 0', () => {
    const f0 = [30, 600, 0, 0, 0, 0, 0, 0].flatMap((hz) => new Array(PITCH_SUBFRAMES).fill(hz));
    f0.splice(2 * PITCH_SUBFRAMES, 2, 200, 200); // 2 of 8 voiced: under 0.3
    f0.splice(3 * PITCH_SUBFRAMES, 3, 200, 200, 200); // 3 of 8: voiced
    const levels = segmentLevels(f0, [1, 1, 1, 1, 4]);
    expect(Array.from(levels)).toEqual([1, PITCH_LEVELS - 1, 0, levels[3], 0]);
    expect(levels[3]).toBeGreaterThan(1);
  });

  it('advances the phase by F0 / 100 cycles a frame, in [0, 1)', () => {
    const random = seededRandom(3);
    const f0 = Array.from({ length: 3000 }, () => (random() < 0.2 ? 0 : 50 + 450 * random()));
    const phases = phaseStarts(f0);
    expect(phases[0]).toBe(0);
    for (let j = 0; j < f0.length; j++) {
      expect(phases[j]).toBeGreaterThanOrEqual(0);
      expect(phases[j]).toBeLessThan(1);
      if (j + 1 < f0.length) expect(cycleError(phases[j + 1] - phases[j] - f0[j] / 100)).toBeLessThan(1e-9);
    }
  });
});

describe('models.json pitch section', () => {
  const section = PITCH_SECTION;

  it('accepts the section this runtime implements', () => {
    expect(checkPitchSection(JSON.parse(JSON.stringify(section)))).toEqual(section);
  });

  it('refuses another tracker, grid or format, naming what differs', () => {
    const implemented = /this runtime implements nccf-8k-v1 with 64 levels/;
    const refused: [object, RegExp][] = [
      [{ ...section, tracker: 'yin-v2' }, /^models\.json: pitch tracker "yin-v2"/],
      [{ ...section, levels: 32 }, /^models\.json: pitch levels 32/],
      [
        { ...section, f0MaxHz: 400, minVoicedShare: 0.5 },
        /^models\.json: pitch f0MaxHz 400, minVoicedShare 0.5/,
      ],
      [{ ...section, formatVersion: 2 }, /^models\.json: pitch formatVersion 2/],
      [{ ...section, subframes: undefined }, /^models\.json: pitch subframes missing/],
      [{ ...section, voicing: 'soft' }, /^models\.json: pitch unknown key voicing/],
    ];
    for (const [json, message] of refused) {
      expect(() => checkPitchSection(json)).toThrow(message);
      expect(() => checkPitchSection(json)).toThrow(implemented);
    }
    expect(() => checkPitchSection('nccf-8k-v1')).toThrow(/^models\.json: pitch must be an object/);
    expect(() => checkPitchSection(null)).toThrow(/^models\.json: pitch must be an object/);
  });
});
