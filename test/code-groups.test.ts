/**
 * Rate-dependent code groups (models.json `reducedCodeGroups`): a 9-group model writes 9 codes per
 * segment at 12.5 Hz and only the first 7 below 9 Hz; the header says which, the reader accepts
 * only those two counts, and the decoder always gets [K, 9] with -1 for the groups a file lacks.
 * The models are frame-local stand-ins (test doubles), bit-packed (version 1) and range-coded with
 * 36-channel tables made from the fixture's 28 (version 2; version 3 at the bitstream level).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fxcFileBytes,
  layoutFromManifest,
  parseFxc,
  readHeader,
  writeFxc,
  type FxcLayout,
} from '../src/core/bitstream.ts';
import { Codec } from '../src/core/codec.ts';
import {
  ABSENT_CODE,
  allowedCodeGroups,
  codeGroupsAtRate,
  keepCodeGroups,
  widenCodes,
} from '../src/core/code-groups.ts';
import { parseEntropySection } from '../src/core/entropy.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import { parseManifest, type ModelConstants } from '../src/core/manifest.ts';
import { decoderFeeds } from '../src/core/model-io.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { EncodedFeatures, InferenceBackend, MergeResult } from '../src/core/types.ts';
import { FIXTURE_ENTROPY, FIXTURE_PITCH_ENTROPY, nineGroupTables, TEST_LAYOUT_V2 } from './helpers/layout.ts';
import { randomPitch, sum, withFixedCrc } from './helpers/fxc-content.ts';
import { PITCH_SECTION } from './helpers/pitch-section.ts';
import { randomInt, seededRandom } from './helpers/random.ts';
import { stepAudio } from './helpers/step-audio.ts';

const FRAME = 1280;
const G = 9;
const REDUCED = { codeGroups: 7, belowRateHz: 9 };

const ENTROPY_9 = nineGroupTables(FIXTURE_ENTROPY, '00000009');
const PITCH_ENTROPY_9 = nineGroupTables(FIXTURE_PITCH_ENTROPY, '00000309');

/** A 9-group model's constants without the field: every rate carries all 9 groups. */
const FULL = {
  formatVersion: 1,
  modelId: '0000c0de',
  sampleRateHz: 16000,
  frameSamples: FRAME,
  frameRateHz: 12.5,
  maxSegmentFrames: 8,
  lengthBits: 3,
  semanticDim: 2,
  acousticDim: 1,
  codeGroups: G,
  bitsPerCode: 12,
  fsqLevels: [8, 8, 8, 8],
  semanticCodeGroups: 0,
  tauCalibration: [],
} as ModelConstants;
/** The same model writing 7 groups below 9 Hz: bit-packed (version 1) and range-coded (version 2). */
const PACKED = { ...FULL, reducedCodeGroups: REDUCED };
const RANGE = { ...PACKED, entropy: ENTROPY_9 };

/** Frame-local stand-ins for the models that remember what the quantizer gave and the decoder got. */
class GroupBackend implements InferenceBackend {
  readonly name = 'cpu' as const;
  quantized: Int32Array[] = [];
  decoded: { codes: Int32Array; segments: number }[] = [];

  async encode(audio: Float32Array): Promise<EncodedFeatures> {
    const frames = audio.length / FRAME;
    const semantic = new Float32Array(frames * 2);
    const acoustic = new Float32Array(frames);
    for (let t = 0; t < frames; t++) {
      let s = 0;
      for (let i = 0; i < FRAME; i++) s += audio[t * FRAME + i];
      semantic[t * 2] = Math.sign(s) || 1; // frames merge while the sign holds
      semantic[t * 2 + 1] = 0.1;
      acoustic[t] = Math.abs(s / FRAME);
    }
    return { frames, semantic, acoustic };
  }

  /** Codes [K, 9], every group different, so a dropped or shifted group shows. */
  async quantize(m: MergeResult): Promise<Int32Array> {
    const codes = new Int32Array(m.segments * G);
    for (let k = 0; k < m.segments; k++)
      for (let g = 0; g < G; g++)
        codes[k * G + g] = (Math.round(m.acousticMean[k] * 4000) + 401 * g + 37 * k) % 4096;
    this.quantized.push(codes);
    return codes;
  }

