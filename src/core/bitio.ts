/** MSB-first bit packing for the .fxc payload: the first bit written is bit 7 of byte 0. */

/** Appends unsigned values of 1..32 bits; grows its buffer by doubling. */
export class BitWriter {
  private bytes = new Uint8Array(64);
  private bitLength = 0;

  /** Number of bits written so far. */
  get length(): number {
    return this.bitLength;
  }

  /** Writes the low `bits` bits of `value`, most significant first. */
  write(value: number, bits: number): void {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new RangeError(`bit width ${bits}`);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
      throw new RangeError(`value ${value} does not fit in ${bits} bits`);
    }
    this.reserve(this.bitLength + bits);
    for (let b = bits - 1; b >= 0; b--) {
      // Math.floor/2**b instead of >>> so 32-bit values stay exact.
      const bit = Math.floor(value / 2 ** b) & 1;
      if (bit) this.bytes[this.bitLength >>> 3] |= 0x80 >>> (this.bitLength & 7);
      this.bitLength++;
    }
  }

  /** Writes whole bytes; the writer must sit on a byte boundary. */
  writeBytes(data: Uint8Array): void {
    if (this.bitLength & 7) throw new Error('writeBytes needs a byte-aligned writer');
    this.reserve(this.bitLength + data.length * 8);
    this.bytes.set(data, this.bitLength >>> 3);
    this.bitLength += data.length * 8;
  }

  /** Pads with zero bits to the next byte boundary. */
  alignToByte(): void {
    this.bitLength = (this.bitLength + 7) & ~7;
    this.reserve(this.bitLength);
  }

  /** The bytes written so far (a copy), the last one zero-padded. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, (this.bitLength + 7) >>> 3);
  }

  private reserve(bits: number): void {
    const need = (bits + 7) >>> 3;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/** Reads unsigned values MSB-first from a fixed bit range of a byte array; never reads past its end. */
export class BitReader {
  private position: number;

  /** Reads bits [startBit, endBit) of `bytes`. */
  constructor(
    private readonly bytes: Uint8Array,
    startBit = 0,
    private readonly endBit = bytes.length * 8,
  ) {
    this.position = startBit;
  }

  /** Bits left before the end of the range. */
  get remaining(): number {
    return this.endBit - this.position;
  }

  /** Current bit position from the start of `bytes`. */
  get bitPosition(): number {
    return this.position;
  }

  /** Reads `bits` (1..32) bits; throws RangeError past the end (callers check `remaining` first). */
  read(bits: number): number {
    if (bits < 1 || bits > 32) throw new RangeError(`bit width ${bits}`);
    if (bits > this.remaining) throw new RangeError('read past the end of the bit range');
    let value = 0;
    for (let b = 0; b < bits; b++) {
      const p = this.position++;
      value = value * 2 + ((this.bytes[p >>> 3] >>> (7 - (p & 7))) & 1);
    }
    return value;
  }
}
