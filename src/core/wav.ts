/**
 * RIFF WAVE reading and writing. Reads PCM 8/16/24/32-bit integer and 32/64-bit float, plain
 * or WAVE_FORMAT_EXTENSIBLE, any channel count, skipping chunks it does not know. Reading goes
 * through a `ByteSource` so the Node CLI can stream the data chunk from disk and the browser can
 * read an in-memory file with the same code.
 */
import { WavFormatError } from './errors.ts';

/** Sample encodings the reader understands. */
export type WavSampleType = 'uint8' | 'int16' | 'int24' | 'int32' | 'float32' | 'float64';

/** The `fmt ` chunk, reduced to what decoding needs. */
export interface WavFormat {
  sampleType: WavSampleType;
  channels: number;
  sampleRateHz: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
}

/** Where the samples lie in the file. */
export interface WavInfo {
  format: WavFormat;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of whole frames in the data chunk. */
  dataBytes: number;
  /** Frames (samples per channel). */
  frames: number;
}

/** Reads up to `length` bytes at `offset`; returns fewer only at the end of the file. */
export type ByteSource = (offset: number, length: number) => Uint8Array;

/** Lowest and highest input sample rates the codec accepts. */
export const MIN_WAV_RATE_HZ = 8000;
export const MAX_WAV_RATE_HZ = 192000;

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Chunk sizes some streaming writers leave unfilled; we then read to the end of the file. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function parseFmt(b: Uint8Array): WavFormat {
  if (b.length < 16) throw new WavFormatError(`fmt chunk is ${b.length} bytes, needs at least 16`);
  let tag = u16(b, 0);
  const channels = u16(b, 2);
  const sampleRateHz = u32(b, 4);
  const blockAlign = u16(b, 12);
  const bits = u16(b, 14);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (b.length < 40) throw new WavFormatError('WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
    tag = u16(b, 24); // the first two bytes of the SubFormat GUID are the format tag
  }
  let sampleType: WavSampleType;
  if (tag === WAVE_FORMAT_PCM && bits === 8) sampleType = 'uint8';
  else if (tag === WAVE_FORMAT_PCM && bits === 16) sampleType = 'int16';
  else if (tag === WAVE_FORMAT_PCM && bits === 24) sampleType = 'int24';
  else if (tag === WAVE_FORMAT_PCM && bits === 32) sampleType = 'int32';
  else if (tag === WAVE_FORMAT_IEEE_FLOAT && bits === 32) sampleType = 'float32';
  else if (tag === WAVE_FORMAT_IEEE_FLOAT && bits === 64) sampleType = 'float64';
  else {
    const name =
      tag === WAVE_FORMAT_PCM
        ? 'PCM'
        : tag === WAVE_FORMAT_IEEE_FLOAT
          ? 'float'
          : `format 0x${tag.toString(16)}`;
    throw new WavFormatError(
      `unsupported WAV encoding: ${name}, ${bits}-bit (supported: PCM 8/16/24/32-bit, float 32/64-bit)`,
    );
  }
  if (channels < 1) throw new WavFormatError('WAV has 0 channels');
  if (sampleRateHz < MIN_WAV_RATE_HZ || sampleRateHz > MAX_WAV_RATE_HZ) {
    throw new WavFormatError(
      `WAV sample rate ${sampleRateHz} Hz outside ${MIN_WAV_RATE_HZ}..${MAX_WAV_RATE_HZ} Hz`,
    );
  }
  const bytesPerSample = bits / 8;
  if (blockAlign !== channels * bytesPerSample) {
    throw new WavFormatError(
      `WAV blockAlign ${blockAlign} does not match ${channels} channels of ${bits} bits`,
    );
  }
  return { sampleType, channels, sampleRateHz, blockAlign };
}