  async decode(codes: Int32Array, lengths: Uint32Array): Promise<Float32Array> {
    this.decoded.push({ codes: codes.slice(), segments: lengths.length });
    return new Float32Array(sum(lengths) * FRAME);
  }

  async release(): Promise<void> {}
}

function codecFor(m: ModelConstants) {
  const backend = new GroupBackend();
  return { backend, codec: new Codec(m, backend, new TwinMerger(2, 1, 8)) };
}

const concat = (parts: Int32Array[]) => Int32Array.from(parts.flatMap((p) => Array.from(p)));

describe('which code groups a rate carries', () => {
  it('the reduced count strictly below belowRateHz, all groups from it up; none reduced without the field', () => {
    expect([12.5, 9, 8.99, 6.25, 3].map((r) => codeGroupsAtRate(PACKED, r))).toEqual([9, 9, 7, 7, 7]);
    expect([12.5, 6.25, 3].map((r) => codeGroupsAtRate(FULL, r))).toEqual([9, 9, 9]);
    expect(allowedCodeGroups(PACKED)).toEqual([7, 9]);
    expect(allowedCodeGroups(FULL)).toEqual([9]);
  });

  it('keeps the first groups of each row, and widens them back with -1', () => {
    const codes = Int32Array.from({ length: 2 * G }, (_, i) => 100 + i);
    const kept = keepCodeGroups(codes, G, 7);
    expect(Array.from(kept)).toEqual([100, 101, 102, 103, 104, 105, 106, 109, 110, 111, 112, 113, 114, 115]);
    const wide = widenCodes(kept, 7, G);
    expect(Array.from(wide)).toEqual([
      100, 101, 102, 103, 104, 105, 106, -1, -1, 109, 110, 111, 112, 113, 114, 115, -1, -1,
    ]);
    expect(ABSENT_CODE).toBe(-1);
    expect(widenCodes(codes, G, G)).toBe(codes);
    expect(() => widenCodes(codes, 10, G)).toThrow(RangeError);
    expect(() => keepCodeGroups(codes, G, 0)).toThrow(RangeError);
  });
});

