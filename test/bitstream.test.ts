import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../src/core/bitio.ts';
import {
  FXC_HEADER_BYTES,
  MAX_SAMPLE_COUNT,
  FxcWriter,
  fileBitrateBps,
  fxcFileBytes,
  layoutFromManifest,
  parseFxc,
  readHeader,
  writeFxc,
} from '../src/core/bitstream.ts';
import { crc32 } from '../src/core/crc32.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import type { ModelConstants } from '../src/core/manifest.ts';
import {
  FIXTURE_ENTROPY,
  FIXTURE_PITCH_ENTROPY,
  TEST_LAYOUT,
  TEST_LAYOUT_V2,
  TEST_LAYOUT_V3,
} from './helpers/layout.ts';
import { randomFile, randomPitch, sum, withFixedCrc } from './helpers/fxc-content.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

const LAYOUT = TEST_LAYOUT;

function header(sampleCount: number, targetRateHz = 6.25) {
  return {
    modelId: LAYOUT.modelId,
    sampleCount,
    sampleRateHz: 16000,
    targetRateHz,
    codeGroups: 7,
    bitsPerCode: 12,
    lengthBits: 3,
  };
}

describe('crc32 and bit I/O', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('packs MSB first and reads back any widths', () => {
    const w = new BitWriter();
    w.write(0b101, 3);
    w.write(0b00001, 5);
    expect(Array.from(w.toBytes())).toEqual([0b10100001]);
    const random = seededRandom(7);
    const values: [number, number][] = [];
    const w2 = new BitWriter();
    for (let i = 0; i < 2000; i++) {
      const bits = 1 + randomInt(random, 32);
      const v = Math.floor(random() * 2 ** bits);
      values.push([v, bits]);
      w2.write(v, bits);
    }
    const r = new BitReader(w2.toBytes());
    for (const [v, bits] of values) expect(r.read(bits)).toBe(v);
    expect(() => w2.write(8, 3)).toThrow(RangeError);
  });
});

describe('.fxc round trip', () => {
  it('writes the documented worked example byte for byte', () => {
    // docs/FORMAT.md: 2000 samples (2 frames), one segment of length 2, codes 1..7.
    const bytes = writeFxc(header(2000), LAYOUT, [2], [1, 2, 3, 4, 5, 6, 7]);
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex.slice(0, 40)).toBe(
      '465843' + '01' + 'e424b04b' + 'd0070000' + '803e00' + '7102' + '07' + '0c' + '03',
    );
    expect(bytes.length).toBe(FXC_HEADER_BYTES + Math.ceil((3 + 7 * 12) / 8) + 4);
    expect(hex.slice(40, 40 + 22)).toBe('200200400600800a00c00e');
    expect(hex.slice(-8)).toBe('59a0c69e');
  });

  it('parses what it writes, for many random files', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const sampleCount = 1 + randomInt(seededRandom(seed * 31), 16000 * 20);
      const { lengths, codes } = randomFile(seed, sampleCount);
      const bytes = writeFxc(header(sampleCount, 3 + (seed % 10)), LAYOUT, lengths, codes);
      expect(bytes.length).toBe(fxcFileBytes(lengths.length, LAYOUT));
      const file = parseFxc(bytes, LAYOUT);
      expect(file.header.sampleCount).toBe(sampleCount);
      expect(file.header.targetRateHz).toBe(3 + (seed % 10));
      expect(file.header.modelId).toBe(LAYOUT.modelId);
      expect(Array.from(file.lengths)).toEqual(lengths);
      expect(Array.from(file.codes)).toEqual(codes);
      expect(file.frames).toBe(Math.ceil(sampleCount / 1280));
    }
  });

  it('counts the whole file in the bitrate', () => {
    const { lengths, codes } = randomFile(3, 16000 * 10);
    const bytes = writeFxc(header(160000), LAYOUT, lengths, codes);
    expect(fileBitrateBps(bytes.length, 160000, 16000)).toBeCloseTo((bytes.length * 8) / 10, 9);
  });

  it('refuses to write inconsistent files', () => {
    expect(() => writeFxc(header(2560), LAYOUT, [1], [0, 0, 0, 0, 0, 0, 0])).toThrow(/cover 1 frames/);
    expect(() => writeFxc(header(2560), LAYOUT, [9], new Array(7).fill(0))).toThrow(RangeError);
    expect(() => writeFxc(header(0), LAYOUT, [], [])).toThrow(RangeError);
  });
});

