/**
 * The .fxc version 2, 3 and 4 payloads: each segment's length, in versions 3 and 4 the pitch levels
 * it completes (one per 80 ms frame, or in version 4 below 5 Hz one per two-frame span, coded in
 * the segment that holds the span's last frame), then its codes' FSQ digits, range-coded with the
 * model's tables (src/core/entropy.ts). Twin of
 * encode_segments / decode_segments in training/entropy/tables.py; test/range-coder.test.ts checks
 * both give the same bytes.
 */
import {
  digitRow,
  NO_PREVIOUS,
  NO_PREVIOUS_LEVEL,
  pitchRow,
  rateBucket,
  type EntropyTables,
} from './entropy.ts';
import { FxcFormatError } from './errors.ts';
import { PITCH_LEVELS, spanLevel } from './pitch-code.ts';
import { RANGE_DECODER_OVERREAD_BYTES, RangeDecoder, RangeEncoder } from './range-coder.ts';

/** How the pitch levels are spread over the frames: a level per `stride` frames of the file's `frames`. */
export interface PitchSpans {
  stride: 1 | 2;
  /** The file's frame count T: with stride 2 and T odd, the last span is one frame. */
  frames: number;
}

/** A level per frame: versions 3 and 4 at 5 Hz and above. */
const EVERY_FRAME: PitchSpans = { stride: 1, frames: Infinity };

/**
 * Codes segments one by one; the contexts (the previous pitch level too) carry over from one push
 * to the next.
 */
export class SegmentEncoder {
  private readonly coder = new RangeEncoder();
  private readonly previous: Uint8Array;
  private readonly lengthRow: number;
  /** Digit channels each segment codes: those of its code groups, the tables' first. */
  private readonly channels: number;
  private previousLevel = NO_PREVIOUS_LEVEL;
  /** Frames pushed so far: where the next segment starts. */
  private frame = 0;
  /** Stride 2: the level of the span's first frame, until its second arrives. */
  private heldLevel = 0;

  /**
   * With `codesPitch` every frame carries a pitch level (versions 3 and 4); the tables must have a
   * pitch table. With `spans.stride` 2 the levels of frame pairs are coded as one (version 4, below 5 Hz).
   * `codeGroups`: codes per segment, the tables' full count unless the file carries fewer.
   */
  constructor(
    private readonly tables: EntropyTables,
    targetRateCentiHz: number,
    private readonly codesPitch = false,
    private readonly spans: PitchSpans = EVERY_FRAME,
    codeGroups = tables.channels / tables.digitsPerCode,
  ) {
    if (codesPitch && !tables.pitchCum) throw new Error(`entropy tables ${tables.id} have no pitch table`);
    this.channels = codedChannels(tables, codeGroups);
    this.previous = new Uint8Array(tables.channels).fill(NO_PREVIOUS);
    this.lengthRow = rateBucket(tables, targetRateCentiHz) * (tables.maxLength + 1);
  }

  /**
   * One segment: its length (1..maxLength), its codeGroups codes at codes[offset …], and the pitch
   * levels of its frames (0..PITCH_LEVELS − 1), pitchLevels[pitchOffset … pitchOffset + length),
   * given exactly when the encoder codes pitch.
   */
  push(
    length: number,
    codes: ArrayLike<number>,
    offset: number,
    pitchLevels?: ArrayLike<number>,
    pitchOffset = 0,
  ): void {
    const t = this.tables;
    if (this.codesPitch !== (pitchLevels !== undefined))
      throw new Error(
        this.codesPitch ? 'a pitch level is needed for every frame' : 'this payload codes no pitch',
      );
    if (pitchLevels !== undefined) {
      if (pitchOffset + length > pitchLevels.length)
        throw new RangeError(
          `a segment of ${length} frames needs pitch levels up to ${pitchOffset + length}, got ${pitchLevels.length}: one per frame`,
        );
      for (let i = pitchOffset; i < pitchOffset + length; i++) {
        const q = pitchLevels[i];
        if (!(Number.isInteger(q) && q >= 0 && q < PITCH_LEVELS))
          throw new RangeError(`pitch level ${q} outside 0..${PITCH_LEVELS - 1}`);
      }
    }
    const cum = t.lengthCum;
    const s = this.lengthRow + length - 1;
    this.coder.encode(cum[s], cum[s + 1] - cum[s], t.totalBits);
    if (t.pitchCum && pitchLevels !== undefined) {
      // The spans that end in this segment, in order, each by the span before (in the previous
      // segment for the first); with stride 1 a span is a frame.
      const { stride, frames } = this.spans;
      for (let i = pitchOffset; i < pitchOffset + length; i++, this.frame++) {
        let q = pitchLevels[i];
        if (stride === 2 && this.frame % 2 === 0 && this.frame + 1 < frames) {
          this.heldLevel = q;
          continue;
        }
        if (stride === 2 && this.frame % 2 === 1) q = spanLevel(this.heldLevel, q);
        const row = pitchRow(this.previousLevel) + q;
        this.coder.encode(t.pitchCum[row], t.pitchCum[row + 1] - t.pitchCum[row], t.totalBits);
        this.previousLevel = q;
      }
    }
    let left = 0;
    for (let c = 0; c < this.channels; c++) {
      const j = c % t.digitsPerCode;
      const code = codes[offset + (c - j) / t.digitsPerCode];
      const d = Math.floor(code / t.levels ** j) % t.levels;
      const row = digitRow(t, c, this.previous[c], left) + d;
      this.coder.encode(t.digitCum[row], t.digitCum[row + 1] - t.digitCum[row], t.totalBits);
      this.previous[c] = d;
      left = d;
    }
  }