/** Walks the RIFF chunks and returns the format and where the samples are. Throws WavFormatError. */
export function readWavInfo(read: ByteSource, fileBytes: number): WavInfo {
  if (fileBytes === 0) throw new WavFormatError('empty file (0 bytes), not a WAV file');
  const head = read(0, 12);
  if (head.length < 12 || fourcc(head, 0) !== 'RIFF' || fourcc(head, 8) !== 'WAVE') {
    if (head.length >= 4 && fourcc(head, 0) === 'RF64')
      throw new WavFormatError('RF64 (>4 GB) WAV is not supported');
    throw new WavFormatError('not a WAV file: it does not start with "RIFF....WAVE"');
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= fileBytes) {
    const chunk = read(offset, 8);
    if (chunk.length < 8) break;
    const id = fourcc(chunk, 0);
    const size = u32(chunk, 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > fileBytes)
        throw new WavFormatError('truncated WAV: the fmt chunk runs past the end of the file');
      format = parseFmt(read(body, Math.min(size, 64)));
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('corrupt WAV: the data chunk comes before the fmt chunk');
      let dataBytes = size;
      if (UNKNOWN_SIZES.has(size)) dataBytes = fileBytes - body;
      else if (body + size > fileBytes) {
        throw new WavFormatError(
          `truncated WAV: the data chunk claims ${size} bytes but only ${fileBytes - body} are in the file`,
        );
      }
      const frames = Math.floor(dataBytes / format.blockAlign);
      return { format, dataOffset: body, dataBytes: frames * format.blockAlign, frames };
    }
    offset = body + size + (size & 1); // chunks are padded to an even size
  }
  throw new WavFormatError(format ? 'corrupt WAV: no data chunk' : 'corrupt WAV: no fmt chunk');
}

/** Decodes whole frames of interleaved samples, averaging all channels to mono, in [-1, 1]. */
export function decodeFramesToMono(bytes: Uint8Array, format: WavFormat, out?: Float32Array): Float32Array {
  const { channels, blockAlign, sampleType } = format;
  const frames = Math.floor(bytes.length / blockAlign);
  const mono = out ?? new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const at = f * blockAlign + c * (blockAlign / channels);
      switch (sampleType) {
        case 'uint8':
          sum += (bytes[at] - 128) / 128;
          break;
        case 'int16':
          sum += view.getInt16(at, true) / 32768;
          break;
        case 'int24':
          sum += ((bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) << 8) / 2147483648;
          break;
        case 'int32':
          sum += view.getInt32(at, true) / 2147483648;
          break;
        case 'float32':
          sum += view.getFloat32(at, true);
          break;
        case 'float64':
          sum += view.getFloat64(at, true);
          break;
      }
    }
    const v = sum * scale;
    // NaN/Inf in a float file would poison every later frame of the model: treat as silence / clip.
    mono[f] = Number.isFinite(v) ? v : Number.isNaN(v) ? 0 : Math.sign(v);
  }
  return mono;
}

/** A whole WAV file decoded to mono. */
export interface MonoAudio {
  sampleRateHz: number;
  /** Channel count of the file (the samples are their average). */
  channels: number;
  samples: Float32Array;
}

/** Parses an in-memory WAV file to mono float samples. Throws WavFormatError. */
export function parseWav(bytes: Uint8Array): MonoAudio {
  const read: ByteSource = (offset, length) =>
    bytes.subarray(offset, Math.min(offset + length, bytes.length));
  const info = readWavInfo(read, bytes.length);
  const samples = decodeFramesToMono(read(info.dataOffset, info.dataBytes), info.format);
  return { sampleRateHz: info.format.sampleRateHz, channels: info.format.channels, samples };
}

/** Output sample encodings of the writer. */
export type WavOutputType = 'int16' | 'float32';

/** The 44-byte header of a mono WAV holding `frames` samples. */
export function wavHeader(frames: number, sampleRateHz: number, type: WavOutputType = 'int16'): Uint8Array {
  const bytesPerSample = type === 'int16' ? 2 : 4;
  const dataBytes = frames * bytesPerSample;
  const head = new Uint8Array(44);
  const view = new DataView(head.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) head[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, type === 'int16' ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * bytesPerSample, true);
  view.setUint16(32, bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return head;
}

/** Encodes mono samples as WAV data bytes (no header); int16 rounds and clips to [-1, 1). */
export function encodeWavSamples(samples: Float32Array, type: WavOutputType = 'int16'): Uint8Array {
  if (type === 'float32') {
    const out = new Uint8Array(samples.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i], true);
    return out;
  }
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i] * 32768);
    view.setInt16(i * 2, Number.isNaN(v) ? 0 : Math.max(-32768, Math.min(32767, v)), true);
  }
  return out;
}

/** A whole mono WAV file (16-bit PCM by default, or 32-bit float). */
export function writeWav(
  samples: Float32Array,
  sampleRateHz: number,
  type: WavOutputType = 'int16',
): Uint8Array {
  const head = wavHeader(samples.length, sampleRateHz, type);
  const data = encodeWavSamples(samples, type);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