describe('.fxc validation', () => {
  const good = writeFxc(header(16000), LAYOUT, [8, 4, 1], new Array(21).fill(4095));
  const expectError = (bytes: Uint8Array, pattern: RegExp, layout = LAYOUT) => {
    let error: unknown;
    try {
      parseFxc(bytes, layout);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FxcFormatError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('accepts the good file', () => {
    expect(parseFxc(good, LAYOUT).segments).toBe(3);
  });

  it('rejects short, foreign, future-version and corrupted files', () => {
    expectError(new Uint8Array(0), /0 bytes/);
    expectError(new TextEncoder().encode('RIFF....WAVEfmt and more bytes'), /not a \.fxc file/);
    const v6 = good.slice();
    v6[3] = 6;
    expectError(v6, /version 6; this decoder reads versions 1 to 5: the file was made by a newer FlexiCodec/);
    const v0 = good.slice();
    v0[3] = 0;
    expectError(v0, /version 0; this decoder reads versions 1 to 5$/);
    const flipped = good.slice();
    flipped[FXC_HEADER_BYTES + 2] ^= 0x10;
    expectError(flipped, /CRC-32 mismatch/);
  });

  it('names the model a file needs when another is loaded', () => {
    expectError(good, /made with model 4bb024e4, but model 00000001 is loaded/, {
      ...LAYOUT,
      modelId: '00000001',
    });
  });

  it('rejects header fields that do not fit the model or the limits', () => {
    const edit = (at: number, value: number) => {
      const b = good.slice();
      b[at] = value;
      return withFixedCrc(b);
    };
    expectError(edit(17, 8), /codeGroups is 8/);
    expectError(edit(18, 11), /bitsPerCode is 11/);
    expectError(edit(19, 4), /lengthBits is 4/);
    expectError(edit(14, 1), /sampleRateHz/);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(8, MAX_SAMPLE_COUNT + 1, true);
    expectError(withFixedCrc(huge), /sampleCount .* outside/);
    const zero = good.slice();
    new DataView(zero.buffer).setUint32(8, 0, true);
    expectError(withFixedCrc(zero), /sampleCount 0/);
    const rate = good.slice();
    new DataView(rate.buffer).setUint16(15, 1300, true);
    expectError(withFixedCrc(rate), /target rate 13/);
  });

  it('rejects a header that claims more audio than the payload can hold, before allocating', () => {
    const big = good.slice();
    new DataView(big.buffer).setUint32(8, MAX_SAMPLE_COUNT, true); // 4 h → 45000 frames
    expectError(withFixedCrc(big), /truncated \.fxc payload: .* cannot hold/);
  });

  it('rejects lengths that overrun T, trailing data and non-zero padding', () => {
    // 2 frames of audio but one segment of length 3.
    const w = new BitWriter();
    w.writeBytes(good.subarray(0, FXC_HEADER_BYTES));
    for (const len of [3]) {
      w.write(len - 1, 3);
      for (let g = 0; g < 7; g++) w.write(0, 12);
    }
    w.alignToByte();
    const body = w.toBytes();
    new DataView(body.buffer).setUint32(8, 2560, true);
    const overrun = withFixedCrc(new Uint8Array([...body, 0, 0, 0, 0]));
    expectError(overrun, /sum past the 2 frames/);

    const trailing = withFixedCrc(new Uint8Array([...good.subarray(0, good.length - 4), 0, 0, 0, 0, 0]));
    expectError(trailing, /1 bytes of trailing data/);

    const padded = good.slice();
    padded[padded.length - 5] |= 1; // last payload byte holds padding bits (3 × 87 = 261 bits)
    expectError(withFixedCrc(padded), /padding bits are not zero/);
  });

  it('reads a header without a model', () => {
    expect(readHeader(good)).toMatchObject({
      version: 1,
      sampleCount: 16000,
      targetRateHz: 6.25,
      codeGroups: 7,
    });
  });
});

describe('.fxc version 2 (range-coded)', () => {
  it('writes the documented worked example byte for byte', () => {
    // docs/FORMAT.md: the version 1 example's content, range-coded with tables 389575e7.
    const bytes = writeFxc(header(2000), TEST_LAYOUT_V2, [2], [1, 2, 3, 4, 5, 6, 7]);
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex.slice(0, 48)).toBe(
      '465843' + '02' + 'e424b04b' + 'd0070000' + '803e00' + '7102' + '07' + '0c' + '03' + 'e7759538',
    );
    expect(hex.slice(48, -8)).toBe('88dc0c1e00d81bffd39efb4e6929f7');
    expect(hex.slice(-8)).toBe('f9b7c3d0');
    expect(bytes.length).toBe(43);
    expect(readHeader(bytes)).toMatchObject({ version: 2, entropyId: '389575e7' });
  });

  it('parses what it writes, for many random files', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const sampleCount = 1 + randomInt(seededRandom(seed * 17), 16000 * 20);
      const { lengths, codes } = randomFile(seed, sampleCount);
      const bytes = writeFxc(header(sampleCount, 3 + (seed % 10)), TEST_LAYOUT_V2, lengths, codes);
      const file = parseFxc(bytes, TEST_LAYOUT_V2);
      expect(Array.from(file.lengths)).toEqual(lengths);
      expect(Array.from(file.codes)).toEqual(codes);
    }
  });

  it('still reads version 1 files with a model that has tables', () => {
    const { lengths, codes } = randomFile(9, 48000);
    const v1 = writeFxc(header(48000), TEST_LAYOUT, lengths, codes);
    expect(v1[3]).toBe(1);
    expect(Array.from(parseFxc(v1, TEST_LAYOUT_V2).codes)).toEqual(codes);
  });

  it('names the tables a file needs when the loaded model has others or none', () => {
    const v2 = writeFxc(header(2560), TEST_LAYOUT_V2, [2], [0, 0, 0, 0, 0, 0, 0]);
    const other = { ...TEST_LAYOUT_V2, entropyTables: { ...TEST_LAYOUT_V2.entropyTables!, id: '00c0ffee' } };
    const expectMessage = (layout: typeof TEST_LAYOUT, pattern: RegExp) => {
      expect(() => parseFxc(v2, layout)).toThrow(FxcFormatError);
      expect(() => parseFxc(v2, layout)).toThrow(pattern);
    };
    expectMessage(
      other,
      /range-coded with entropy tables 389575e7 of model 4bb024e4, but the loaded model 4bb024e4 has tables 00c0ffee/,
    );
    expectMessage(
      TEST_LAYOUT,
      /has no entropy tables; decode it with the models whose models.json has "modelId": "4bb024e4" and "entropy": \{ "id": "389575e7" \}/,
    );
  });

  it('rejects a short payload that claims hours before allocating', () => {
    const v2 = writeFxc(header(2560), TEST_LAYOUT_V2, [2], [0, 0, 0, 0, 0, 0, 0]);
    const long = v2.slice();
    new DataView(long.buffer).setUint32(8, MAX_SAMPLE_COUNT, true);
    expect(() => parseFxc(withFixedCrc(long), TEST_LAYOUT_V2)).toThrow(/bits cannot hold the 22500 segments/);
  });
});

