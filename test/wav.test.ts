import { describe, expect, it } from 'vitest';
import { WavFormatError } from '../src/core/errors.ts';
import { parseWav, writeWav, type WavSampleType } from '../src/core/wav.ts';
import { buildWav } from './helpers/wav-builder.ts';

const TYPES: WavSampleType[] = ['uint8', 'int16', 'int24', 'int32', 'float32', 'float64'];
const TOLERANCE: Record<WavSampleType, number> = {
  uint8: 1 / 100,
  int16: 1e-4,
  int24: 1e-6,
  int32: 1e-6,
  float32: 1e-7,
  float64: 1e-7,
};

describe('WAV reader', () => {
  const tone = (c: number, i: number) => 0.5 * Math.sin(i * 0.05 + c) * (c === 0 ? 1 : -0.5);
  for (const type of TYPES) {
    for (const extensible of [false, true]) {
      for (const channels of [1, 2, 6]) {
        for (const rateHz of [8000, 44100, 48000]) {
          const name = `${type} ${extensible ? 'extensible ' : ''}${channels} ch ${rateHz} Hz`;
          it(`reads ${name} and averages channels to mono`, () => {
            const wav = parseWav(buildWav({ type, extensible, channels, rateHz }, tone, 300));
            expect(wav.sampleRateHz).toBe(rateHz);
            expect(wav.channels).toBe(channels);
            expect(wav.samples.length).toBe(300);
            let worst = 0;
            for (let i = 0; i < 300; i++) {
              let mean = 0;
              for (let c = 0; c < channels; c++) mean += tone(c, i) / channels;
              worst = Math.max(worst, Math.abs(wav.samples[i] - mean));
            }
            expect(worst).toBeLessThan(TOLERANCE[type]);
          });
        }
      }
    }
  }

  it('reads full-scale extremes without overflow', () => {
    const wav = parseWav(
      buildWav(
        { type: 'int16', extensible: false, channels: 1, rateHz: 16000 },
        (_, i) => (i % 2 ? 1 : -1),
        4,
        false,
      ),
    );
    expect(Array.from(wav.samples)).toEqual([-32767 / 32768, 32767 / 32768, -32767 / 32768, 32767 / 32768]);
  });

  it('round-trips its own 16-bit and float writer', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) * 0.9);
    const pcm = parseWav(writeWav(x, 16000));
    expect(pcm.sampleRateHz).toBe(16000);
    expect(Math.max(...pcm.samples.map((v, i) => Math.abs(v - x[i])))).toBeLessThan(1 / 32768 + 1e-9);
    const flt = parseWav(writeWav(x, 22050, 'float32'));
    expect(flt.sampleRateHz).toBe(22050);
    expect(Array.from(flt.samples)).toEqual(Array.from(x));
  });

  it('clips on 16-bit output instead of wrapping', () => {
    const out = parseWav(writeWav(Float32Array.from([2, -2, 0.5]), 16000)).samples;
    expect(out[0]).toBeCloseTo(32767 / 32768, 6);
    expect(out[1]).toBe(-1);
  });

  it('treats NaN and infinity in float files as silence and full scale', () => {
    const wav = parseWav(
      buildWav(
        { type: 'float32', extensible: false, channels: 1, rateHz: 16000 },
        (_, i) => [NaN, Infinity, -Infinity, 0.25][i],
        4,
      ),
    );
    expect(Array.from(wav.samples)).toEqual([0, 1, -1, 0.25]);
  });

  const expectError = (bytes: Uint8Array, pattern: RegExp) => {
    let error: unknown;
    try {
      parseWav(bytes);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WavFormatError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('gives clear errors for empty, foreign, truncated and unsupported files', () => {
    const good = buildWav({ type: 'int16', extensible: false, channels: 1, rateHz: 16000 }, () => 0.1, 1000);
    expectError(new Uint8Array(0), /empty file \(0 bytes\)/);
    expectError(new TextEncoder().encode('ID3\x04 this is an mp3, honest'), /not a WAV file/);
    expectError(new TextEncoder().encode('RIFF'), /not a WAV file/);
    expectError(
      good.subarray(0, good.length - 100),
      /truncated WAV: the data chunk claims 2000 bytes but only 1900/,
    );
    expectError(good.subarray(0, 60), /truncated WAV/);
    expectError(good.subarray(0, 30), /truncated WAV: the fmt chunk|no fmt chunk/);
    const alaw = good.slice();
    alaw[12 + 8 + 27 + 1 + 8] = 6; // fmt format tag → A-law
    expectError(alaw, /unsupported WAV encoding: format 0x6/);
    const slow = buildWav({ type: 'int16', extensible: false, channels: 1, rateHz: 4000 }, () => 0, 10);
    expectError(slow, /sample rate 4000 Hz outside/);
    const dataFirst = new Uint8Array([
      ...new TextEncoder().encode('RIFF\x10\x00\x00\x00WAVEdata\x00\x00\x00\x00'),
    ]);
    expectError(dataFirst, /data chunk comes before the fmt chunk/);
  });

  it('reads to the end of the file when a streaming writer left the data size unset', () => {
    const good = buildWav(
      { type: 'int16', extensible: false, channels: 1, rateHz: 16000 },
      () => 0.1,
      100,
      false,
    );
    const streamed = good.slice();
    new DataView(streamed.buffer).setUint32(40, 0xffffffff, true);
    expect(parseWav(streamed).samples.length).toBe(100);
  });
});
