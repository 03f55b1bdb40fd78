/**
 * The .fxc container (docs/FORMAT.md): a little-endian header, the segments, and a CRC-32 of
 * everything before it. Version 1 bit-packs the segments (length - 1, then the codes) and pads
 * with zero bits; version 2, written when the model has entropy tables, adds the tables' id to
 * the header and range-codes the segments (src/core/entropy-payload.ts); version 3, written when
 * the model codes pitch, is version 2 with a range-coded pitch level for every 80 ms frame;
 * version 4, written by models whose models.json says `"fxcVersion": 4`, is version 3 with a
 * 11-to-14-byte header (the layout fields are the model family's, the tables are named by the
 * modelId) and, below 5 Hz, a pitch level per two frames; version 5, written by models whose
 * models.json says `"fxcVersion": 5`, is version 4 with one more header byte, the file's codeGroups:
 * a model with `reducedCodeGroups` writes fewer codes per segment at low rates
 * (src/core/code-groups.ts), which version 4's header, fixed at 7, cannot say. The parser validates every field before it allocates anything, so any
 * byte string gives either a parsed file or an FxcFormatError.
 */
import { BitReader, BitWriter } from './bitio.ts';
import { allowedCodeGroups, describeCodeGroups, type ReducedCodeGroups } from './code-groups.ts';
import { crc32 } from './crc32.ts';
import { parseEntropySection, type EntropyTables } from './entropy.ts';
import { decodeSegments, SegmentEncoder } from './entropy-payload.ts';
import { FxcFormatError } from './errors.ts';
import type { ModelConstants } from './manifest.ts';
import { pitchStride } from './pitch-code.ts';

/** "FXC" in ASCII, the first three bytes of every file. */
export const FXC_MAGIC = [0x46, 0x58, 0x43] as const;
/** The newest container version: compact header with the file's codeGroups; written when the loaded models.json says `"fxcVersion": 5`. */
export const FXC_VERSION = 5;
/** The compact header without codeGroups (FXC_COMPACT_LAYOUT's 7); written when models.json says `"fxcVersion": 4`; still read. */
export const FXC_COMPACT_VERSION = 4;
/** The range-coded version with a pitch level per frame and the full header; written by other models that code pitch; still read. */
export const FXC_PITCH_VERSION = 3;
/** The range-coded version without pitch, written for models with entropy tables and no pitch; still read. */
export const FXC_RANGE_VERSION = 2;
/** The bit-packed version, written for models without entropy tables; still read. */
export const FXC_PACKED_VERSION = 1;
/** Header bytes before the payload in version 1; versions 2 and 3 add FXC_ENTROPY_ID_BYTES. */
export const FXC_HEADER_BYTES = 20;
/** Version 4's header bytes besides the sampleCount's 1–4 LEB128 bytes: magic, version, modelId, target rate; version 5 adds one, codeGroups. */
export const FXC_COMPACT_FIXED_BYTES = 10;
/** The compact versions' versions: 4 and 5. */
export type CompactVersion = typeof FXC_COMPACT_VERSION | typeof FXC_VERSION;

/** Whether a file of this version has the compact header (versions 4 and 5). */
export function isCompactVersion(version: number): boolean {
  return version === FXC_COMPACT_VERSION || version === FXC_VERSION;
}
/**
 * The layout a version 4 file has without saying so: the pitch-coding FlexiCodec models'. A model
 * with another layout cannot declare `"fxcVersion": 4` (layoutFromManifest refuses it); version 5
 * files have it too, but for codeGroups, which their header states.
 */
export const FXC_COMPACT_LAYOUT = {
  sampleRateHz: 16000,
  frameSamples: 1280,
  maxSegmentFrames: 8,
  codeGroups: 7,
  bitsPerCode: 12,
  lengthBits: 3,
} as const;
/** LEB128 bytes that hold MAX_SAMPLE_COUNT (< 2^28). */
const MAX_LEB128_BYTES = 4;
/** Bytes of the entropy tables' id that follow the version 1 header fields in versions 2 and 3. */
export const FXC_ENTROPY_ID_BYTES = 4;
/** Bytes of the trailing CRC-32. */
export const FXC_CRC_BYTES = 4;
/** Longest audio a file may claim: 4 hours at 16 kHz, so a header cannot ask for a huge buffer. */
export const MAX_SAMPLE_COUNT = 4 * 3600 * 16000;
/** Highest target frame rate the header can state, in centi-Hz (12.5 Hz). */
export const MAX_TARGET_RATE_CENTI_HZ = 1250;

