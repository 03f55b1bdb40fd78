/**
 * A 32-bit range coder with carry propagation for static frequency tables; the Python twin is
 * training/entropy/rangecoder.py, and test/range-coder.test.ts checks both give the same bytes.
 *
 * Encoder state: low (33 bits while a carry is pending), range (32 bits, kept ≥ 2^24 by shifting
 * a byte out), the last byte not yet written (cache) and how many 0xFF bytes follow it, which a
 * carry may still turn into 0x00 (LZMA's scheme, here for multi-symbol frequencies). The interval
 * starts as [0, 2^32 − 1), so LZMA's first byte is always 0 and neither side stores it. The end
 * writes the value of the final interval whose low 24 bits are zero: two bytes, and the decoder
 * reads zeros past the end. All arithmetic stays below 2^34, exact in doubles.
 */
import { FxcFormatError } from './errors.ts';

/** range is renormalised (one byte out) while below this. */
const TOP = 2 ** 24;
/** 2^32: low at or above it carries into the bytes held back. */
const FULL = 2 ** 32;
/** Bytes a decoder reads past the end of a valid stream when it has decoded all of it. */
export const RANGE_DECODER_OVERREAD_BYTES = 3;

/** Appends symbols, each a frequency interval [start, start + freq) of 2^totalBits. */
export class RangeEncoder {
  private low = 0;
  private range = FULL - 1;
  private cache = 0;
  /** Bytes held back: the cache, then pending − 1 bytes of 0xFF. */
  private pending = 1;
  /** The very first byte is always 0 and is not written. */
  private first = true;
  private out = new Uint8Array(256);
  private size = 0;

  /** Codes one symbol; freq ≥ 1 and start + freq ≤ 2^totalBits (totalBits ≤ 16). */
  encode(start: number, freq: number, totalBits: number): void {
    const r = this.range >>> totalBits;
    this.low += r * start;
    this.range = r * freq;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /** Ends the stream and returns its bytes; the encoder is spent. */
  finish(): Uint8Array {
    // The multiple of 2^24 at or above low is still inside [low, low + range), as range ≥ 2^24.
    this.low = Math.ceil(this.low / TOP) * TOP;
    this.shiftLow();
    this.shiftLow();
    return this.out.slice(0, this.size);
  }

  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= FULL) {
      const carry = this.low >= FULL ? 1 : 0;
      let byte = this.cache;
      for (; this.pending > 0; this.pending--) {
        if (!this.first) this.push((byte + carry) & 0xff);
        this.first = false;
        byte = 0xff;
      }
      this.cache = Math.floor(this.low / TOP) & 0xff;
    }
    this.pending++;
    this.low = (this.low % TOP) * 256;
  }

  private push(byte: number): void {
    if (this.size === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.size++] = byte;
  }
}

/** Reads what RangeEncoder wrote from bytes [start, end) of a buffer; past the end it reads zeros. */
export class RangeDecoder {
  private range = FULL - 1;
  private code = 0;
  private position: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.position = start;
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.next();
  }

  /** Bytes read past the end: exactly RANGE_DECODER_OVERREAD_BYTES once a valid stream is decoded. */
  get overread(): number {
    return Math.max(0, this.position - this.end);
  }

  /**
   * Decodes one symbol of a table given as cumulative frequencies cum[0 … n] (cum[0] = 0,
   * cum[n] = 2^totalBits) at cum[offset …]. Throws FxcFormatError where the bytes are not a
   * stream these tables wrote.
   */
  decode(cum: Uint16Array | Uint32Array, offset: number, symbols: number, totalBits: number): number {
    const r = this.range >>> totalBits;
    const v = Math.floor(this.code / r);
    if (v >= cum[offset + symbols]) {
      throw new FxcFormatError('corrupt .fxc payload: the range-coded data is not what an encoder writes');
    }
    let s = 0;
    while (cum[offset + s + 1] <= v) s++;
    this.code -= r * cum[offset + s];
    this.range = r * (cum[offset + s + 1] - cum[offset + s]);
    while (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + this.next();
    }
    return s;
  }

  private next(): number {
    const p = this.position++;
    return p < this.end ? this.bytes[p] : 0;
  }
}