  /** The payload bytes; the encoder is spent. */
  finish(): Uint8Array {
    return this.coder.finish();
  }
}

/** Digit channels of `codeGroups` codes, the tables' first; throws unless the tables have 1 … that many groups. */
function codedChannels(tables: EntropyTables, codeGroups: number): number {
  const channels = codeGroups * tables.digitsPerCode;
  if (!Number.isInteger(codeGroups) || codeGroups < 1 || channels > tables.channels)
    throw new RangeError(
      `${codeGroups} code groups: entropy tables ${tables.id} code 1 to ${tables.channels / tables.digitsPerCode}`,
    );
  return channels;
}

/** What decoding a payload needs to know and where to put the segments. */
export interface PayloadTarget {
  /** Frames the lengths must sum to exactly. */
  frames: number;
  /** Most segments the arrays hold (sized from the payload, never from the header alone). */
  capacity: number;
  lengths: Uint32Array;
  /** [capacity, codeGroups]: the codeGroups decodeSegments is given. */
  codes: Int32Array;
  /**
   * [ceil(frames / stride)]: each span's pitch level (with stride 1 each frame's), given exactly
   * when the payload codes pitch (versions 3 and 4).
   */
  pitch?: Uint8Array;
}

/**
 * Decodes bytes [start, end) into `target`; returns the segment count. Throws FxcFormatError
 * where the bytes are no payload the encoder writes for these tables: a symbol outside the
 * tables, lengths past the frame count, more segments than `capacity`, a stream that ends early,
 * or bytes that are not exactly what the encoder writes for the decoded segments.
 */
export function decodeSegments(
  tables: EntropyTables,
  targetRateCentiHz: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  target: PayloadTarget,
  stride: 1 | 2 = 1,
  codeGroups = tables.channels / tables.digitsPerCode,
): number {
  const t = tables;
  const groups = codedChannels(t, codeGroups) / t.digitsPerCode;
  const decoder = new RangeDecoder(bytes, start, end);
  const previous = new Uint8Array(t.channels).fill(NO_PREVIOUS);
  const lengthRow = rateBucket(t, targetRateCentiHz) * (t.maxLength + 1);
  const pitch = target.pitch;
  if (pitch && !t.pitchCum) throw new Error(`entropy tables ${t.id} have no pitch table`);
  const spanCount = Math.ceil(target.frames / stride);
  if (pitch && pitch.length < spanCount)
    throw new RangeError(
      `pitch holds ${pitch.length} levels for the ${spanCount} spans of ${stride} frames in ${target.frames} frames`,
    );
  let previousLevel = NO_PREVIOUS_LEVEL;
  let covered = 0;
  let k = 0;
  while (covered < target.frames) {
    if (k >= target.capacity || decoder.overread > RANGE_DECODER_OVERREAD_BYTES) {
      throw new FxcFormatError(
        `truncated .fxc payload: segments cover ${covered} of ${target.frames} frames`,
      );
    }
    const length = decoder.decode(t.lengthCum, lengthRow, t.maxLength, t.totalBits) + 1;
    covered += length;
    if (covered > target.frames) {
      throw new FxcFormatError(
        `corrupt .fxc payload: segment lengths sum past the ${target.frames} frames of the audio`,
      );
    }
    target.lengths[k] = length;
    if (pitch && t.pitchCum) {
      // covered ≤ frames was checked above: the spans ending in this segment fit in pitch.
      for (let f = covered - length; f < covered; f++) {
        if (stride === 2 && f % 2 === 0 && f + 1 < target.frames) continue; // the span ends in f + 1
        previousLevel = decoder.decode(t.pitchCum, pitchRow(previousLevel), PITCH_LEVELS, t.totalBits);
        pitch[Math.floor(f / stride)] = previousLevel;
      }
    }
    let left = 0;
    for (let g = 0; g < groups; g++) {
      let code = 0;
      for (let j = 0; j < t.digitsPerCode; j++) {
        const c = g * t.digitsPerCode + j;
        const d = decoder.decode(t.digitCum, digitRow(t, c, previous[c], left), t.levels, t.totalBits);
        code += d * t.levels ** j;
        previous[c] = d;
        left = d;
      }
      target.codes[k * groups + g] = code;
    }
    k++;
  }
  if (decoder.overread !== RANGE_DECODER_OVERREAD_BYTES) {
    throw new FxcFormatError(
      decoder.overread > RANGE_DECODER_OVERREAD_BYTES
        ? 'truncated .fxc payload: the range-coded data ends early'
        : 'corrupt .fxc file: trailing data after the range-coded segments',
    );
  }
  // One file per content: the bytes must be exactly what the encoder writes for these segments
  // (a span's level given to both its frames codes that level again).
  const again = new SegmentEncoder(
    t,
    targetRateCentiHz,
    pitch !== undefined,
    { stride, frames: target.frames },
    groups,
  );
  let framePitch = pitch;
  if (pitch && stride === 2) {
    framePitch = new Uint8Array(target.frames);
    for (let j = 0; j < spanCount; j++) framePitch.fill(pitch[j], 2 * j, 2 * j + 2);
  }
  for (let i = 0, frame = 0; i < k; frame += target.lengths[i], i++)
    again.push(target.lengths[i], target.codes, i * groups, framePitch, frame);
  const canonical = again.finish();
  const n = end - start;
  let same = canonical.length === n;
  for (let i = 0; same && i < n; i++) same = canonical[i] === bytes[start + i];
  if (!same)
    throw new FxcFormatError('corrupt .fxc payload: the range-coded data is not what the encoder writes');
  return k;
}