/** The fixed-size header fields. */
export interface FxcHeader {
  version: number;
  /** 8 lowercase hex digits, as in models.json. */
  modelId: string;
  /** Audio samples the decoder returns (before the padding to whole frames). */
  sampleCount: number;
  sampleRateHz: number;
  /** The frame rate the encoder was asked for, in Hz (0.01 Hz resolution). */
  targetRateHz: number;
  /** Codes per segment in this file: the model's codeGroups, or its reduced count (models.json `reducedCodeGroups`). */
  codeGroups: number;
  bitsPerCode: number;
  lengthBits: number;
  /** Versions 2 and 3: 8 hex digits naming the entropy tables the payload was coded with. */
  entropyId?: string;
}

/** What the parser checks a file against: the loaded model's constants. */
export interface FxcLayout {
  modelId: string;
  sampleRateHz: number;
  frameSamples: number;
  maxSegmentFrames: number;
  /** The model's codes per segment: what its quantizer gives and its decoder takes. */
  codeGroups: number;
  /** models.json `reducedCodeGroups`: a file may also carry this fewer count (below its rate). */
  reducedCodeGroups?: ReducedCodeGroups;
  bitsPerCode: number;
  lengthBits: number;
  /** The model's entropy tables: files are written as version 2 with them, version 1 without. */
  entropyTables?: EntropyTables;
  /** Pitch levels a frame may have (models.json pitch.levels) where the model codes pitch: files are version 3 or 4, and the tables need a pitch table. */
  pitchLevels?: number;
  /** 4 or 5 where models.json says so: files are that compact version (the model codes pitch, has tables and FXC_COMPACT_LAYOUT; in version 5 any codeGroups). */
  fxcVersion?: CompactVersion;
}

/** A parsed file: header, segment lengths [K] and codes [K, header.codeGroups]. */
export interface FxcFile {
  header: FxcHeader;
  /** Frames at 12.5 Hz: ceil(sampleCount / frameSamples) = sum of lengths. */
  frames: number;
  segments: number;
  lengths: Uint32Array;
  codes: Int32Array;
  /**
   * Versions 3 and 4: the pitch levels (0 unvoiced), one per span of `pitchStride` frames
   * [ceil(T / pitchStride)], T = frames = sum of lengths; pitchStrideTrack rebuilds the F0.
   */
  pitch?: Uint8Array;
  /** Frames per pitch level: 1, or 2 in a version 4 file below 5 Hz; present with `pitch`. */
  pitchStride?: 1 | 2;
  /** Whole file size in bytes, header and CRC included. */
  bytes: number;
}

/**
 * The layout fields of a models.json, with its entropy tables parsed where it has them; a model
 * that codes pitch must have tables with a pitch table (version 3 is range-coded only).
 */
export function layoutFromManifest(m: ModelConstants): FxcLayout {
  const entropyTables = m.entropy ? parseEntropySection(m.entropy, m) : undefined;
  if (m.pitch && !entropyTables?.pitchCum)
    throw new Error(
      `models.json: model ${m.modelId} codes pitch, so its "entropy" section needs a pitch table; re-run training.entropy.measure`,
    );
  if (m.fxcVersion !== undefined) checkCompactLayout(m);
  return {
    ...(entropyTables ? { entropyTables } : {}),
    ...(m.pitch ? { pitchLevels: m.pitch.levels } : {}),
    ...(m.fxcVersion !== undefined ? { fxcVersion: m.fxcVersion } : {}),
    ...(m.reducedCodeGroups ? { reducedCodeGroups: m.reducedCodeGroups } : {}),
    modelId: m.modelId,
    sampleRateHz: m.sampleRateHz,
    frameSamples: m.frameSamples,
    maxSegmentFrames: m.maxSegmentFrames,
    codeGroups: m.codeGroups,
    bitsPerCode: m.bitsPerCode,
    lengthBits: m.lengthBits,
  };
}

