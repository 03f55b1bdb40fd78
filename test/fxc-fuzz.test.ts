/**
 * Fuzzing the .fxc parser: 10,000+ seeded inputs (mutated and truncated real files, headers
 * edited with a recomputed CRC so the deeper checks are reached, random byte strings). Each
 * must parse into a consistent file or throw FxcFormatError — nothing else, and allocations
 * stay bounded by the input size. Parsing happens before any model call, so the real decoder
 * runs only on a sample of the inputs that parse.
 */
import { describe, expect, it } from 'vitest';
import { parseFxc, writeFxc, type FxcFile, type FxcLayout } from '../src/core/bitstream.ts';
import { Codec } from '../src/core/codec.ts';
import { allowedCodeGroups, codeGroupsAtRate } from '../src/core/code-groups.ts';
import { crc32 } from '../src/core/crc32.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import type { ModelManifest } from '../src/core/manifest.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import type { InferenceBackend } from '../src/core/types.ts';
import { HAVE_MODELS, NO_MODELS_REASON, realCodec, speechSamples } from './helpers/models.ts';
import {
  TEST_LAYOUT,
  TEST_LAYOUT_V2,
  TEST_LAYOUT_V3,
  TEST_LAYOUT_V4,
  TEST_LAYOUT_V5,
} from './helpers/layout.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

/** Cases per run (the issue asks for at least 10,000). */
const FUZZ_CASES = 12_000;
/** Parsed fuzz cases sent through the real decoder. */
const DECODED_SAMPLE = 12;

const LAYOUT = TEST_LAYOUT;

function fixCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) {
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(
      bytes.length - 4,
      crc32(bytes.subarray(0, bytes.length - 4)),
      true,
    );
  }
  return bytes;
}

/** Valid files to mutate: random segmentations of short and longer audio (with a pitch level per frame where the layout has pitch). */
function seedFiles(layout: FxcLayout, random: () => number, rates = [6.25]): Uint8Array[] {
  const files: Uint8Array[] = [];
  for (const [i, seconds] of [0.05, 1, 3.3, 12, 40].entries()) {
    const sampleCount = Math.round(seconds * 16000);
    const frames = Math.ceil(sampleCount / 1280);
    const lengths: number[] = [];
    for (let left = frames; left > 0;) {
      const len = Math.min(left, 1 + randomInt(random, layout.maxSegmentFrames));
      lengths.push(len);
      left -= len;
    }
    const targetRateHz = rates[i % rates.length];
    const codeGroups = codeGroupsAtRate(layout, targetRateHz);
    const codes = lengths.flatMap(() =>
      Array.from({ length: codeGroups }, () => randomInt(random, 2 ** layout.bitsPerCode)),
    );
    const pitch = layout.pitchLevels
      ? Array.from({ length: frames }, () => (random() < 0.3 ? 0 : randomInt(random, layout.pitchLevels!)))
      : undefined;
    files.push(writeFxc({ ...layout, codeGroups, sampleCount, targetRateHz }, layout, lengths, codes, pitch));
  }
  return files;
}

/** One fuzz input, by one of several strategies picked at random. */
function mutate(bases: Uint8Array[], random: () => number): Uint8Array {
  const base = bases[randomInt(random, bases.length)];
  const strategy = randomInt(random, 8);
  switch (strategy) {
    case 0: {
      // Flip a few bits, CRC left stale.
      const b = base.slice();
      for (let i = 1 + randomInt(random, 8); i > 0; i--)
        b[randomInt(random, b.length)] ^= 1 << randomInt(random, 8);
      return b;
    }
    case 1: {
      // Flip bits in header or payload and recompute the CRC, to reach the field checks.
      const b = base.slice();
      for (let i = 1 + randomInt(random, 4); i > 0; i--)
        b[randomInt(random, b.length - 4)] ^= 1 << randomInt(random, 8);
      return fixCrc(b);
    }
    case 2:
      // Truncate anywhere (also with a fresh CRC over the remaining bytes).
      return random() < 0.5
        ? base.slice(0, randomInt(random, base.length))
        : fixCrc(base.slice(0, Math.max(0, randomInt(random, base.length))));
    case 3: {
      // Append bytes, with and without a matching CRC.
      const extra = Uint8Array.from({ length: 1 + randomInt(random, 40) }, () => randomInt(random, 256));
      const b = new Uint8Array([...base, ...extra]);
      return random() < 0.5 ? b : fixCrc(b);
    }
    case 4: {
      // Overwrite one header field with an extreme value, CRC fixed.
      const b = base.slice();
      const view = new DataView(b.buffer);
      const field = randomInt(random, 5);
      const extreme = [0, 1, 0xff, 0xffff, 0xffffffff, randomInt(random, 2 ** 32)][randomInt(random, 6)];
      if (field === 0)
        view.setUint32(8, extreme >>> 0, true); // sampleCount
      else if (field === 1)
        view.setUint16(15, extreme & 0xffff, true); // target rate
      else if (field === 2)
        b[17 + randomInt(random, 3)] = extreme & 0xff; // layout bytes
      else if (field === 3)
        view.setUint32(4, extreme >>> 0, true); // model id
      else b[12 + randomInt(random, 3)] = extreme & 0xff; // sample rate
      return fixCrc(b);
    }
    case 5: {
      // Random payload behind a valid header, CRC fixed.
      const b = base.slice();
      for (let i = 20; i < b.length - 4; i++) b[i] = randomInt(random, 256);
      return fixCrc(b);
    }
    case 6: {
      // Random bytes that start like a .fxc file, CRC fixed.
      const b = Uint8Array.from({ length: 24 + randomInt(random, 300) }, () => randomInt(random, 256));
      b.set(base.subarray(0, 4 + randomInt(random, 16)));
      return fixCrc(b);
    }
    default:
      // Pure noise of any length, including 0.
      return Uint8Array.from({ length: randomInt(random, 200) }, () => randomInt(random, 256));
  }
}

