/**
 * The range coder, the version 2, 3 and 4 payloads and version 4 headers against their Python twins
 * (training/entropy/rangecoder.py, tables.py): test/fixtures/range-coder.json holds symbols,
 * tables and the bytes Python wrote (`python -m training.entropy.fixture`); TypeScript must give
 * the same bytes and decode them back. Plus random round trips and hostile input for the decoder.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSegments, SegmentEncoder } from '../src/core/entropy-payload.ts';
import { NO_PREVIOUS_LEVEL, parseEntropySection } from '../src/core/entropy.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import { RANGE_DECODER_OVERREAD_BYTES, RangeDecoder, RangeEncoder } from '../src/core/range-coder.ts';
import { writeFxc } from '../src/core/bitstream.ts';
import { pitchStride, spanLevels } from '../src/core/pitch-code.ts';
import {
  FIXTURE_ENTROPY,
  FIXTURE_PITCH_ENTROPY,
  TEST_LAYOUT,
  TEST_LAYOUT_V2,
  TEST_LAYOUT_V3,
  TEST_LAYOUT_V4,
} from './helpers/layout.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

interface CoderCase {
  name: string;
  totalBits: number;
  tables: number[][];
  symbols: [number, number][];
  bytes: string;
}
interface PayloadCase {
  targetRateCentiHz: number;
  frames: number;
  lengths: number[];
  codes: number[];
  /** Version 3 and 4 cases only: each frame's pitch level [frames]. */
  pitch?: number[];
  /** Version 4 cases only: frames per coded level, and the levels decoded [ceil(frames / stride)]. */
  pitchStride?: 1 | 2;
  spanLevels?: number[];
  bytes: string;
}
interface V4HeaderCase {
  sampleCount: number;
  centiHz: number;
  modelId: string;
  bytes: string;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/range-coder.json', import.meta.url), 'utf8')) as {
  coder: CoderCase[];
  entropyId: string;
  payloads: PayloadCase[];
  pitchPayloads: PayloadCase[];
  v4PitchPayloads: PayloadCase[];
  v4Headers: V4HeaderCase[];
};
const TABLES = TEST_LAYOUT_V2.entropyTables!;
const PITCH_TABLES = TEST_LAYOUT_V3.entropyTables!;
const LAYOUT = { maxSegmentFrames: 8, codeGroups: 7, bitsPerCode: 12, fsqLevels: [8, 8, 8, 8] };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function cumulative(tables: number[][]): Uint32Array[] {
  return tables.map((t) => {
    const c = new Uint32Array(t.length + 1);
    t.forEach((f, i) => (c[i + 1] = c[i] + f));
    return c;
  });
}

function encode(c: Pick<CoderCase, 'tables' | 'symbols' | 'totalBits'>): Uint8Array {
  const cums = cumulative(c.tables);
  const enc = new RangeEncoder();
  for (const [t, s] of c.symbols) enc.encode(cums[t][s], c.tables[t][s], c.totalBits);
  return enc.finish();
}

function payloadTarget(frames: number, withPitch = false) {
  return {
    frames,
    capacity: frames,
    lengths: new Uint32Array(frames),
    codes: new Int32Array(frames * 7),
    ...(withPitch ? { pitch: new Uint8Array(frames) } : {}),
  };
}

/** Codes a payload case segment by segment, each push with its frames' pitch levels. */
function encodePitchCase(p: PayloadCase): Uint8Array {
  const enc = new SegmentEncoder(PITCH_TABLES, p.targetRateCentiHz, true);
  let frame = 0;
  p.lengths.forEach((len, k) => {
    enc.push(len, p.codes, k * 7, p.pitch!, frame);
    frame += len;
  });
  return enc.finish();
}