/** Throws unless a models.json that asks for version 4 or 5 files can write them. */
function checkCompactLayout(m: ModelConstants): void {
  const v = m.fxcVersion;
  if (!m.pitch || !m.entropy)
    throw new Error(
      `models.json: fxcVersion ${v} needs a model that codes pitch and has entropy tables; model ${m.modelId} has not`,
    );
  if (v === FXC_COMPACT_VERSION && m.reducedCodeGroups)
    throw new Error(
      `models.json: fxcVersion 4 headers carry no codeGroups, so model ${m.modelId}, whose files carry ` +
        `${describeCodeGroups(m)} code groups (reducedCodeGroups), must write version 5: "fxcVersion": 5`,
    );
  for (const [key, value] of Object.entries(FXC_COMPACT_LAYOUT)) {
    if (key === 'codeGroups' && v === FXC_VERSION) continue; // version 5 states it
    if (m[key as keyof typeof FXC_COMPACT_LAYOUT] !== value)
      throw new Error(
        `models.json: fxcVersion ${v} files have ${key} ${value}, model ${m.modelId} has ${String(m[key as keyof typeof FXC_COMPACT_LAYOUT])}`,
      );
  }
}

/** Frames that cover `sampleCount` samples (the last one zero-padded). */
export function framesForSamples(sampleCount: number, frameSamples: number): number {
  return Math.ceil(sampleCount / frameSamples);
}

/** Bits per segment in the payload. */
export function segmentBits(layout: Pick<FxcLayout, 'lengthBits' | 'codeGroups' | 'bitsPerCode'>): number {
  return layout.lengthBits + layout.codeGroups * layout.bitsPerCode;
}

/** Header bytes of a file of `version` (1 … 5) holding `sampleCount` samples (the compact headers grow with it). */
export function fxcHeaderBytes(version: number, sampleCount = 1): number {
  if (version === FXC_COMPACT_VERSION) return FXC_COMPACT_FIXED_BYTES + leb128Bytes(sampleCount);
  if (version === FXC_VERSION) return FXC_COMPACT_FIXED_BYTES + 1 + leb128Bytes(sampleCount);
  return version === FXC_PACKED_VERSION ? FXC_HEADER_BYTES : FXC_HEADER_BYTES + FXC_ENTROPY_ID_BYTES;
}

/** Bytes of `value` (≥ 0) as unsigned LEB128: 7 bits a byte. */
function leb128Bytes(value: number): number {
  let n = 1;
  while (value >= 2 ** (7 * n)) n++;
  return n;
}

/**
 * Exact size in bytes of a version 1 file of K segments (header, payload, padding and CRC);
 * a version 2 file is smaller by what its content compresses, so this bounds it from above within
 * a few bytes (version 3 adds each frame's pitch level, a few bits, to version 2).
 */
export function fxcFileBytes(
  segments: number,
  layout: Pick<FxcLayout, 'lengthBits' | 'codeGroups' | 'bitsPerCode'>,
): number {
  return FXC_HEADER_BYTES + Math.ceil((segments * segmentBits(layout)) / 8) + FXC_CRC_BYTES;
}

/** Whole-file bitrate: every byte of the file over the audio's duration. */
export function fileBitrateBps(fileBytes: number, sampleCount: number, sampleRateHz: number): number {
  return (fileBytes * 8 * sampleRateHz) / sampleCount;
}

function modelIdToU32(modelId: string): number {
  if (!/^[0-9a-f]{8}$/.test(modelId)) throw new RangeError(`modelId must be 8 hex digits, got "${modelId}"`);
  return parseInt(modelId, 16);
}

