/**
 * .fxc version 4: the compact header (LEB128 sample count, the layout implied) and a pitch level
 * per two-frame span below 5 Hz. The Python twin's bytes are checked in test/range-coder.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  FxcWriter,
  layoutFromManifest,
  parseFxc,
  readHeader,
  writeFxc,
  type FxcLayout,
} from '../src/core/bitstream.ts';
import { decodeWindows } from '../src/core/decode-windows.ts';
import { crc32 } from '../src/core/crc32.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import type { ModelConstants } from '../src/core/manifest.ts';
import { decoderTrack, pitchStride, spanLevel, spanLevels, strideTrack } from '../src/core/pitch-code.ts';
import { FIXTURE_PITCH_ENTROPY, TEST_LAYOUT, TEST_LAYOUT_V3, TEST_LAYOUT_V4 } from './helpers/layout.ts';
import { randomFile, randomPitch, sum, withFixedCrc } from './helpers/fxc-content.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

function header(sampleCount: number, targetRateHz = 6.25) {
  return { ...TEST_LAYOUT, sampleCount, targetRateHz };
}

/** Random segments and codes, and a pitch level per frame. */
function randomContent(seed: number, sampleCount: number) {
  const { lengths, codes } = randomFile(seed, sampleCount);
  return { lengths, codes, pitch: randomPitch(seed, sum(lengths)) };
}