/** The invariants a successful parse guarantees; returns a description of the first violation. */
function violation(file: FxcFile, bytes: Uint8Array, layout: FxcLayout): string | null {
  let sum = 0;
  for (const len of file.lengths) {
    if (len < 1 || len > layout.maxSegmentFrames) return `segment length ${len}`;
    sum += len;
  }
  if (sum !== file.frames) return `lengths sum to ${sum}, frames ${file.frames}`;
  if (file.frames !== Math.ceil(file.header.sampleCount / layout.frameSamples))
    return 'frames do not match sampleCount';
  // The file's groups: the model's, or its reduced count (version 5), never another.
  const groups = file.header.codeGroups;
  if (!allowedCodeGroups(layout).includes(groups)) return `codeGroups ${groups}`;
  if (file.codes.length !== file.segments * groups) return 'code count';
  // Allocation bound: no more segments than the payload bits can hold (v2: at the cheapest a segment can be).
  const perSegment = layout.entropyTables
    ? layout.entropyTables.minSegmentBitsByGroups[groups]
    : layout.lengthBits + groups * layout.bitsPerCode;
  if (file.segments * perSegment > bytes.length * 8 + perSegment) return 'too many segments';
  for (const c of file.codes) if (!(c >= 0 && c < 2 ** layout.bitsPerCode)) return `code ${c}`;
  if ((file.pitch !== undefined) !== (layout.pitchLevels !== undefined))
    return 'pitch present for the wrong kind';
  const spans = Math.ceil(file.frames / (file.pitchStride ?? 1));
  if (file.pitch && file.pitch.length !== spans) return 'pitch count: not one per span';
  if (file.pitchStride === 2 && file.header.targetRateHz >= 5) return 'pitch spans at 5 Hz or above';
  for (const q of file.pitch ?? []) if (q >= layout.pitchLevels!) return `pitch level ${q}`;
  // The levels, one per span, are bounded by the payload too: each costs at least minPitchBits.
  const tables = layout.entropyTables;
  if (
    file.pitch &&
    tables &&
    spans * tables.minPitchBits + file.segments * tables.minSegmentBits > bytes.length * 8
  )
    return 'more pitch levels than the payload can hold';
  return null;
}

/** Runs the fuzz loop; returns the inputs that parsed. */
function fuzz(
  bases: Uint8Array[],
  layout: FxcLayout,
  seed: number,
): { parsed: Uint8Array[]; errors: Map<string, number> } {
  const random = seededRandom(seed);
  const parsed: Uint8Array[] = [];
  const errors = new Map<string, number>();
  for (let i = 0; i < FUZZ_CASES; i++) {
    const bytes = mutate(bases, random);
    let file: FxcFile | undefined;
    try {
      file = parseFxc(bytes, layout);
    } catch (err) {
      if (!(err instanceof FxcFormatError))
        throw new Error(`case ${i}: ${String(err)} is not an FxcFormatError`, { cause: err });
      const kind = err.message.replace(/[0-9a-f]{8}|\d+/g, 'N').slice(0, 50);
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
      continue;
    }
    const problem = violation(file, bytes, layout);
    if (problem) throw new Error(`case ${i}: parsed with ${problem}`);
    parsed.push(bytes);
  }
  return { parsed, errors };
}

/** A backend that must never be reached: decode must reject bad files before any model call. */
const untouchable: InferenceBackend = {
  name: 'cpu',
  encode: () => Promise.reject(new Error('encoder called')),
  quantize: () => Promise.reject(new Error('quantizer called')),
  decode: () => Promise.reject(new Error('decoder called before validation')),
  release: () => Promise.resolve(),
};