function u32ToModelId(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/**
 * Builds a .fxc file segment by segment (version 3 where the layout has pitch, 2 where it has
 * entropy tables, else 1); the whole file is small (a few kB a minute).
 */
export class FxcWriter {
  private readonly bits = new BitWriter();
  /** Versions 2 and 3's range coder; absent in version 1, which bit-packs into `bits`. */
  private readonly coder?: SegmentEncoder;
  private readonly totalFrames: number;
  /** Codes per segment in this file: the header's codeGroups. */
  private readonly groups: number;
  private framesWritten = 0;
  private segmentCount = 0;

  constructor(
    private readonly header: Omit<FxcHeader, 'version'>,
    private readonly layout: FxcLayout,
  ) {
    if (header.modelId !== layout.modelId) throw new RangeError('header modelId differs from the layout');
    if (
      !Number.isInteger(header.sampleCount) ||
      header.sampleCount < 1 ||
      header.sampleCount > MAX_SAMPLE_COUNT
    ) {
      throw new RangeError(`sampleCount ${header.sampleCount} outside 1..${MAX_SAMPLE_COUNT}`);
    }
    const centiHz = Math.round(header.targetRateHz * 100);
    if (centiHz < 1 || centiHz > MAX_TARGET_RATE_CENTI_HZ) {
      throw new RangeError(`target rate ${header.targetRateHz} Hz outside 0.01..12.5`);
    }
    this.totalFrames = framesForSamples(header.sampleCount, layout.frameSamples);
    if (!allowedCodeGroups(layout).includes(header.codeGroups))
      throw new RangeError(
        `header codeGroups ${header.codeGroups}: model ${layout.modelId} writes ${describeCodeGroups(layout)}`,
      );
    this.groups = header.codeGroups;
    if (layout.pitchLevels !== undefined && !layout.entropyTables?.pitchCum)
      throw new Error(`model ${layout.modelId} codes pitch, but its entropy tables have no pitch table`);
    const version = fxcVersion(layout);
    const head = new Uint8Array(fxcHeaderBytes(version, header.sampleCount));
    const view = new DataView(head.buffer);
    head.set(FXC_MAGIC, 0);
    view.setUint8(3, version);
    view.setUint32(4, modelIdToU32(header.modelId), true);
    if (isCompactVersion(version)) {
      const end = writeLeb128(head, 8, header.sampleCount);
      view.setUint16(end, centiHz, true);
      if (version === FXC_VERSION) view.setUint8(end + 2, header.codeGroups);
    } else {
      view.setUint32(8, header.sampleCount, true);
      view.setUint16(12, header.sampleRateHz & 0xffff, true);
      view.setUint8(14, header.sampleRateHz >>> 16);
      view.setUint16(15, centiHz, true);
      view.setUint8(17, header.codeGroups);
      view.setUint8(18, header.bitsPerCode);
      view.setUint8(19, header.lengthBits);
    }
    if (layout.entropyTables) {
      // Versions 2 and 3 name the tables; a version 4 or 5 model's id names them.
      if (!isCompactVersion(version))
        view.setUint32(FXC_HEADER_BYTES, modelIdToU32(layout.entropyTables.id), true);
      const withPitch = version >= FXC_PITCH_VERSION;
      const stride = isCompactVersion(version) ? pitchStride(centiHz) : 1;
      this.coder = new SegmentEncoder(
        layout.entropyTables,
        centiHz,
        withPitch,
        { stride, frames: this.totalFrames },
        this.groups,
      );
    }
    this.bits.writeBytes(head);
  }

  /**
   * Appends segments: lengths [k], codes [k, header.codeGroups] and, exactly when the layout has pitch
   * (versions 3 and 4), the pitch level of each of their frames [sum(lengths)] (0..pitchLevels − 1),
   * in order; a version 4 file below 5 Hz codes a level per two frames made from theirs (spanLevel).
   */
  push(lengths: ArrayLike<number>, codes: ArrayLike<number>, pitch?: ArrayLike<number>): void {
    const { bitsPerCode, lengthBits, maxSegmentFrames, pitchLevels } = this.layout;
    const codeGroups = this.groups;
    if (codes.length !== lengths.length * codeGroups)
      throw new RangeError(`codes must be [segments, ${codeGroups}]: the header's codeGroups per segment`);
    if (pitchLevels !== undefined && pitch === undefined)
      throw new Error(`model ${this.layout.modelId} codes pitch: push needs a pitch level per frame`);
    if (pitchLevels === undefined && pitch !== undefined)
      throw new Error(`model ${this.layout.modelId} codes no pitch: push got pitch levels`);
    let frames = 0;
    for (let k = 0; k < lengths.length; k++) {
      const len = lengths[k];
      if (!Number.isInteger(len) || len < 1 || len > maxSegmentFrames)
        throw new RangeError(`segment length ${len}`);
      frames += len;
    }
    if (pitch && pitch.length !== frames)
      throw new RangeError(
        `pitch must be [frames]: ${pitch.length} levels for the ${frames} frames of these segments, one per frame`,
      );
    const levels = pitchLevels ?? 0;
    for (let i = 0; pitch && i < pitch.length; i++)
      if (!(Number.isInteger(pitch[i]) && pitch[i] >= 0 && pitch[i] < levels))
        throw new RangeError(`pitch level ${pitch[i]} of frame ${i} outside 0..${levels - 1}`);
    for (let k = 0, frame = 0; k < lengths.length; frame += lengths[k], k++) {
      const len = lengths[k];
      for (let g = 0; g < codeGroups; g++) {
        const code = codes[k * codeGroups + g];
        if (!Number.isInteger(code) || code < 0 || code >= 2 ** bitsPerCode)
          throw new RangeError(`code ${code} does not fit in ${bitsPerCode} bits`);
      }
      if (this.coder) {
        this.coder.push(len, codes, k * codeGroups, pitch, frame);
      } else {
        this.bits.write(len - 1, lengthBits);
        for (let g = 0; g < codeGroups; g++) this.bits.write(codes[k * codeGroups + g], bitsPerCode);
      }
      this.framesWritten += len;
    }
    this.segmentCount += lengths.length;
    if (this.framesWritten > this.totalFrames)
      throw new RangeError('segment lengths exceed the audio length');
  }

  /** Pads, appends the CRC and returns the file; the lengths must sum to the frame count. */
  finish(): Uint8Array {
    if (this.framesWritten !== this.totalFrames) {
      throw new RangeError(
        `segments cover ${this.framesWritten} frames, the audio needs ${this.totalFrames}`,
      );
    }
    if (this.coder) this.bits.writeBytes(this.coder.finish());
    else this.bits.alignToByte();
    const body = this.bits.toBytes();
    const out = new Uint8Array(body.length + FXC_CRC_BYTES);
    out.set(body);
    new DataView(out.buffer).setUint32(body.length, crc32(body), true);
    return out;
  }

  /** Segments pushed so far. */
  get segments(): number {
    return this.segmentCount;
  }
}

/** The version a file for this layout is written as: 4 or 5 when asked, 3 with pitch, 2 with entropy tables, else 1. */
export function fxcVersion(layout: Pick<FxcLayout, 'entropyTables' | 'pitchLevels' | 'fxcVersion'>): number {
  if (layout.fxcVersion !== undefined) return layout.fxcVersion;
  if (layout.pitchLevels !== undefined) return FXC_PITCH_VERSION;
  return layout.entropyTables ? FXC_RANGE_VERSION : FXC_PACKED_VERSION;
}

/** Writes a whole file in one call; `pitch` [T], a level per frame, exactly when the layout has pitch. */
export function writeFxc(
  header: Omit<FxcHeader, 'version'>,
  layout: FxcLayout,
  lengths: ArrayLike<number>,
  codes: ArrayLike<number>,
  pitch?: ArrayLike<number>,
): Uint8Array {
  const writer = new FxcWriter(header, layout);
  writer.push(lengths, codes, pitch);
  return writer.finish();
}

/** Writes `value` as unsigned LEB128 at bytes[at …]; returns the index after it. */
function writeLeb128(bytes: Uint8Array, at: number, value: number): number {
  for (;;) {
    const low = value % 128;
    value = Math.floor(value / 128);
    bytes[at++] = low | (value > 0 ? 0x80 : 0);
    if (value === 0) return at;
  }
}

/** Reads version 4's LEB128 sampleCount at bytes[at …] (before the CRC at `end`): [value, index after]. */
function readLeb128(bytes: Uint8Array, at: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < MAX_LEB128_BYTES; i++) {
    if (at + i >= end) throw new FxcFormatError('truncated .fxc header: the sample count is cut off');
    const byte = bytes[at + i];
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) {
      // One spelling per value: a last byte of 0 would be a longer spelling of a shorter one.
      if (byte === 0 && i > 0)
        throw new FxcFormatError('bad .fxc header: the sample count is not minimally coded');
      return [value, at + i + 1];
    }
  }
  throw new FxcFormatError(`bad .fxc header: the sample count runs past ${MAX_LEB128_BYTES} bytes`);
}