describe('.fxc version 4 header', () => {
  it('writes the version 3 example with the compact header: 12 bytes fewer', () => {
    // docs/FORMAT.md: 2000 samples at 6.25 Hz, levels 30 and 31; 2000 = 0x50 + 15·128 in LEB128.
    const v4 = writeFxc(header(2000), TEST_LAYOUT_V4, [2], [1, 2, 3, 4, 5, 6, 7], [30, 31]);
    const v3 = writeFxc(header(2000), TEST_LAYOUT_V3, [2], [1, 2, 3, 4, 5, 6, 7], [30, 31]);
    const hex = Buffer.from(v4).toString('hex');
    expect(hex.slice(0, 24)).toBe('465843' + '04' + 'e424b04b' + 'd00f' + '7102');
    // At 6.25 Hz the payload is version 3's, byte for byte.
    expect(hex.slice(24, -8)).toBe(Buffer.from(v3.subarray(24, -4)).toString('hex'));
    expect(v4.length).toBe(v3.length - 12);
    const crc = new DataView(v4.buffer).getUint32(v4.length - 4, true);
    expect(crc).toBe(crc32(v4.subarray(0, v4.length - 4)));
    expect(readHeader(v4)).toEqual({
      version: 4,
      modelId: '4bb024e4',
      sampleCount: 2000,
      sampleRateHz: 16000,
      targetRateHz: 6.25,
      codeGroups: 7,
      bitsPerCode: 12,
      lengthBits: 3,
    });
  });

  it('codes the sample count in 1 to 4 LEB128 bytes, and reads each back', () => {
    for (const [count, bytes] of [
      [1, 1],
      [127, 1],
      [128, 2],
      [16383, 2],
      [16384, 3],
      [43200, 3],
      [2097152, 4],
      [230400000, 4],
    ]) {
      const frames = Math.ceil(count / 1280);
      const lengths = Array.from({ length: Math.ceil(frames / 8) }, (_, k) => Math.min(8, frames - 8 * k));
      const file = writeFxc(
        header(count, 3),
        TEST_LAYOUT_V4,
        lengths,
        new Array(lengths.length * 7).fill(0),
        new Array(frames).fill(0),
      );
      expect(readHeader(file).sampleCount).toBe(count);
      expect(file[8 + bytes - 1] & 0x80).toBe(0); // the last LEB128 byte
      if (bytes > 1) expect(file[8 + bytes - 2] & 0x80).toBe(0x80);
      expect(readHeader(file).targetRateHz).toBe(3);
    }
  });

  it('refuses a longer spelling of a count, one past 4 bytes, and a cut-off header', () => {
    const good = writeFxc(header(100), TEST_LAYOUT_V4, [1], new Array(7).fill(0), [0]);
    // 100 as two bytes (0xe4 0x00): the same value, not the one spelling.
    const long = new Uint8Array([...good.subarray(0, 8), 0xe4, 0x00, ...good.subarray(9)]);
    expect(() => readHeader(withFixedCrc(long))).toThrow(/not minimally coded/);
    const five = new Uint8Array([...good.subarray(0, 8), 0x80, 0x80, 0x80, 0x80, 0x01, ...good.subarray(9)]);
    expect(() => readHeader(withFixedCrc(five))).toThrow(/runs past 4 bytes/);
    // Three bytes that each say "more follows", then the CRC: 15 bytes, the least a file may have.
    const cut = withFixedCrc(new Uint8Array([...good.subarray(0, 8), 0x80, 0x80, 0x80, 0, 0, 0, 0]));
    expect(() => readHeader(cut)).toThrow(FxcFormatError);
    expect(() => readHeader(cut)).toThrow(/the sample count is cut off/);
    expect(() => readHeader(good.subarray(0, 14))).toThrow(/shorter than the 15-byte minimum/);
  });

  it('is written only for models.json with "fxcVersion": 4, a pitch model of the compact layout', () => {
    const manifest = {
      ...TEST_LAYOUT,
      formatVersion: 1,
      fsqLevels: [8, 8, 8, 8],
      pitch: { levels: 64 },
      entropy: FIXTURE_PITCH_ENTROPY,
    } as unknown as ModelConstants;
    const write = (m: ModelConstants) =>
      writeFxc(header(2560), layoutFromManifest(m), [2], new Array(7).fill(0), [7, 7]);
    expect(write(manifest)[3]).toBe(3);
    expect(write({ ...manifest, fxcVersion: 4 })[3]).toBe(4);
    expect(() => layoutFromManifest({ ...manifest, fxcVersion: 4, sampleRateHz: 24000 })).toThrow(
      /fxcVersion 4 files have sampleRateHz 16000, model 4bb024e4 has 24000/,
    );
    expect(() => layoutFromManifest({ ...manifest, fxcVersion: 4, pitch: undefined })).toThrow(
      /fxcVersion 4 needs a model that codes pitch and has entropy tables/,
    );
  });

  it('reads version 3 files with a version 4 model of the same id, and the other way round', () => {
    const { lengths, codes, pitch } = randomContent(3, 40000);
    const v3 = writeFxc(header(40000, 3), TEST_LAYOUT_V3, lengths, codes, pitch);
    const v4 = writeFxc(header(40000, 3), TEST_LAYOUT_V4, lengths, codes, pitch);
    expect(Array.from(parseFxc(v3, TEST_LAYOUT_V4).pitch!)).toEqual(pitch);
    expect(parseFxc(v4, TEST_LAYOUT_V3).pitchStride).toBe(2);
    expect(Array.from(parseFxc(v4, TEST_LAYOUT_V3).codes)).toEqual(codes);
    const other: FxcLayout = { ...TEST_LAYOUT_V4, modelId: '00000001' };
    expect(() => parseFxc(v4, other)).toThrow(/made with model 4bb024e4, but model 00000001 is loaded/);
  });
});

