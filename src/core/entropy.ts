/**
 * The frequency tables of the .fxc version 2 and 3 payloads: the "entropy" section of models.json,
 * measured on the training corpus by training/entropy/measure.py (docs/FORMAT.md, docs/MODELS.md).
 * Twin of training/entropy/tables.py.
 *
 * Contexts: a segment's length by the file's target rate (header), in rate buckets (at 12.5 Hz
 * every length is 1); FSQ digit c (group g, digit j of its code: c = 4g + j, weighted by 8^j) by
 * the same channel's digit in the previous segment (NO_PREVIOUS in the first segment) and this
 * segment's digit c − 1 (0 for c = 0). Measured on held-apart speech, these two contexts beat
 * per-channel marginals by 5–8 bits a segment; the target rate makes lengths nearly free at 12.5 Hz.
 * Version 3 adds the pitch level of each of a segment's frames (0 unvoiced, 1..63 quantised log F0,
 * one per 80 ms frame) by the previous frame's level: pitch moves slowly, so a level is mostly near
 * the one before.
 */
import { PITCH_LEVELS } from './pitch-code.ts';

/** Context value of "no previous segment" for a digit: the file's first segment. */
export const NO_PREVIOUS = 8;
/** Context row of "no previous frame" for a pitch level: the file's first frame. */
export const NO_PREVIOUS_LEVEL = PITCH_LEVELS;
/** The pitch table's context: each frame's level by the previous frame's. */
export const PITCH_CONTEXT = 'previous-frame-level';
/** Most bits a table's total may have: frequencies and their sums stay within 16 bits. */
export const MAX_TOTAL_BITS = 16;

/** The "entropy" section of models.json, as written by training/entropy/tables.py. */
export interface EntropySection {
  formatVersion: 1;
  /** 8 hex digits, written into every v2/v3 header: sha256 of the length, digit and pitch frequencies (u16 LE). */
  id: string;
  /** Each table row sums to 2^totalBits. */
  totalBits: number;
  lengths: {
    context: 'target-rate';
    /** Lower edge of each bucket in centi-Hz, increasing from 0. */
    rateBucketsCentiHz: number[];
    /** [buckets, maxSegmentFrames] */
    shape: number[];
    /** base64 of u16 little-endian frequencies, row-major. */
    freqs: string;
  };
  digits: {
    context: 'previous-segment-and-channel';
    /** [channels, NO_PREVIOUS + 1, levels, levels]: channel, previous segment's digit, digit c − 1, symbol. */
    shape: number[];
    freqs: string;
  };
  /** Present for models that code pitch (.fxc version 3). */
  pitch?: {
    context: typeof PITCH_CONTEXT;
    /** [NO_PREVIOUS_LEVEL + 1, PITCH_LEVELS]: previous frame's level, symbol. */
    shape: number[];
    freqs: string;
  };
  /** Provenance: split, utterances, segments, rates. */
  measured?: Record<string, unknown>;
}

/** Parsed tables, as the coder uses them: cumulative frequencies, one row of n + 1 per context. */
export interface EntropyTables {
  id: string;
  totalBits: number;
  rateBucketsCentiHz: number[];
  /** Symbols of a length row: maxSegmentFrames. */
  maxLength: number;
  /** FSQ levels per digit (8) and digits per code (4). */
  levels: number;
  digitsPerCode: number;
  /**
   * codeGroups · digitsPerCode of the full model; a file that carries fewer code groups
   * (models.json `reducedCodeGroups`) codes the first groups' channels with the first rows.
   */
  channels: number;
  /** [buckets][maxLength + 1] */
  lengthCum: Uint32Array;
  /** [channels][NO_PREVIOUS + 1][levels][levels + 1] */
  digitCum: Uint32Array;
  /** [NO_PREVIOUS_LEVEL + 1][PITCH_LEVELS + 1]; absent when the tables code no pitch. */
  pitchCum?: Uint32Array;
  /** Fewest bits any segment's length and digits can cost under these tables (for the parser's size checks). */
  minSegmentBits: number;
  /** [g]: the same for a segment of the first g code groups (g = 0 … codeGroups; [codeGroups] is minSegmentBits). */
  minSegmentBitsByGroups: number[];
  /** Fewest bits a frame's pitch level can cost (0 without a pitch table): a version 3 segment of L frames adds L of them. */
  minPitchBits: number;
}

