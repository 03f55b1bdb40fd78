/**
 * A voice note in a link: `app.html#fxc=<base64url of the .fxc bytes>`. A fragment never reaches a
 * server, and at 3–6 Hz a 10 s note is a few hundred bytes, small enough for a URL or a QR code.
 * Parsing rejects a truncated or altered payload with a message that says so (the .fxc CRC-32).
 */
import {
  readHeader,
  segmentBits,
  fxcHeaderBytes,
  FXC_CRC_BYTES,
  FXC_PITCH_VERSION,
  type FxcHeader,
} from './bitstream.ts';
import { PITCH_LEVELS } from './pitch-code.ts';
import { FxcFormatError } from './errors.ts';

/** The fragment parameter that holds the note. */
export const FXC_LINK_PARAM = 'fxc';

/**
 * Longest link a QR code holds: version 40 (177×177 modules), error correction L, byte mode,
 * 2953 bytes (ISO/IEC 18004 table 7). The link is ASCII, one byte a character.
 */
export const QR_MAX_LINK_CHARS = 2953;

/** Longest note a link may carry: far above any voice note, but a bound before decoding base64. */
export const MAX_LINK_FXC_BYTES = 1 << 20;

/** A link that does not hold a whole, unchanged voice note. */
export class FxcLinkError extends FxcFormatError {}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** RFC 4648 §5 base64url, without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63];
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63];
  }
  return out;
}

/** Decodes unpadded base64url; throws FxcLinkError on any other character or an impossible length. */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) {
    throw new FxcLinkError(`${text.length} characters of base64url are no whole number of bytes`);
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? VALUE[code] : -1;
    if (v < 0) {
      throw new FxcLinkError(`character ${i + 1} (${JSON.stringify(text[i])}) is not base64url`);
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** The link that carries `fxc`: `pageUrl` (its own fragment dropped) + `#fxc=…`. */
export function fxcLink(pageUrl: string, fxc: Uint8Array): string {
  const url = new URL(pageUrl);
  url.hash = '';
  return `${url.href}#${FXC_LINK_PARAM}=${toBase64Url(fxc)}`;
}

/** The note a link carries, checked: its bytes and header. */
export interface LinkedNote {
  fxc: Uint8Array;
  header: FxcHeader;
}

/**
 * The note in a URL fragment (`#fxc=…`, with or without the '#'), or null when the fragment
 * carries none. Throws FxcLinkError when the payload is not a whole, unchanged .fxc: a cut or
 * altered link fails its CRC-32 (or its length) and changes nothing.
 */
export function parseFxcFragment(fragment: string): LinkedNote | null {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  const payload = params.get(FXC_LINK_PARAM);
  if (payload === null) return null;
  if (payload.length === 0) throw new FxcLinkError('the link holds no voice note: nothing follows "#fxc="');
  if (payload.length > Math.ceil((MAX_LINK_FXC_BYTES * 4) / 3)) {
    throw new FxcLinkError(`the link is ${payload.length} characters long, more than any voice note needs`);
  }
  try {
    const fxc = fromBase64Url(payload);
    return { fxc, header: readHeader(fxc) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FxcLinkError(
      `this link does not hold a whole voice note: it was cut short or changed on the way (${why}). ` +
        'Nothing was saved; ask for the link again and copy all of it',
    );
  }
}

/** Whether a link fits in one QR code (QR_MAX_LINK_CHARS). */
export function fitsQr(link: string): boolean {
  return link.length <= QR_MAX_LINK_CHARS;
}

/**
 * The highest average frame rate at which a note of this header's length would still fit a QR
 * code, for the "too long" message; 0 when even the fewest segments do not fit. Counted at fixed
 * width (range coding makes files smaller, so the named rate fits): a segment's bit-packed bits,
 * and in versions 3 and 4 each frame's pitch level at log2(PITCH_LEVELS) bits, whatever the rate.
 */
export function maxQrRateHz(header: FxcHeader, linkPrefixChars: number, frameRateHz = 12.5): number {
  const chars = QR_MAX_LINK_CHARS - linkPrefixChars;
  const fileBytes = Math.floor((chars * 3) / 4);
  const frames = Math.ceil((header.sampleCount * frameRateHz) / header.sampleRateHz);
  // Counted at a level per frame even where version 4 codes one per two: the named rate then fits.
  const pitchBits = header.version >= FXC_PITCH_VERSION ? frames * Math.log2(PITCH_LEVELS) : 0;
  const headerBytes = fxcHeaderBytes(header.version, header.sampleCount);
  const payloadBits = (fileBytes - headerBytes - FXC_CRC_BYTES) * 8 - pitchBits;
  // At the header's code groups: a lower rate carries as many or fewer (reducedCodeGroups), so the named rate fits.
  const segments = Math.max(0, Math.floor(payloadBits / segmentBits(header)));
  // A segment spans at most 2^lengthBits frames: below that many segments no rate fits.
  if (segments < Math.ceil(frames / 2 ** header.lengthBits)) return 0;
  return Math.min(frameRateHz, (frameRateHz * segments) / frames);
}