describe('.fxc version 4 pitch spans', () => {
  it('codes a level per two frames below 5 Hz, per frame at 5 Hz and above', () => {
    expect([300, 499, 500, 625, 1250].map(pitchStride)).toEqual([2, 2, 1, 1, 1]);
    for (let seed = 1; seed <= 60; seed++) {
      const sampleCount = 1 + randomInt(seededRandom(seed * 7), 16000 * 15);
      const rate = [3, 4.5, 4.99, 5, 6.25, 12.5][seed % 6];
      const { lengths, codes, pitch } = randomContent(seed, sampleCount);
      const file = parseFxc(
        writeFxc(header(sampleCount, rate), TEST_LAYOUT_V4, lengths, codes, pitch),
        TEST_LAYOUT_V4,
      );
      const stride = rate < 5 ? 2 : 1;
      expect(file.pitchStride).toBe(stride);
      expect(Array.from(file.lengths)).toEqual(lengths);
      expect(Array.from(file.codes)).toEqual(codes);
      expect(Array.from(file.pitch!)).toEqual(Array.from(spanLevels(pitch, stride)));
    }
  });

  it('makes a span voiced when either frame is, at the rounded-up mean level when both are', () => {
    expect([
      spanLevel(0, 0),
      spanLevel(0, 9),
      spanLevel(9, 0),
      spanLevel(3, 4),
      spanLevel(4, 4),
      spanLevel(1, 63),
    ]).toEqual([0, 9, 9, 4, 4, 32]);
    expect(Array.from(spanLevels([5, 7, 0, 0, 0, 12, 40], 2))).toEqual([6, 0, 12, 40]);
    expect(Array.from(spanLevels([5, 7, 0], 1))).toEqual([5, 7, 0]);
  });

  it('saves bits at 3 Hz against version 3 on the same content', () => {
    const { lengths, codes, pitch } = randomContent(11, 16000 * 10);
    const v3 = writeFxc(header(160000, 3), TEST_LAYOUT_V3, lengths, codes, pitch);
    const v4 = writeFxc(header(160000, 3), TEST_LAYOUT_V4, lengths, codes, pitch);
    // 12 header bytes, and a good share of the 125 levels' bits.
    expect(v3.length - v4.length).toBeGreaterThan(12 + 20);
  });

  it('writes spans split across pushes at an odd frame as in one push', () => {
    const { lengths, codes, pitch } = randomContent(5, 16000 * 6);
    let k = 0;
    let frames = 0;
    while (frames % 2 === 0 || k < 3) frames += lengths[k++]; // a push boundary inside a span
    const writer = new FxcWriter(header(96000, 3), TEST_LAYOUT_V4);
    writer.push(lengths.slice(0, k), codes.slice(0, k * 7), pitch.slice(0, frames));
    writer.push(lengths.slice(k), codes.slice(k * 7), pitch.slice(frames));
    expect(writer.finish()).toEqual(writeFxc(header(96000, 3), TEST_LAYOUT_V4, lengths, codes, pitch));
  });

  it('rebuilds the F0 track from spans, and from frames as version 3 does', () => {
    const levels = [0, 20, 22, 22, 0];
    expect(Array.from(strideTrack(levels, 1, 5))).toEqual(Array.from(decoderTrack(levels)));
    const spans = strideTrack(spanLevels(levels, 2), 2, 5);
    expect(spans.length).toBe(40);
    // Span 0 (levels 0, 20) is voiced at level 20, span 1 at 22, the last frame unvoiced.
    expect(spans.subarray(0, 32).every((f) => f > 0)).toBe(true);
    expect(spans.subarray(32).every((f) => f === 0)).toBe(true);
    expect(spans[8]).toBeGreaterThan(spans[0]); // rising from level 20 towards 22
  });

  it('decodes a version 4 file at 3 Hz with one F0 value per 10 ms frame of the audio', async () => {
    const { lengths, codes, pitch } = randomContent(9, 16000 * 3);
    const file = parseFxc(writeFxc(header(48000, 3), TEST_LAYOUT_V4, lengths, codes, pitch), TEST_LAYOUT_V4);
    const seen: number[] = [];
    const backend = {
      decode: (_c: Int32Array, l: Uint32Array, p?: { f0: Float32Array }) => {
        const n = l.reduce((a, b) => a + b, 0);
        seen.push(p!.f0.length / n);
        return Promise.resolve(new Float32Array(n * 1280));
      },
    };
    let samples = 0;
    for await (const piece of decodeWindows(file, 1280, backend)) samples += piece.length;
    expect(samples).toBe(48000);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((perFrame) => perFrame === 8)).toBe(true);
  });
});