/** What the tables must agree with: the model's layout. */
export interface EntropyLayout {
  maxSegmentFrames: number;
  codeGroups: number;
  bitsPerCode: number;
  fsqLevels: number[];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 → bytes; throws on anything else. */
function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Error('not base64');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length - pad; i++) {
    acc = ((acc << 6) | B64.indexOf(text[i])) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/** u16 LE frequencies → cumulative rows of `symbols` + 1 values; checks every row. */
function cumulativeRows(
  name: string,
  text: string,
  rows: number,
  symbols: number,
  total: number,
): Uint32Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch {
    throw new Error(`models.json: entropy.${name}.freqs is not base64`);
  }
  if (bytes.length !== rows * symbols * 2)
    throw new Error(
      `models.json: entropy.${name}.freqs holds ${bytes.length / 2} values, its shape ${rows * symbols}`,
    );
  const cum = new Uint32Array(rows * (symbols + 1));
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let s = 0; s < symbols; s++) {
      const i = 2 * (r * symbols + s);
      const f = bytes[i] | (bytes[i + 1] << 8);
      if (f < 1)
        throw new Error(
          `models.json: entropy.${name} row ${r} has a zero frequency; re-run training.entropy.measure`,
        );
      sum += f;
      cum[r * (symbols + 1) + s + 1] = sum;
    }
    if (sum !== total)
      throw new Error(`models.json: entropy.${name} row ${r} sums to ${sum}, not 2^totalBits = ${total}`);
  }
  return cum;
}

function sameShape(shape: unknown, expected: number[]): boolean {
  return Array.isArray(shape) && shape.length === expected.length && shape.every((v, i) => v === expected[i]);
}

/** Bits of a row's likeliest symbol, the least any symbol of that row costs. */
function cheapestBits(cum: Uint32Array, row: number, symbols: number, total: number): number {
  let most = 0;
  for (let s = 0; s < symbols; s++)
    most = Math.max(most, cum[row * (symbols + 1) + s + 1] - cum[row * (symbols + 1) + s]);
  return Math.log2(total / most);
}