describe.each([
  ['bit-packed (version 1)', PACKED, 1],
  ['range-coded (version 2)', RANGE, 2],
])('a 9-group model with reducedCodeGroups {7, 9 Hz}, %s', (_, manifest, version) => {
  it('writes 9 groups at 12.5 Hz and 7 at 6.25 Hz: header byte, payload and size', async () => {
    const audio = stepAudio(FRAME * 60 + 300, 1);
    for (const [rate, groups] of [
      [12.5, 9],
      [9, 9],
      [6.25, 7],
      [3, 7],
    ]) {
      const { backend, codec } = codecFor(manifest);
      const r = await codec.encode(audio, { frameRateHz: rate });
      expect(r.fxc[3]).toBe(version);
      expect(r.fxc[17], `${rate} Hz`).toBe(groups);
      expect(readHeader(r.fxc).codeGroups).toBe(groups);
      const file = codec.parse(r.fxc);
      expect(file.codes.length).toBe(r.segments * groups);
      // What the file holds is the first `groups` of what the quantizer gave, byte for byte.
      const kept = keepCodeGroups(concat(backend.quantized), G, groups);
      expect(Array.from(file.codes)).toEqual(Array.from(kept));
      expect(r.fxc).toEqual(writeFxc(readHeader(r.fxc), codec.layout, r.lengths, kept));
      if (version === 1)
        expect(r.fxc.length).toBe(
          fxcFileBytes(r.segments, { lengthBits: 3, codeGroups: groups, bitsPerCode: 12 }),
        );
    }
  });

  it('a 7-group file is smaller than the same segments with 9, and decodes with groups 8 and 9 as -1', async () => {
    const { backend, codec } = codecFor(manifest);
    const r = await codec.encode(stepAudio(FRAME * 40, 2), { frameRateHz: 6.25 });
    const nine = writeFxc(
      { ...readHeader(r.fxc), codeGroups: G },
      codec.layout,
      r.lengths,
      concat(backend.quantized),
    );
    expect(nine[17]).toBe(9);
    expect(r.fxc.length).toBeLessThan(nine.length);
    if (version === 1)
      expect(nine.length - r.fxc.length).toBeGreaterThanOrEqual(Math.floor((r.segments * 24) / 8));

    const audio = await codec.decode(r.fxc);
    expect(audio.length).toBe(r.sampleCount);
    const fed = backend.decoded.flatMap((d) => Array.from(d.codes));
    const segments = backend.decoded.reduce((n, d) => n + d.segments, 0);
    expect(segments).toBe(r.segments);
    expect(fed.length).toBe(r.segments * G);
    const quantized = concat(backend.quantized);
    for (let k = 0; k < r.segments; k++) {
      expect(fed.slice(k * G, k * G + 7)).toEqual(Array.from(quantized.subarray(k * G, k * G + 7)));
      expect(fed.slice(k * G + 7, k * G + 9)).toEqual([-1, -1]);
    }
    // The 9-group file of the same segments feeds the decoder the quantizer's codes unchanged.
    backend.decoded = [];
    await codec.decode(nine);
    expect(backend.decoded.flatMap((d) => Array.from(d.codes))).toEqual(Array.from(quantized));
  });

  it('recodes, fixed layout and windowed long audio: every window of a file carries the same groups', async () => {
    const { backend, codec } = codecFor(manifest);
    const audio = stepAudio(FRAME * 200 + 11, 3);
    const session = await codec.analyze(audio, { windowFrames: 40, contextFrames: 3 });
    expect(session.windows.length).toBeGreaterThan(3);
    for (const [rate, fixed, groups] of [
      [12.5, false, 9],
      [6.25, false, 7],
      [6.25, true, 7],
      [10, true, 9],
    ] as const) {
      backend.quantized = [];
      const r = await session.recode(rate, fixed);
      expect(r.fxc[17], `${rate} Hz${fixed ? ' fixed' : ''}`).toBe(groups);
      const file = codec.parse(r.fxc);
      expect(Array.from(file.codes)).toEqual(
        Array.from(keepCodeGroups(concat(backend.quantized), G, groups)),
      );
      backend.decoded = [];
      expect(
        (await codec.decode(r.fxc, { windowFrames: 50, contextFrames: 2, crossfadeSamples: 512 })).length,
      ).toBe(audio.length);
      expect(backend.decoded.length).toBeGreaterThan(1);
      for (const d of backend.decoded) expect(d.codes.length).toBe(d.segments * G);
    }
  });

  it('refuses a header that says 8 groups, naming the two counts the model writes', async () => {
    const { codec } = codecFor(manifest);
    const r = await codec.encode(stepAudio(FRAME * 20, 4), { frameRateHz: 6.25 });
    const eight = r.fxc.slice();
    eight[17] = 8;
    const bad = withFixedCrc(eight);
    expect(() => codec.parse(bad)).toThrow(FxcFormatError);
    expect(() => codec.parse(bad)).toThrow(
      'bad .fxc header: codeGroups is 8, model 0000c0de uses 9, or 7 below 9 Hz',
    );
    expect(() => writeFxc({ ...readHeader(r.fxc), codeGroups: 8 }, codec.layout, [], [])).toThrow(
      /header codeGroups 8: model 0000c0de writes 9, or 7 below 9 Hz/,
    );
  });
});

describe('a 9-group model without reducedCodeGroups behaves as before', () => {
  it('writes 9 groups at every rate and refuses a 7-group file', async () => {
    for (const manifest of [FULL, { ...FULL, entropy: ENTROPY_9 }]) {
      const { backend, codec } = codecFor(manifest);
      const r = await codec.encode(stepAudio(FRAME * 30, 5), { frameRateHz: 3 });
      expect(r.fxc[17]).toBe(9);
      expect(Array.from(codec.parse(r.fxc).codes)).toEqual(Array.from(concat(backend.quantized)));
      const reduced = codecFor({ ...manifest, reducedCodeGroups: REDUCED }).codec;
      const seven = (await reduced.encode(stepAudio(FRAME * 30, 5), { frameRateHz: 3 })).fxc;
      expect(seven[17]).toBe(7);
      expect(() => codec.parse(seven)).toThrow('bad .fxc header: codeGroups is 7, model 0000c0de uses 9');
    }
  });
});