describe('.fxc version 3 (range-coded, a pitch level per frame)', () => {
  it('writes the documented worked example byte for byte', () => {
    // docs/FORMAT.md: the version 2 example's content with pitch levels 30 and 31 for its two frames.
    const bytes = writeFxc(header(2000), TEST_LAYOUT_V3, [2], [1, 2, 3, 4, 5, 6, 7], [30, 31]);
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex.slice(0, 48)).toBe(
      '465843' + '03' + 'e424b04b' + 'd0070000' + '803e00' + '7102' + '07' + '0c' + '03' + '12c091c4',
    );
    expect(readHeader(bytes)).toMatchObject({ version: 3, entropyId: FIXTURE_PITCH_ENTROPY.id });
    expect(hex.slice(48, -8)).toBe('a74c4f1139ac36eab6adc15c84578beb');
    expect(hex.slice(-8)).toBe('34ee51aa');
    expect(bytes.length).toBe(44);
  });

  it('gives back lengths, codes and pitch levels exactly, for many random files', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const sampleCount = 1 + randomInt(seededRandom(seed * 13), 16000 * 20);
      const { lengths, codes } = randomFile(seed, sampleCount);
      const pitch = randomPitch(seed, sum(lengths));
      const bytes = writeFxc(header(sampleCount, 3 + (seed % 10)), TEST_LAYOUT_V3, lengths, codes, pitch);
      expect(bytes[3]).toBe(3);
      const file = parseFxc(bytes, TEST_LAYOUT_V3);
      expect(Array.from(file.lengths)).toEqual(lengths);
      expect(Array.from(file.codes)).toEqual(codes);
      expect(file.pitch!.length).toBe(file.frames);
      expect(Array.from(file.pitch!)).toEqual(pitch);
    }
  });

  it('writes pitch pushed in parts as in one push', () => {
    const { lengths, codes } = randomFile(4, 64000);
    const pitch = randomPitch(4, sum(lengths));
    const writer = new FxcWriter(header(64000), TEST_LAYOUT_V3);
    const half = Math.floor(lengths.length / 2);
    const halfFrames = sum(lengths.slice(0, half));
    writer.push(lengths.slice(0, half), codes.slice(0, half * 7), pitch.slice(0, halfFrames));
    writer.push(lengths.slice(half), codes.slice(half * 7), pitch.slice(halfFrames));
    expect(writer.finish()).toEqual(writeFxc(header(64000), TEST_LAYOUT_V3, lengths, codes, pitch));
  });

  it('still writes and reads version 2 for a model without pitch, even with a pitch table', () => {
    const { lengths, codes } = randomFile(5, 48000);
    const v2 = writeFxc(header(48000), TEST_LAYOUT_V2, lengths, codes);
    expect(v2[3]).toBe(2);
    const file = parseFxc(v2, TEST_LAYOUT_V2);
    expect(Array.from(file.codes)).toEqual(codes);
    expect(file.pitch).toBeUndefined();
    const tablesOnly = { ...TEST_LAYOUT_V3, pitchLevels: undefined };
    const other = writeFxc(header(48000), tablesOnly, lengths, codes);
    expect(other[3]).toBe(2);
    expect(Array.from(parseFxc(other, tablesOnly).lengths)).toEqual(lengths);
  });

  it('refuses pitch that does not match the layout when writing', () => {
    const codes = [0, 0, 0, 0, 0, 0, 0];
    expect(() => writeFxc(header(2560), TEST_LAYOUT_V3, [2], codes)).toThrow(
      /codes pitch: push needs a pitch level per frame/,
    );
    expect(() => writeFxc(header(2560), TEST_LAYOUT_V2, [2], codes, [5, 6])).toThrow(/codes no pitch/);
    // A level per segment is not enough: one per frame.
    expect(() => writeFxc(header(2560), TEST_LAYOUT_V3, [2], codes, [5])).toThrow(
      /pitch must be \[frames\]: 1 levels for the 2 frames of these segments, one per frame/,
    );
    expect(() => writeFxc(header(2560), TEST_LAYOUT_V3, [2], codes, [5, 6, 7])).toThrow(
      /pitch must be \[frames\]/,
    );
    expect(() => writeFxc(header(2560), TEST_LAYOUT_V3, [2], codes, [5, 64])).toThrow(
      /pitch level 64 of frame 1 outside 0..63/,
    );
    expect(() => new FxcWriter(header(2560), { ...TEST_LAYOUT_V2, pitchLevels: 64 })).toThrow(
      /no pitch table/,
    );
  });

  it('refuses a file of the other kind, saying which model it needs', () => {
    const { lengths, codes } = randomFile(6, 32000);
    const v3 = writeFxc(header(32000), TEST_LAYOUT_V3, lengths, codes, randomPitch(6, sum(lengths)));
    const v2 = writeFxc(header(32000), TEST_LAYOUT_V2, lengths, codes);
    const v1 = writeFxc(header(32000), TEST_LAYOUT, lengths, codes);
    const expectRefusal = (bytes: Uint8Array, layout: typeof TEST_LAYOUT, pattern: RegExp) => {
      expect(() => parseFxc(bytes, layout)).toThrow(FxcFormatError);
      expect(() => parseFxc(bytes, layout)).toThrow(pattern);
    };
    const needsPitch =
      /version 3\) holds pitch levels, but the loaded model 4bb024e4 codes no pitch; decode it with the models whose models.json has "modelId": "4bb024e4" and a "pitch" section/;
    expectRefusal(v3, TEST_LAYOUT_V2, needsPitch);
    expectRefusal(v3, TEST_LAYOUT, needsPitch);
    const needsNoPitch =
      /holds no pitch levels, but the loaded model 4bb024e4 codes pitch; decode it with the models whose models.json has "modelId": "4bb024e4" and no "pitch" section/;
    expectRefusal(v2, TEST_LAYOUT_V3, /version 2\) /);
    expectRefusal(v2, TEST_LAYOUT_V3, needsNoPitch);
    expectRefusal(v1, TEST_LAYOUT_V3, /version 1\) /);
    expectRefusal(v1, TEST_LAYOUT_V3, needsNoPitch);
    // Another model's file names that model first.
    expectRefusal(
      v3,
      { ...TEST_LAYOUT, modelId: '00000001' },
      /made with model 4bb024e4, but model 00000001 is loaded/,
    );
    // Same kind, other tables: the tables' message.
    const otherTables = {
      ...TEST_LAYOUT_V3,
      entropyTables: { ...TEST_LAYOUT_V3.entropyTables!, id: '00c0ffee' },
    };
    expectRefusal(v3, otherTables, /range-coded with entropy tables c491c012 .* has tables 00c0ffee/);
  });

  it('rejects a short payload that claims hours before allocating', () => {
    const v3 = writeFxc(header(2560), TEST_LAYOUT_V3, [2], [0, 0, 0, 0, 0, 0, 0], [0, 0]);
    const long = v3.slice();
    new DataView(long.buffer).setUint32(8, MAX_SAMPLE_COUNT, true);
    expect(() => parseFxc(withFixedCrc(long), TEST_LAYOUT_V3)).toThrow(/bits cannot hold the 22500 segments/);
  });

  it("counts every frame's pitch level in the least a payload must hold", () => {
    // A frame count the segments alone would let through, but not with a level for each frame.
    const tables = TEST_LAYOUT_V3.entropyTables!;
    const v3 = writeFxc(header(2560), TEST_LAYOUT_V3, [2], [0, 0, 0, 0, 0, 0, 0], [0, 0]);
    const payloadBits = (v3.length - 28) * 8;
    const segmentsOnly = (t: number) => Math.ceil(t / 8) * tables.minSegmentBits;
    let frames = 1;
    while (segmentsOnly(frames) + frames * tables.minPitchBits <= payloadBits) frames++;
    expect(segmentsOnly(frames)).toBeLessThanOrEqual(payloadBits);
    const claim = v3.slice();
    new DataView(claim.buffer).setUint32(8, frames * 1280, true);
    expect(() => parseFxc(withFixedCrc(claim), TEST_LAYOUT_V3)).toThrow(
      `cannot hold the ${Math.ceil(frames / 8)} segments that ${frames} frames need at least, and a pitch level for each frame`,
    );
  });

  it('takes pitch from models.json: a pitch model needs a pitch table', () => {
    const manifest = {
      ...TEST_LAYOUT,
      formatVersion: 1,
      fsqLevels: [8, 8, 8, 8],
      pitch: { levels: 64 },
    } as unknown as ModelConstants;
    const layout = layoutFromManifest({ ...manifest, entropy: FIXTURE_PITCH_ENTROPY });
    expect(layout.pitchLevels).toBe(64);
    expect(layout.entropyTables!.pitchCum).toBeDefined();
    expect(writeFxc(header(2560), layout, [2], [0, 0, 0, 0, 0, 0, 0], [7, 7])[3]).toBe(3);
    expect(() => layoutFromManifest({ ...manifest, entropy: FIXTURE_ENTROPY })).toThrow(
      /model 4bb024e4 codes pitch, so its "entropy" section needs a pitch table/,
    );
    expect(() => layoutFromManifest(manifest)).toThrow(/needs a pitch table/);
    expect(
      layoutFromManifest({ ...manifest, pitch: undefined, entropy: FIXTURE_ENTROPY }).pitchLevels,
    ).toBeUndefined();
  });
});