/** Checks models.json's "entropy" section against the model's layout; throws an error naming the flaw. */
export function parseEntropySection(json: unknown, layout: EntropyLayout): EntropyTables {
  const e = json as EntropySection;
  if (typeof e !== 'object' || e === null || e.formatVersion !== 1)
    throw new Error('models.json: entropy.formatVersion must be 1');
  if (!/^[0-9a-f]{8}$/.test(e.id ?? '')) throw new Error('models.json: entropy.id must be 8 hex digits');
  if (!Number.isInteger(e.totalBits) || e.totalBits < 1 || e.totalBits > MAX_TOTAL_BITS)
    throw new Error(`models.json: entropy.totalBits must be 1..${MAX_TOTAL_BITS}`);
  if (e.lengths?.context !== 'target-rate' || e.digits?.context !== 'previous-segment-and-channel')
    throw new Error(
      'models.json: unknown entropy contexts; this decoder knows target-rate and previous-segment-and-channel',
    );
  const buckets = e.lengths.rateBucketsCentiHz;
  if (
    !Array.isArray(buckets) ||
    buckets[0] !== 0 ||
    !buckets.every((b, i) => Number.isInteger(b) && (i === 0 || b > buckets[i - 1]))
  )
    throw new Error('models.json: entropy.lengths.rateBucketsCentiHz must rise from 0');
  const levels = layout.fsqLevels[0];
  const digitsPerCode = layout.fsqLevels.length;
  if (!layout.fsqLevels.every((l) => l === levels) || levels ** digitsPerCode !== 2 ** layout.bitsPerCode)
    throw new Error('models.json: entropy coding needs fsqLevels of one size that make up bitsPerCode');
  const channels = layout.codeGroups * digitsPerCode;
  const maxLength = layout.maxSegmentFrames;
  if (!sameShape(e.lengths.shape, [buckets.length, maxLength]))
    throw new Error(`models.json: entropy.lengths.shape must be [${buckets.length}, ${maxLength}]`);
  const digitShape = [channels, NO_PREVIOUS + 1, levels, levels];
  if (levels !== NO_PREVIOUS || !sameShape(e.digits.shape, digitShape))
    throw new Error(`models.json: entropy.digits.shape must be [${digitShape.join(', ')}]`);
  const total = 2 ** e.totalBits;
  const lengthCum = cumulativeRows('lengths', e.lengths.freqs, buckets.length, maxLength, total);
  const digitRows = channels * (NO_PREVIOUS + 1) * levels;
  const digitCum = cumulativeRows('digits', e.digits.freqs, digitRows, levels, total);
  let minSegmentBits = Infinity;
  for (let b = 0; b < buckets.length; b++)
    minSegmentBits = Math.min(minSegmentBits, cheapestBits(lengthCum, b, maxLength, total));
  const minSegmentBitsByGroups = [minSegmentBits];
  const rowsPerChannel = (NO_PREVIOUS + 1) * levels;
  for (let c = 0; c < channels; c++) {
    let least = Infinity;
    for (let r = 0; r < rowsPerChannel; r++)
      least = Math.min(least, cheapestBits(digitCum, c * rowsPerChannel + r, levels, total));
    minSegmentBits += least;
    if ((c + 1) % digitsPerCode === 0) minSegmentBitsByGroups.push(minSegmentBits);
  }
  const pitchCum = e.pitch === undefined ? undefined : parsePitchTable(e.pitch, total);
  let minPitchBits = pitchCum ? Infinity : 0;
  for (let r = 0; pitchCum && r <= NO_PREVIOUS_LEVEL; r++)
    minPitchBits = Math.min(minPitchBits, cheapestBits(pitchCum, r, PITCH_LEVELS, total));
  return {
    id: e.id,
    totalBits: e.totalBits,
    rateBucketsCentiHz: buckets.slice(),
    maxLength,
    levels,
    digitsPerCode,
    channels,
    lengthCum,
    digitCum,
    ...(pitchCum ? { pitchCum } : {}),
    minSegmentBits,
    minSegmentBitsByGroups,
    minPitchBits,
  };
}

function parsePitchTable(p: NonNullable<EntropySection['pitch']>, total: number): Uint32Array {
  if (typeof p !== 'object' || p === null || p.context !== PITCH_CONTEXT)
    throw new Error(
      `models.json: unknown entropy.pitch context ${JSON.stringify((p as { context?: unknown } | null)?.context)}; ` +
        `this decoder knows ${PITCH_CONTEXT} (a level per 80 ms frame); re-run training.entropy.measure`,
    );
  if (!sameShape(p.shape, [NO_PREVIOUS_LEVEL + 1, PITCH_LEVELS]))
    throw new Error(`models.json: entropy.pitch.shape must be [${NO_PREVIOUS_LEVEL + 1}, ${PITCH_LEVELS}]`);
  return cumulativeRows('pitch', p.freqs, NO_PREVIOUS_LEVEL + 1, PITCH_LEVELS, total);
}

/** The length context of a file whose header states `centiHz`: the last bucket whose edge it reaches. */
export function rateBucket(tables: Pick<EntropyTables, 'rateBucketsCentiHz'>, centiHz: number): number {
  let b = 0;
  while (b + 1 < tables.rateBucketsCentiHz.length && centiHz >= tables.rateBucketsCentiHz[b + 1]) b++;
  return b;
}

/** Offset of the pitch row for the previous frame's level (NO_PREVIOUS_LEVEL for the file's first frame) in pitchCum. */
export function pitchRow(previousLevel: number): number {
  return previousLevel * (PITCH_LEVELS + 1);
}

/** Offset of digit channel c's row for (previous segment's digit, digit c − 1) in digitCum. */
export function digitRow(t: EntropyTables, c: number, previous: number, left: number): number {
  return ((c * (NO_PREVIOUS + 1) + previous) * t.levels + left) * (t.levels + 1);
}