describe('range coder = its Python twin', () => {
  for (const c of FIXTURE.coder) {
    it(`${c.name}: same bytes, decodes back`, () => {
      const bytes = encode(c);
      expect(hex(bytes)).toBe(c.bytes);
      const cums = cumulative(c.tables);
      const dec = new RangeDecoder(bytes);
      for (const [t, s] of c.symbols) expect(dec.decode(cums[t], 0, c.tables[t].length, c.totalBits)).toBe(s);
      expect(dec.overread).toBe(RANGE_DECODER_OVERREAD_BYTES);
    });
  }

  it('codes segments as training/entropy/tables.py does, with the tables in the fixture', () => {
    expect(FIXTURE.entropyId).toBe(TABLES.id);
    for (const p of FIXTURE.payloads) {
      const enc = new SegmentEncoder(TABLES, p.targetRateCentiHz);
      p.lengths.forEach((len, k) => enc.push(len, p.codes, k * 7));
      const bytes = enc.finish();
      expect(hex(bytes)).toBe(p.bytes);
      const target = payloadTarget(p.frames);
      const k = decodeSegments(TABLES, p.targetRateCentiHz, bytes, 0, bytes.length, target);
      expect(Array.from(target.lengths.slice(0, k))).toEqual(p.lengths);
      expect(Array.from(target.codes.slice(0, k * 7))).toEqual(p.codes);
    }
  });

  it('codes segments with a pitch level per frame (version 3) as tables.py does', () => {
    expect(FIXTURE.pitchPayloads.length).toBeGreaterThan(3);
    expect(FIXTURE.pitchPayloads.some((p) => p.lengths.length < p.frames)).toBe(true); // segments of several frames
    for (const p of FIXTURE.pitchPayloads) {
      expect(p.pitch!.length).toBe(p.frames);
      const bytes = encodePitchCase(p);
      expect(hex(bytes)).toBe(p.bytes);
      const target = payloadTarget(p.frames, true);
      const k = decodeSegments(PITCH_TABLES, p.targetRateCentiHz, bytes, 0, bytes.length, target);
      expect(Array.from(target.lengths.slice(0, k))).toEqual(p.lengths);
      expect(Array.from(target.codes.slice(0, k * 7))).toEqual(p.codes);
      expect(Array.from(target.pitch!)).toEqual(p.pitch);
    }
  });

  it('codes pitch spans (version 4 below 5 Hz) as tables.py does', () => {
    const cases = FIXTURE.v4PitchPayloads;
    expect(cases.some((p) => p.pitchStride === 2 && p.frames % 2 === 1)).toBe(true);
    expect(cases.some((p) => p.pitchStride === 1)).toBe(true);
    for (const p of cases) {
      expect(pitchStride(p.targetRateCentiHz)).toBe(p.pitchStride);
      const spans = { stride: p.pitchStride!, frames: p.frames };
      const enc = new SegmentEncoder(PITCH_TABLES, p.targetRateCentiHz, true, spans);
      let frame = 0;
      p.lengths.forEach((len, k) => {
        enc.push(len, p.codes, k * 7, p.pitch!, frame);
        frame += len;
      });
      const bytes = enc.finish();
      expect(hex(bytes)).toBe(p.bytes);
      const target = {
        ...payloadTarget(p.frames, true),
        pitch: new Uint8Array(Math.ceil(p.frames / p.pitchStride!)),
      };
      const k = decodeSegments(
        PITCH_TABLES,
        p.targetRateCentiHz,
        bytes,
        0,
        bytes.length,
        target,
        p.pitchStride,
      );
      expect(Array.from(target.lengths.slice(0, k))).toEqual(p.lengths);
      expect(Array.from(target.codes.slice(0, k * 7))).toEqual(p.codes);
      expect(Array.from(target.pitch)).toEqual(p.spanLevels);
      expect(Array.from(spanLevels(p.pitch!, p.pitchStride!))).toEqual(p.spanLevels);
    }
  });

  it('writes the version 4 headers tables.py writes', () => {
    expect(FIXTURE.v4Headers.length).toBeGreaterThan(5);
    for (const c of FIXTURE.v4Headers) {
      const layout = { ...TEST_LAYOUT_V4, modelId: c.modelId };
      const frames = Math.ceil(c.sampleCount / 1280);
      const lengths = Array.from({ length: Math.ceil(frames / 8) }, (_, k) => Math.min(8, frames - 8 * k));
      const file = writeFxc(
        { ...TEST_LAYOUT, modelId: c.modelId, sampleCount: c.sampleCount, targetRateHz: c.centiHz / 100 },
        layout,
        lengths,
        new Array(lengths.length * 7).fill(0),
        new Array(frames).fill(0),
      );
      expect(hex(file.subarray(0, c.bytes.length / 2))).toBe(c.bytes);
    }
  });

  it("carries the previous frame's level across pushes and segments", () => {
    // The same frames' levels pushed from separate arrays (offset 0 each) give the same bytes.
    const p = FIXTURE.pitchPayloads[1];
    const enc = new SegmentEncoder(PITCH_TABLES, p.targetRateCentiHz, true);
    let frame = 0;
    p.lengths.forEach((len, k) => {
      enc.push(len, p.codes, k * 7, p.pitch!.slice(frame, frame + len));
      frame += len;
    });
    expect(hex(enc.finish())).toBe(p.bytes);
  });

  it('codes no pitch with pitch tables unless asked, and refuses a mismatched push', () => {
    const p = FIXTURE.payloads[1];
    const enc = new SegmentEncoder(PITCH_TABLES, p.targetRateCentiHz);
    p.lengths.forEach((len, k) => enc.push(len, p.codes, k * 7));
    // The pitch table changes the id, never the bytes of a payload without pitch.
    expect(hex(enc.finish())).toBe(p.bytes);
    expect(() => new SegmentEncoder(TABLES, 625, true)).toThrow(/no pitch table/);
    expect(() => new SegmentEncoder(PITCH_TABLES, 625, true).push(1, p.codes, 0)).toThrow(
      /pitch level is needed for every frame/,
    );
    expect(() => new SegmentEncoder(PITCH_TABLES, 625).push(1, p.codes, 0, [3])).toThrow(/codes no pitch/);
    expect(() => new SegmentEncoder(PITCH_TABLES, 625, true).push(2, p.codes, 0, [5, 64])).toThrow(
      /outside 0..63/,
    );
    expect(() => new SegmentEncoder(PITCH_TABLES, 625, true).push(3, p.codes, 0, [5, 6, 7], 1)).toThrow(
      /a segment of 3 frames needs pitch levels up to 4, got 3: one per frame/,
    );
  });
});