describe('.fxc fuzzing', () => {
  it(`parses or rejects ${FUZZ_CASES} seeded synthetic inputs with FxcFormatError only`, () => {
    const bases = seedFiles(LAYOUT, seededRandom(1));
    const { parsed, errors } = fuzz(bases, LAYOUT, 20240601);
    // The strategies must reach the deep checks, not only the CRC.
    const kinds = [...errors.keys()].join('\n');
    for (const needle of [
      'CRC-N mismatch',
      'not a .fxc file',
      'truncated .fxc payload',
      'sum past',
      'trailing',
      'made with model',
      'sampleCount',
    ]) {
      expect(kinds).toContain(needle);
    }
    expect(parsed.length).toBeGreaterThan(100);
  });

  // The range-coded versions, each from seed files of its own version; every kind of error must be
  // reached, not only the CRC, and some inputs must survive (fewer than in version 1: a changed
  // payload byte rarely re-encodes to itself; fewer again in version 4, whose shorter header puts
  // the version 3 offsets that the header edits hit inside the payload).
  const RANGE_CODED_ERRORS = [
    'CRC-N mismatch',
    'not a .fxc file',
    'truncated .fxc payload',
    'range-coded data is not',
    'trailing data after the range-c',
    'made with model',
    'sampleCount',
  ];
  for (const { name, layout, version, seed, rates, errors, survivors } of [
    {
      name: 'range-coded (version 2)',
      layout: TEST_LAYOUT_V2,
      version: 2,
      seed: 20260101,
      rates: [6.25],
      errors: ['entropy tables', 'holds pitch levels'],
      survivors: 30,
    },
    {
      name: 'version 3 (pitch)',
      layout: TEST_LAYOUT_V3,
      version: 3,
      seed: 20260301,
      rates: [6.25],
      errors: ['holds no pitch levels'],
      survivors: 30,
    },
    {
      name: 'version 4 (compact header, pitch spans)',
      layout: TEST_LAYOUT_V4,
      version: 4,
      seed: 20261201,
      rates: [6.25, 3, 4.5],
      errors: [],
      survivors: 10,
    },
    {
      name: 'version 5 (compact header with code groups: 9 at 12.5 Hz, 7 below 9 Hz)',
      layout: TEST_LAYOUT_V5,
      version: 5,
      seed: 20261207,
      rates: [12.5, 3, 6.25],
      errors: ['codeGroups is'],
      survivors: 10,
    },
  ]) {
    it(`parses or rejects ${FUZZ_CASES} seeded ${name} inputs with FxcFormatError only`, () => {
      const bases = seedFiles(layout, seededRandom(version), rates);
      expect(bases.every((b) => b[3] === version)).toBe(true);
      const { parsed, errors: seen } = fuzz(bases, layout, seed);
      const kinds = [...seen.keys()].join('\n');
      for (const needle of [...RANGE_CODED_ERRORS, ...errors]) expect(kinds).toContain(needle);
      expect(parsed.length).toBeGreaterThan(survivors);
    });
  }

  it('rejects bad files in Codec.decode before any model runs', async () => {
    const manifest = {
      ...LAYOUT,
      frameRateHz: 12.5,
      semanticDim: 4,
      acousticDim: 4,
    } as unknown as ModelManifest;
    const codec = new Codec(manifest, untouchable, new TwinMerger(4, 4, 8));
    const random = seededRandom(99);
    const bases = seedFiles(LAYOUT, random);
    let rejected = 0;
    for (let i = 0; i < 500; i++) {
      const bytes = mutate(bases, random);
      let ok = true;
      try {
        parseFxc(bytes, LAYOUT);
      } catch {
        ok = false;
      }
      if (ok) continue;
      await expect(codec.decode(bytes)).rejects.toBeInstanceOf(FxcFormatError);
      rejected++;
    }
    expect(rejected).toBeGreaterThan(300);
  });

  it.skipIf(!HAVE_MODELS)(
    'fuzzes real encoded speech and decodes a sample of the survivors with the real decoder',
    async () => {
      const codec = await realCodec();
      const speech = speechSamples();
      const bases: Uint8Array[] = [];
      for (const rate of [12.5, 6.25, 3]) bases.push((await codec.encode(speech, { frameRateHz: rate })).fxc);
      bases.push((await codec.encode(speech.subarray(0, 800), { frameRateHz: 6.25 })).fxc);
      const { parsed } = fuzz(bases, codec.layout, 777);
      // Survivors are the few mutations that keep a valid file (48 of 12,000 for model fd6b53bc's
      // files): enough that the sample below decodes distinct ones.
      expect(parsed.length).toBeGreaterThan(3 * DECODED_SAMPLE);
      const random = seededRandom(5);
      for (let i = 0; i < DECODED_SAMPLE; i++) {
        const bytes = parsed[randomInt(random, parsed.length)];
        const audio = await codec.decode(bytes);
        expect(audio.length).toBe(codec.readHeader(bytes).sampleCount);
        expect(audio.every(Number.isFinite)).toBe(true);
      }
    },
  );
  if (!HAVE_MODELS) it.skip(`real-model fuzz: ${NO_MODELS_REASON}`, () => {});
});