describe('range coding a file of fewer groups with the full model tables', () => {
  const layout9 = layoutFromManifest(RANGE);

  it('codes the first 7 groups with the first 28 channel rows: the payload of the 7-group tables', () => {
    const random = seededRandom(6);
    const lengths = [3, 1, 8, 2, 5, 1];
    const codes = Array.from({ length: lengths.length * 7 }, () => randomInt(random, 4096));
    const header = {
      modelId: RANGE.modelId,
      sampleCount: sum(lengths) * FRAME,
      sampleRateHz: 16000,
      targetRateHz: 6.25,
      codeGroups: 7,
      bitsPerCode: 12,
      lengthBits: 3,
    };
    const reduced = writeFxc(header, layout9, lengths, codes);
    const sevenTables = writeFxc(
      { ...header, modelId: TEST_LAYOUT_V2.modelId },
      TEST_LAYOUT_V2,
      lengths,
      codes,
    );
    expect(reduced.subarray(24, -4)).toEqual(sevenTables.subarray(24, -4));
    const file = parseFxc(reduced, layout9);
    expect(Array.from(file.codes)).toEqual(codes);
    expect(Array.from(file.lengths)).toEqual(lengths);
  });

  it('bounds a segment by the cheapest bits of its own groups', () => {
    const t9 = layout9.entropyTables!;
    expect(t9.minSegmentBitsByGroups).toHaveLength(10);
    expect(t9.minSegmentBitsByGroups[9]).toBe(t9.minSegmentBits);
    expect(t9.minSegmentBitsByGroups[7]).toBe(TEST_LAYOUT_V2.entropyTables!.minSegmentBits);
    expect(t9.minSegmentBitsByGroups[7]).toBeLessThan(t9.minSegmentBits);
  });

  it('versions 3 and 5: pitch levels and 7 or 9 groups round-trip under 36-channel tables', () => {
    const v3: FxcLayout = {
      ...layout9,
      entropyTables: parseEntropySection(PITCH_ENTROPY_9, RANGE),
      pitchLevels: 64,
    };
    const v5: FxcLayout = { ...v3, fxcVersion: 5 };
    for (const [layout, groups] of [
      [v3, 7],
      [v3, 9],
      [v5, 7],
      [v5, 9],
    ] as const) {
      const random = seededRandom(7 + groups);
      const lengths = [2, 8, 1, 4, 4, 7];
      const codes = Array.from({ length: lengths.length * groups }, () => randomInt(random, 4096));
      const pitch = randomPitch(groups, sum(lengths));
      const header = {
        modelId: RANGE.modelId,
        sampleCount: sum(lengths) * FRAME - 100,
        sampleRateHz: 16000,
        targetRateHz: groups === 9 ? 12.5 : 6, // 6 Hz: compact versions code a pitch level per frame from 5 Hz up
        codeGroups: groups,
        bitsPerCode: 12,
        lengthBits: 3,
      };
      const bytes = writeFxc(header, layout, lengths, codes, pitch);
      if (layout === v3) expect([bytes[3], bytes[17]]).toEqual([3, groups]);
      else {
        // version 5: magic, version, modelId, LEB128 sampleCount (33180: 3 bytes), rate, groups
        expect([bytes[3], bytes[13]]).toEqual([5, groups]);
        expect(readHeader(bytes).codeGroups).toBe(groups);
        // the same file in version 4's header would be one byte shorter; cut it there: refused
        const cut = withFixedCrc(Uint8Array.from([...bytes.subarray(0, 13), 0, 0, 0, 0]));
        expect(() => parseFxc(cut, layout)).toThrow(FxcFormatError);
      }
      const file = parseFxc(bytes, layout);
      expect(file.header.version).toBe(layout.fxcVersion ?? 3);
      expect(Array.from(file.codes)).toEqual(codes);
      expect(Array.from(file.pitch!)).toEqual(pitch);
    }
  });
});

