"""A 32-bit range coder with carry propagation, the Python twin of src/core/range-coder.ts: both
must give the same bytes for the same symbols and tables (test/fixtures/range-coder.json).

Encoder state: low (33 bits while a carry is pending), range (32 bits, kept >= 2^24 by shifting a
byte out), plus the last byte not yet written (cache) and how many 0xFF bytes follow it, which a
carry may still turn into 0x00 (the LZMA scheme, for multi-symbol frequencies). The interval
starts as [0, 2^32 - 1), so the first byte LZMA writes is always 0: neither side stores it. The
end writes one value of the final interval whose low 24 bits are zero: two more bytes, and a
decoder reading past the end reads zeros. A symbol costs log2(total / freq) bits plus at most
total / 2^24 of a bit for the rounding of range / total.
"""

TOP = 1 << 24  # range is renormalised (one byte out) while below this
FULL = 1 << 32


class RangeEncoder:
    def __init__(self):
        self.low = 0
        self.range = FULL - 1
        self.cache = 0
        self.pending = 1  # bytes held back: the cache, then pending - 1 bytes of 0xFF
        self.first = True  # the very first byte is always 0 and is not written
        self.out = bytearray()

    def encode(self, start, freq, total_bits):
        """Codes the symbol whose frequency interval is [start, start + freq) of 2^total_bits."""
        r = self.range >> total_bits
        self.low += r * start
        self.range = r * freq
        while self.range < TOP:
            self.range <<= 8
            self._shift_low()

    def _shift_low(self):
        if self.low < 0xFF000000 or self.low >= FULL:
            carry = self.low >> 32
            byte = self.cache
            while self.pending:
                if not self.first:
                    self.out.append((byte + carry) & 0xFF)
                self.first = False
                byte = 0xFF
                self.pending -= 1
            self.cache = (self.low >> 24) & 0xFF
        self.pending += 1
        self.low = (self.low & 0xFFFFFF) << 8

    def finish(self):
        """Ends the stream on the value of the final interval with the most trailing zero bits
        a 2^24 step allows; returns the bytes."""
        self.low = -(-self.low // TOP) * TOP  # ceil to a multiple of 2^24, still below low + range
        self._shift_low()
        self._shift_low()
        return bytes(self.out)


class RangeDecoder:
    """Reads what RangeEncoder wrote; bytes past the end read as zero, and `overread` counts them
    (exactly 3 when a valid stream is decoded to its end)."""

    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.range = FULL - 1
        self.code = 0
        for _ in range(4):
            self.code = (self.code << 8) | self._next()

    def _next(self):
        b = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return b

    @property
    def overread(self):
        return max(0, self.pos - len(self.data))

    def decode(self, cum, total_bits):
        """cum: cumulative frequencies (n + 1,), cum[0] = 0, cum[n] = 2^total_bits. Returns the
        symbol; raises ValueError where the bytes are no stream these tables wrote."""
        r = self.range >> total_bits
        v = self.code // r
        if v >= cum[-1]:
            raise ValueError('corrupt range-coded data')
        s = 0
        while cum[s + 1] <= v:
            s += 1
        self.code -= r * cum[s]
        self.range = r * (cum[s + 1] - cum[s])
        while self.range < TOP:
            self.range <<= 8
            self.code = (self.code << 8) | self._next()
        return s


def cumulative(freqs):
    """freqs (n,) -> cum (n + 1,) with cum[0] = 0."""
    cum = [0]
    for f in freqs:
        cum.append(cum[-1] + int(f))
    return cum


def encode_symbols(symbols, tables, total_bits):
    """symbols: [(table index, symbol)] -> bytes, each table a list of frequencies."""
    enc = RangeEncoder()
    cums = [cumulative(t) for t in tables]
    for t, s in symbols:
        enc.encode(cums[t][s], tables[t][s], total_bits)
    return enc.finish()