describe('entropy tables', () => {
  it('parses the shipped tables', () => {
    const shipped = JSON.parse(
      readFileSync(new URL('../public/models/models.json', import.meta.url), 'utf8'),
    );
    expect(shipped.entropy, 'run python -m training.entropy.measure').toBeDefined();
    expect(parseEntropySection(shipped.entropy, shipped).minSegmentBits).toBeGreaterThan(1);
  });

  it('names tables by the sha256 of their frequencies', () => {
    const blob = Buffer.concat([
      Buffer.from(FIXTURE_ENTROPY.lengths.freqs, 'base64'),
      Buffer.from(FIXTURE_ENTROPY.digits.freqs, 'base64'),
    ]);
    expect(createHash('sha256').update(blob).digest('hex').slice(0, 8)).toBe(FIXTURE_ENTROPY.id);
    expect(TABLES.minSegmentBits).toBeGreaterThan(1);
    const withPitch = Buffer.concat([blob, Buffer.from(FIXTURE_PITCH_ENTROPY.pitch!.freqs, 'base64')]);
    expect(createHash('sha256').update(withPitch).digest('hex').slice(0, 8)).toBe(FIXTURE_PITCH_ENTROPY.id);
  });

  it("parses a pitch table and counts the least a frame's level costs apart from a segment", () => {
    expect(TABLES.pitchCum).toBeUndefined();
    expect(TABLES.minPitchBits).toBe(0);
    expect(PITCH_TABLES.pitchCum!.length).toBe((NO_PREVIOUS_LEVEL + 1) * 65);
    expect(PITCH_TABLES.minPitchBits).toBeGreaterThan(0);
    // The least a segment's length and digits cost is the same with a pitch table; its levels add per frame.
    expect(PITCH_TABLES.minSegmentBits).toBe(TABLES.minSegmentBits);
  });

  it('refuses malformed pitch tables', () => {
    const pitch = FIXTURE_PITCH_ENTROPY.pitch!;
    const withPitch = (p: object) => ({ ...FIXTURE_PITCH_ENTROPY, pitch: { ...pitch, ...p } });
    expect(FIXTURE_PITCH_ENTROPY.pitch!.context).toBe('previous-frame-level');
    expect(() => parseEntropySection(withPitch({ context: 'target-rate' }), LAYOUT)).toThrow(
      /unknown entropy.pitch context/,
    );
    // The per-segment context of the first version 3 draft: never shipped, refused by name.
    expect(() => parseEntropySection(withPitch({ context: 'previous-segment-level' }), LAYOUT)).toThrow(
      /unknown entropy.pitch context "previous-segment-level"; this decoder knows previous-frame-level \(a level per 80 ms frame\); re-run training.entropy.measure/,
    );
    expect(() => parseEntropySection(withPitch({ shape: [64, 64] }), LAYOUT)).toThrow(
      /entropy.pitch.shape must be \[65, 64\]/,
    );
    const f = Buffer.from(pitch.freqs, 'base64');
    f[2 * 64 * 3] = 0; // row 3, symbol 0: its low byte, so the row no longer sums to 4096
    expect(() => parseEntropySection(withPitch({ freqs: f.toString('base64') }), LAYOUT)).toThrow(
      /entropy.pitch row 3 (sums to|has a zero)/,
    );
    expect(() => parseEntropySection(withPitch({ freqs: 'AAAA' }), LAYOUT)).toThrow(
      /entropy.pitch.freqs holds/,
    );
  });

  it('refuses malformed tables with a message that says what to do', () => {
    const layout = LAYOUT;
    const zero = structuredClone(FIXTURE_ENTROPY);
    const f = Buffer.from(zero.lengths.freqs, 'base64');
    f[0] = 0;
    f[1] = 0;
    zero.lengths.freqs = f.toString('base64');
    expect(() => parseEntropySection(zero, layout)).toThrow(
      /zero frequency; re-run training.entropy.measure/,
    );
    expect(() => parseEntropySection({ ...FIXTURE_ENTROPY, totalBits: 17 }, layout)).toThrow(/totalBits/);
    expect(() => parseEntropySection(FIXTURE_ENTROPY, { ...layout, codeGroups: 6 })).toThrow(/shape/);
    const short = { ...FIXTURE_ENTROPY, digits: { ...FIXTURE_ENTROPY.digits, freqs: 'AAAA' } };
    expect(() => parseEntropySection(short, layout)).toThrow(/holds/);
  });
});