describe('the decoder is fed all the model groups', () => {
  it('decoderFeeds gives codes [1, K, 9] and refuses a file row of 7', () => {
    const kept = Int32Array.from({ length: 2 * 7 }, (_, i) => i);
    const lengths = Uint32Array.from([2, 3]);
    const { feeds } = decoderFeeds(PACKED, widenCodes(kept, 7, G), lengths);
    expect(feeds.codes.dims).toEqual([1, 2, 9]);
    expect(Array.from(feeds.codes.data as Int32Array).slice(7, 9)).toEqual([-1, -1]);
    expect(() => decoderFeeds(PACKED, kept, lengths)).toThrow(
      /14 codes for 2 segments of the model's 9 code groups/,
    );
  });
});

describe('models.json reducedCodeGroups', () => {
  const shipped = JSON.parse(readFileSync('public/models/models.json', 'utf8')) as ModelConstants;
  const withReduced = (value: unknown) => ({ ...structuredClone(shipped), reducedCodeGroups: value });
  const groups = shipped.codeGroups;

  it('is optional, and kept where valid', () => {
    const without = structuredClone(shipped) as Partial<ModelConstants>;
    delete without.reducedCodeGroups;
    expect(parseManifest(without).reducedCodeGroups).toBeUndefined();
    const valid = { codeGroups: groups - 1, belowRateHz: 9 };
    expect(parseManifest(withReduced(valid)).reducedCodeGroups).toEqual(valid);
    expect(
      parseManifest(withReduced({ codeGroups: 1, belowRateHz: 12.5 })).reducedCodeGroups?.codeGroups,
    ).toBe(1);
  });

  it('names what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [7, /reducedCodeGroups must be an object/],
      [null, /reducedCodeGroups must be an object/],
      [
        { codeGroups: groups, belowRateHz: 9 },
        new RegExp(`codeGroups must be an integer from 1 to ${groups - 1}`),
      ],
      [{ codeGroups: groups + 2, belowRateHz: 9 }, /fewer than the model's codeGroups/],
      [{ codeGroups: 0, belowRateHz: 9 }, /reducedCodeGroups.codeGroups must be an integer/],
      [{ codeGroups: 2.5, belowRateHz: 9 }, /got 2.5/],
      [{ codeGroups: '2', belowRateHz: 9 }, /got "2"/],
      [{ belowRateHz: 9 }, /reducedCodeGroups.codeGroups must be/],
      [
        { codeGroups: 2, belowRateHz: 0 },
        /belowRateHz must be a rate above 0 and at most frameRateHz 12.5, got 0/,
      ],
      [{ codeGroups: 2, belowRateHz: 13 }, /got 13/],
      [{ codeGroups: 2, belowRateHz: '9' }, /belowRateHz must be/],
      [{ codeGroups: 2 }, /belowRateHz must be/],
      [{ codeGroups: 2, belowRateHz: 9, aboveRateHz: 3 }, /unknown key aboveRateHz/],
    ];
    for (const [value, message] of cases)
      expect(() => parseManifest(withReduced(value)), JSON.stringify(value)).toThrow(message);
  });

  it('cannot go with fxcVersion 4, whose header has no codeGroups: such a model writes version 5', () => {
    const v4 = {
      ...RANGE,
      entropy: PITCH_ENTROPY_9,
      pitch: PITCH_SECTION,
      fxcVersion: 4,
    } as ModelConstants;
    expect(() => layoutFromManifest(v4)).toThrow(
      /fxcVersion 4 headers carry no codeGroups.*must write version 5/,
    );
    const v5 = layoutFromManifest({ ...v4, fxcVersion: 5 });
    expect([v5.reducedCodeGroups, v5.fxcVersion]).toEqual([REDUCED, 5]);
    // version 5 keeps the rest of the compact layout
    expect(() => layoutFromManifest({ ...v4, fxcVersion: 5, lengthBits: 4 })).toThrow(
      /fxcVersion 5 files have lengthBits 3/,
    );
  });
});
