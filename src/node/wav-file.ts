/**
 * WAV files on disk, streamed: the reader decodes, downmixes and resamples the data chunk a block
 * at a time; the writer appends samples after a header written up front. Neither holds more than
 * one block of audio, so an hour of audio costs no more memory than a minute.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { WavFormatError } from '../core/errors.ts';
import { StreamingResampler, resampledLength } from '../core/resample.ts';
import {
  decodeFramesToMono,
  encodeWavSamples,
  readWavInfo,
  wavHeader,
  type WavInfo,
  type WavOutputType,
} from '../core/wav.ts';

/** Input frames decoded per block (1 s at 48 kHz). */
const BLOCK_FRAMES = 48000;

/** A WAV file opened for streaming as mono audio at one rate. */
export interface WavFileSource {
  path: string;
  info: WavInfo;
  /** Samples the stream yields in all, at `rateHz`. */
  sampleCount: number;
  rateHz: number;
  /** Mono blocks at `rateHz`; closes the file at the end. */
  chunks(): AsyncGenerator<Float32Array>;
}

/** Opens a WAV file and checks its header; errors name the file. */
export function openWavFile(path: string, rateHz: number): WavFileSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(
      `${path}: cannot open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { cause: err },
    );
  }
  let info: WavInfo;
  try {
    const size = fstatSync(fd).size;
    info = readWavInfo((offset, length) => {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const n = buf.length ? readSync(fd, buf, 0, buf.length, offset) : 0;
      return buf.subarray(0, n);
    }, size);
    if (info.frames === 0) throw new WavFormatError('the WAV file holds no samples');
  } catch (err) {
    closeSync(fd);
    if (err instanceof WavFormatError) throw new WavFormatError(`${path}: ${err.message}`);
    throw err;
  }
  const inRate = info.format.sampleRateHz;
  return {
    path,
    info,
    rateHz,
    sampleCount: resampledLength(info.frames, inRate, rateHz),
    async *chunks() {
      const resampler = new StreamingResampler(inRate, rateHz);
      const block = new Uint8Array(BLOCK_FRAMES * info.format.blockAlign);
      try {
        for (let frame = 0; frame < info.frames; frame += BLOCK_FRAMES) {
          const frames = Math.min(BLOCK_FRAMES, info.frames - frame);
          const bytes = frames * info.format.blockAlign;
          const got = readSync(fd, block, 0, bytes, info.dataOffset + frame * info.format.blockAlign);
          if (got < bytes) throw new WavFormatError(`${path}: file shrank while reading`);
          yield resampler.push(decodeFramesToMono(block.subarray(0, bytes), info.format));
        }
        yield resampler.flush();
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Writes a mono WAV file of a known length sample block by sample block. */
export class WavFileWriter {
  private written = 0;
  private readonly fd: number;

  constructor(
    readonly path: string,
    private readonly frames: number,
    sampleRateHz: number,
    private readonly type: WavOutputType = 'int16',
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, wavHeader(frames, sampleRateHz, type));
  }

  /** Appends samples; the total must not pass the length given to the constructor. */
  write(samples: Float32Array): void {
    if (this.written + samples.length > this.frames)
      throw new RangeError(`${this.path}: more samples than declared`);
    writeSync(this.fd, encodeWavSamples(samples, this.type));
    this.written += samples.length;
  }

  /** Closes the file; throws if fewer samples were written than declared. */
  close(): void {
    closeSync(this.fd);
    if (this.written !== this.frames) {
      throw new Error(`${this.path}: wrote ${this.written} of ${this.frames} samples`);
    }
  }

  /** Closes and deletes a file left incomplete by an error. */
  abort(): void {
    closeSync(this.fd);
    unlinkSync(this.path);
  }
}