describe('range coder round trips and hostile input', () => {
  it('round-trips random tables and symbols', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 300; trial++) {
      const totalBits = 1 + randomInt(random, 16);
      const n = Math.min(2 ** totalBits, 2 + randomInt(random, 8));
      const tables = Array.from({ length: 3 }, () => {
        const f = new Array<number>(n).fill(1);
        for (let left = 2 ** totalBits - n; left > 0;) {
          const add = Math.min(left, 1 + randomInt(random, left));
          f[randomInt(random, random() < 0.5 ? 1 : n)] += add;
          left -= add;
        }
        return f;
      });
      const symbols = Array.from({ length: randomInt(random, 400) }, (): [number, number] => [
        randomInt(random, 3),
        randomInt(random, n),
      ]);
      const bytes = encode({ tables, symbols, totalBits });
      const cums = cumulative(tables);
      const dec = new RangeDecoder(bytes);
      for (const [t, s] of symbols) expect(dec.decode(cums[t], 0, n, totalBits)).toBe(s);
      expect(dec.overread).toBe(RANGE_DECODER_OVERREAD_BYTES);
    }
  });

  it('gives segments or FxcFormatError for random and truncated payloads, in bounded time', () => {
    const random = seededRandom(11);
    const good = FIXTURE.payloads[1];
    const goodBytes = Buffer.from(good.bytes, 'hex');
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes =
        i % 2
          ? Uint8Array.from({ length: randomInt(random, 300) }, () => randomInt(random, 256))
          : goodBytes.subarray(0, randomInt(random, goodBytes.length));
      const frames = i % 2 ? 1 + randomInt(random, 400) : good.frames;
      try {
        const k = decodeSegments(TABLES, 625, bytes, 0, bytes.length, payloadTarget(frames));
        expect(k).toBeLessThanOrEqual(frames);
      } catch (err) {
        expect(err).toBeInstanceOf(FxcFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(2900);
  });

  it('gives segments with pitch or FxcFormatError for random and truncated version 3 payloads', () => {
    const random = seededRandom(12);
    const good = FIXTURE.pitchPayloads[1];
    const goodBytes = Buffer.from(good.bytes, 'hex');
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes =
        i % 2
          ? Uint8Array.from({ length: randomInt(random, 300) }, () => randomInt(random, 256))
          : goodBytes.subarray(0, randomInt(random, goodBytes.length));
      const frames = i % 2 ? 1 + randomInt(random, 400) : good.frames;
      const target = payloadTarget(frames, true);
      try {
        const k = decodeSegments(PITCH_TABLES, 625, bytes, 0, bytes.length, target);
        expect(k).toBeLessThanOrEqual(frames);
        expect(target.pitch!.every((q) => q < 64)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(FxcFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(2900);
  });
});
