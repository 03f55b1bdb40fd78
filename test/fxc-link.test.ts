/** Voice notes in links: base64url, the #fxc= fragment, what a cut or altered link says, QR limits. */
import { describe, expect, it } from 'vitest';
import { fxcFileBytes, readHeader, writeFxc } from '../src/core/bitstream.ts';
import {
  FxcLinkError,
  QR_MAX_LINK_CHARS,
  fitsQr,
  fromBase64Url,
  fxcLink,
  maxQrRateHz,
  parseFxcFragment,
  toBase64Url,
} from '../src/core/fxc-link.ts';
import { TEST_LAYOUT } from './helpers/layout.ts';
import { randomInt, seededRandom } from './helpers/random.ts';

const PAGE = 'https://notes.example/app.html';

/** A valid note of `seconds` at about `rateHz`: equal segments, random codes. */
function note(seconds: number, rateHz: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const sampleCount = Math.round(seconds * 16000);
  const frames = Math.ceil(sampleCount / 1280);
  const per = Math.max(1, Math.min(8, Math.round(12.5 / rateHz)));
  const lengths: number[] = [];
  for (let left = frames; left > 0; left -= lengths[lengths.length - 1]) lengths.push(Math.min(per, left));
  const codes = Array.from({ length: lengths.length * 7 }, () => randomInt(random, 4096));
  const header = { ...TEST_LAYOUT, sampleCount, targetRateHz: rateHz };
  return writeFxc(header, TEST_LAYOUT, lengths, codes);
}

describe('base64url', () => {
  it('round-trips every length and agrees with Node', () => {
    const random = seededRandom(7);
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: n }, () => randomInt(random, 256));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it('refuses characters outside the alphabet, padding, and impossible lengths', () => {
    expect(() => fromBase64Url('ab+d')).toThrow(/character 3 \("\+"\) is not base64url/);
    expect(() => fromBase64Url('abc=')).toThrow(FxcLinkError);
    expect(() => fromBase64Url('abcdéf')).toThrow(/not base64url/);
    expect(() => fromBase64Url('abcde')).toThrow(/5 characters of base64url are no whole number of bytes/);
  });
});

describe('links', () => {
  it('a link carries the note byte for byte, whatever fragment the page had', () => {
    const fxc = note(10, 6.25);
    const link = fxcLink(`${PAGE}?x=1#old`, fxc);
    expect(link.startsWith(`${PAGE}?x=1#fxc=`)).toBe(true);
    const parsed = parseFxcFragment(new URL(link).hash);
    expect(parsed?.fxc).toEqual(fxc);
    expect(parsed?.header).toEqual(readHeader(fxc));
    // A 10 s note at 6.25 Hz is a few hundred bytes: the figure.
    expect(fxc.length).toBeGreaterThan(300);
    expect(fxc.length).toBeLessThan(720);
  });

  it('a fragment without a note is no link; an empty one says so', () => {
    expect(parseFxcFragment('')).toBeNull();
    expect(parseFxcFragment('#section-2')).toBeNull();
    expect(() => parseFxcFragment('#fxc=')).toThrow(/holds no voice note/);
    expect(() => parseFxcFragment('#fxc=ab+d')).toThrow(
      /changed on the way \(character 3 \(" "\) is not base64url\)/,
    );
  });

  it('a link cut short at any point, or with any character changed, is refused with a clear message', () => {
    const payload = toBase64Url(note(4, 6.25));
    for (let cut = 1; cut < payload.length; cut += 7) {
      expect(() => parseFxcFragment(`#fxc=${payload.slice(0, payload.length - cut)}`), `cut ${cut}`).toThrow(
        /^this link does not hold a whole voice note: it was cut short or changed on the way \(.+\)\. Nothing was saved/,
      );
    }
    const random = seededRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const at = randomInt(random, payload.length);
      const swapped = payload[at] === 'A' ? 'B' : 'A';
      const altered = payload.slice(0, at) + swapped + payload.slice(at + 1);
      expect(() => parseFxcFragment(`#fxc=${altered}`)).toThrow(FxcLinkError);
      expect(() => parseFxcFragment(`#fxc=${altered}`)).toThrow(/does not hold a whole voice note/);
    }
    expect(() => parseFxcFragment(`#fxc=${payload.slice(0, 40)}`)).toThrow(
      /does not hold a whole voice note: it was cut short or changed on the way \(.*\)\. Nothing was saved/,
    );
  });
});

describe('QR codes', () => {
  it('holds links up to version 40-L byte capacity', () => {
    expect(QR_MAX_LINK_CHARS).toBe(2953);
    expect(fitsQr('x'.repeat(2953))).toBe(true);
    expect(fitsQr('x'.repeat(2954))).toBe(false);
  });

  it('a 10 s note fits at 6.25 Hz, a 40 s note at 12.5 Hz does not', () => {
    expect(fitsQr(fxcLink(PAGE, note(10, 6.25)))).toBe(true);
    expect(fitsQr(fxcLink(PAGE, note(40, 12.5)))).toBe(false);
  });

  it('names the highest rate at which a note would fit: one segment more and it would not', () => {
    const prefix = `${PAGE}#fxc=`.length;
    for (const seconds of [20, 30, 60]) {
      const header = readHeader(note(seconds, 12.5));
      const rate = maxQrRateHz(header, prefix);
      const frames = Math.ceil(header.sampleCount / 1280);
      const segments = Math.floor((rate * frames) / 12.5 + 1e-9);
      const chars = (k: number) => prefix + Math.ceil((fxcFileBytes(k, TEST_LAYOUT) * 4) / 3);
      expect(rate, `${seconds} s`).toBeGreaterThan(0);
      expect(chars(segments)).toBeLessThanOrEqual(QR_MAX_LINK_CHARS);
      expect(chars(segments + 1)).toBeGreaterThan(QR_MAX_LINK_CHARS);
    }
    // Ten minutes cannot fit at any rate: even 8-frame segments overflow.
    expect(maxQrRateHz(readHeader(note(600, 1.5625)), prefix)).toBe(0);
  });
});