/** The header and where the payload starts; checks magic, version, CRC and field ranges. */
function parseHeader(bytes: Uint8Array): { header: FxcHeader; payloadStart: number } {
  if (!(bytes instanceof Uint8Array)) throw new FxcFormatError('not a byte array');
  const smallest = FXC_COMPACT_FIXED_BYTES + 1 + FXC_CRC_BYTES;
  if (bytes.length < smallest) {
    throw new FxcFormatError(
      `not a .fxc file: ${bytes.length} bytes, shorter than the ${smallest}-byte minimum`,
    );
  }
  if (bytes[0] !== FXC_MAGIC[0] || bytes[1] !== FXC_MAGIC[1] || bytes[2] !== FXC_MAGIC[2]) {
    throw new FxcFormatError('not a .fxc file: the first bytes are not "FXC"');
  }
  const version = bytes[3];
  if (version < FXC_PACKED_VERSION || version > FXC_VERSION) {
    throw new FxcFormatError(
      `unsupported .fxc version ${version}; this decoder reads versions ${FXC_PACKED_VERSION} to ${FXC_VERSION}` +
        (version > FXC_VERSION ? ': the file was made by a newer FlexiCodec, update this one' : ''),
    );
  }
  // fxcHeaderBytes of a compact version counts a 1-byte sampleCount, its shortest
  const minimum = fxcHeaderBytes(version) + FXC_CRC_BYTES;
  if (bytes.length < minimum) {
    throw new FxcFormatError(
      `not a .fxc file: ${bytes.length} bytes, shorter than the ${minimum}-byte minimum of version ${version}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyBytes = bytes.length - FXC_CRC_BYTES;
  const stored = view.getUint32(bodyBytes, true);
  const actual = crc32(bytes.subarray(0, bodyBytes));
  if (stored !== actual) {
    throw new FxcFormatError(
      `corrupt .fxc file: CRC-32 mismatch (stored ${u32ToModelId(stored)}, computed ${u32ToModelId(actual)})`,
    );
  }
  const modelId = u32ToModelId(view.getUint32(4, true));
  let header: FxcHeader;
  let payloadStart: number;
  if (isCompactVersion(version)) {
    const [sampleCount, at] = readLeb128(bytes, 8, bodyBytes);
    if (at + 2 > bodyBytes) throw new FxcFormatError('truncated .fxc header: the target rate is cut off');
    const { sampleRateHz, bitsPerCode, lengthBits } = FXC_COMPACT_LAYOUT;
    const targetRateHz = view.getUint16(at, true) / 100;
    const fixedGroups = version === FXC_COMPACT_VERSION;
    if (!fixedGroups && at + 3 > bodyBytes)
      throw new FxcFormatError('truncated .fxc header: the code group count is cut off');
    const codeGroups = fixedGroups ? FXC_COMPACT_LAYOUT.codeGroups : bytes[at + 2];
    header = {
      version,
      modelId,
      sampleCount,
      sampleRateHz,
      targetRateHz,
      codeGroups,
      bitsPerCode,
      lengthBits,
    };
    payloadStart = at + (fixedGroups ? 2 : 3);
  } else {
    header = {
      version,
      modelId,
      sampleCount: view.getUint32(8, true),
      sampleRateHz: view.getUint16(12, true) + view.getUint8(14) * 65536,
      targetRateHz: view.getUint16(15, true) / 100,
      codeGroups: view.getUint8(17),
      bitsPerCode: view.getUint8(18),
      lengthBits: view.getUint8(19),
      ...(version !== FXC_PACKED_VERSION
        ? { entropyId: u32ToModelId(view.getUint32(FXC_HEADER_BYTES, true)) }
        : {}),
    };
    payloadStart = fxcHeaderBytes(version);
  }
  if (header.sampleCount < 1 || header.sampleCount > MAX_SAMPLE_COUNT) {
    throw new FxcFormatError(
      `bad .fxc header: sampleCount ${header.sampleCount} outside 1..${MAX_SAMPLE_COUNT}`,
    );
  }
  const centiHz = Math.round(header.targetRateHz * 100);
  if (centiHz < 1 || centiHz > MAX_TARGET_RATE_CENTI_HZ) {
    throw new FxcFormatError(`bad .fxc header: target rate ${header.targetRateHz} Hz outside 0.01..12.5`);
  }
  if (header.codeGroups < 1 || header.bitsPerCode < 1 || header.bitsPerCode > 31 || header.lengthBits < 1) {
    throw new FxcFormatError('bad .fxc header: code layout fields out of range');
  }
  return { header, payloadStart };
}

/**
 * Reads and checks the header, magic, version and CRC; needs no model (a version 4 header's
 * layout fields are FXC_COMPACT_LAYOUT's). Throws FxcFormatError.
 */
export function readHeader(bytes: Uint8Array): FxcHeader {
  return parseHeader(bytes).header;
}

/** Checks the header against the loaded model; says which model a file needs. */
function checkHeaderAgainstLayout(header: FxcHeader, layout: FxcLayout): void {
  if (header.modelId !== layout.modelId) {
    throw new FxcFormatError(
      `this .fxc file was made with model ${header.modelId}, but model ${layout.modelId} is loaded; ` +
        `decode it with the models whose models.json has "modelId": "${header.modelId}"`,
    );
  }
  // Same modelId, other kind: a model that codes pitch reads only versions 3 and 4, one without only 1 and 2.
  const filePitch = header.version >= FXC_PITCH_VERSION;
  if (filePitch !== (layout.pitchLevels !== undefined)) {
    throw new FxcFormatError(
      filePitch
        ? `this .fxc file (version ${header.version}) holds pitch levels, but the loaded model ${layout.modelId} codes no pitch; ` +
            `decode it with the models whose models.json has "modelId": "${header.modelId}" and a "pitch" section`
        : `this .fxc file (version ${header.version}) holds no pitch levels, but the loaded model ${layout.modelId} codes pitch; ` +
            `decode it with the models whose models.json has "modelId": "${header.modelId}" and no "pitch" section`,
    );
  }
  const fields = ['sampleRateHz', 'codeGroups', 'bitsPerCode', 'lengthBits'] as const;
  for (const f of fields) {
    // codeGroups: the model's, or its reduced count where it has one (reducedCodeGroups).
    const codeGroups = f === 'codeGroups';
    if (codeGroups ? !allowedCodeGroups(layout).includes(header[f]) : header[f] !== layout[f]) {
      throw new FxcFormatError(
        `bad .fxc header: ${f} is ${header[f]}, model ${layout.modelId} uses ${codeGroups ? describeCodeGroups(layout) : layout[f]}`,
      );
    }
  }
  if (header.entropyId !== undefined && header.entropyId !== layout.entropyTables?.id) {
    throw new FxcFormatError(
      `this .fxc file was range-coded with entropy tables ${header.entropyId} of model ${header.modelId}, but the ` +
        `loaded model ${layout.modelId} has ${layout.entropyTables ? `tables ${layout.entropyTables.id}` : 'no entropy tables'}; ` +
        `decode it with the models whose models.json has "modelId": "${header.modelId}" and "entropy": { "id": "${header.entropyId}" }`,
    );
  }
}

/** Parses and validates a whole file for the loaded model; throws FxcFormatError on any flaw. */
export function parseFxc(bytes: Uint8Array, modelLayout: FxcLayout): FxcFile {
  const { header, payloadStart } = parseHeader(bytes);
  checkHeaderAgainstLayout(header, modelLayout);
  // The file's segments carry the header's codeGroups: all the model's, or its reduced count.
  const layout = { ...modelLayout, codeGroups: header.codeGroups };
  const frames = framesForSamples(header.sampleCount, layout.frameSamples);
  if (layout.entropyTables && header.version !== FXC_PACKED_VERSION)
    return parseRangeCoded(bytes, header, payloadStart, frames, layout.entropyTables, layout);
  const perSegment = segmentBits(layout);
  const payloadBits = (bytes.length - FXC_HEADER_BYTES - FXC_CRC_BYTES) * 8;
  // Each segment covers at most maxSegmentFrames frames, so the payload must hold at least this many.
  const minSegments = Math.ceil(frames / layout.maxSegmentFrames);
  if (payloadBits < minSegments * perSegment) {
    throw new FxcFormatError(
      `truncated .fxc payload: ${payloadBits} bits cannot hold the ${minSegments} segments ` +
        `that ${frames} frames need at least`,
    );
  }
  // Allocation is bounded by what the payload can actually hold (and by T), never by a header claim.
  const capacity = Math.min(frames, Math.floor(payloadBits / perSegment));
  const lengths = new Uint32Array(capacity);
  const codes = new Int32Array(capacity * layout.codeGroups);
  const reader = new BitReader(bytes, FXC_HEADER_BYTES * 8, FXC_HEADER_BYTES * 8 + payloadBits);
  let covered = 0;
  let k = 0;
  while (covered < frames) {
    if (k >= capacity) {
      throw new FxcFormatError(`truncated .fxc payload: segments cover ${covered} of ${frames} frames`);
    }
    const len = reader.read(layout.lengthBits) + 1;
    if (len > layout.maxSegmentFrames) {
      throw new FxcFormatError(
        `corrupt .fxc payload: segment ${k} has length ${len} > ${layout.maxSegmentFrames}`,
      );
    }
    covered += len;
    if (covered > frames) {
      throw new FxcFormatError(
        `corrupt .fxc payload: segment lengths sum past the ${frames} frames of the audio`,
      );
    }
    lengths[k] = len;
    for (let g = 0; g < layout.codeGroups; g++)
      codes[k * layout.codeGroups + g] = reader.read(layout.bitsPerCode);
    k++;
  }
  if (reader.remaining >= 8) {
    throw new FxcFormatError(`corrupt .fxc file: ${Math.floor(reader.remaining / 8)} bytes of trailing data`);
  }
  if (reader.remaining > 0 && reader.read(reader.remaining) !== 0) {
    throw new FxcFormatError('corrupt .fxc file: padding bits are not zero');
  }
  return {
    header,
    frames,
    segments: k,
    lengths: lengths.slice(0, k),
    codes: codes.slice(0, k * layout.codeGroups),
    bytes: bytes.length,
  };
}

/** Versions 2, 3 and 4: the range-coded payload between the header and the CRC. */
function parseRangeCoded(
  bytes: Uint8Array,
  header: FxcHeader,
  start: number,
  frames: number,
  tables: EntropyTables,
  layout: FxcLayout,
): FxcFile {
  const end = bytes.length - FXC_CRC_BYTES;
  const payloadBits = (end - start) * 8;
  const withPitch = header.version >= FXC_PITCH_VERSION;
  const centiHz = Math.round(header.targetRateHz * 100);
  const stride = isCompactVersion(header.version) ? pitchStride(centiHz) : 1;
  const spans = Math.ceil(frames / stride);
  if (withPitch && !tables.pitchCum)
    throw new Error(`model ${layout.modelId} codes pitch, but its entropy tables have no pitch table`);
  // A payload of n bytes codes symbols worth at most 8n bits (range-coder.ts), no segment's length
  // and digits cost less than minSegmentBits (of the file's code groups), and in versions 3 and 4 no
  // span's pitch level less than minPitchBits: the fewest segments that can cover the frames, and a
  // level for every span, must fit.
  const segmentFloor = tables.minSegmentBitsByGroups[layout.codeGroups];
  const pitchBits = withPitch ? tables.minPitchBits : 0;
  const minSegments = Math.ceil(frames / layout.maxSegmentFrames);
  if (payloadBits < minSegments * segmentFloor + spans * pitchBits) {
    throw new FxcFormatError(
      `truncated .fxc payload: ${payloadBits} bits cannot hold the ${minSegments} segments ` +
        `that ${frames} frames need at least` +
        (withPitch
          ? `, and a pitch level for each ${stride === 2 ? `of ${spans} two-frame spans` : 'frame'}`
          : ''),
    );
  }
  // Allocation is bounded by what the payload can hold (and by T), never by a header claim alone:
  // a segment costs at least segmentFloor (the pitch levels are not counted per segment: a
  // segment of one even frame at stride 2 completes no span); the levels, one per span, are at
  // most T, which the check above bounds by the payload (T ≤ 8 · payloadBits / segmentFloor).
  const capacity = Math.min(frames, Math.floor(payloadBits / segmentFloor) + 1);
  const target = {
    frames,
    capacity,
    lengths: new Uint32Array(capacity),
    codes: new Int32Array(capacity * layout.codeGroups),
    ...(withPitch ? { pitch: new Uint8Array(spans) } : {}),
  };
  const k = decodeSegments(tables, centiHz, bytes, start, end, target, stride, layout.codeGroups);
  return {
    header,
    frames,
    segments: k,
    lengths: target.lengths.slice(0, k),
    codes: target.codes.slice(0, k * layout.codeGroups),
    ...(target.pitch ? { pitch: target.pitch, pitchStride: stride } : {}),
    bytes: bytes.length,
  };
}
