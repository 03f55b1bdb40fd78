import { describe, expect, it } from 'vitest';
import { DcBlocker } from '../src/core/dc-blocker.ts';
import { StreamingResampler, downmixToMono, resample, resampledLength } from '../src/core/resample.ts';
import { seededRandom } from './helpers/random.ts';

const sine = (n: number, hz: number, rateHz: number, amp = 0.5) =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rateHz));

/** RMS over the middle of a signal (away from the edges). */
function rms(x: Float32Array): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
}

describe('resampler', () => {
  for (const inRate of [8000, 11025, 22050, 44100, 48000]) {
    it(`keeps a 1 kHz tone's level and frequency from ${inRate} Hz to 16 kHz`, () => {
      const x = sine(inRate, 1000, inRate);
      const y = resample(x, inRate, 16000);
      expect(y.length).toBe(resampledLength(x.length, inRate, 16000));
      expect(y.length).toBe(16000);
      // Compare with the ideal 16 kHz tone sample by sample, away from the edges.
      const ideal = sine(16000, 1000, 16000);
      let err = 0;
      for (let i = 2000; i < 14000; i++) err = Math.max(err, Math.abs(y[i] - ideal[i]));
      expect(err).toBeLessThan(1e-3);
    });
  }

  it('removes content above 8 kHz when downsampling (no aliasing)', () => {
    // 12 kHz at 48 kHz would alias to 4 kHz at 16 kHz.
    const y = resample(sine(48000, 12000, 48000), 48000, 16000);
    expect(rms(y) / (0.5 / Math.SQRT2)).toBeLessThan(1e-3); // below -60 dB
    // 8.5 kHz, just above the new Nyquist frequency, is attenuated too.
    const z = resample(sine(48000, 8500, 48000), 48000, 16000);
    expect(rms(z) / (0.5 / Math.SQRT2)).toBeLessThan(0.01);
  });

  it('gives the same output streamed in odd chunks as in one call', () => {
    const random = seededRandom(3);
    const x = Float32Array.from({ length: 44100 }, () => random() * 2 - 1);
    const whole = resample(x, 44100, 16000);
    const r = new StreamingResampler(44100, 16000);
    const parts: number[] = [];
    for (let i = 0; i < x.length;) {
      const n = 1 + Math.floor(random() * 5000);
      parts.push(...r.push(x.subarray(i, i + n)));
      i += n;
    }
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    expect(parts).toEqual(Array.from(whole));
  });

  it('passes 16 kHz through unchanged and downmixes channels by averaging', () => {
    const x = sine(100, 440, 16000);
    expect(Array.from(resample(x, 16000, 16000))).toEqual(Array.from(x));
    expect(Array.from(downmixToMono(Float32Array.from([1, 0, 0.5, -0.5]), 2))).toEqual([0.5, 0]);
  });
});

describe('DC blocker', () => {
  it('removes a DC offset without a start transient and keeps speech-band tones', () => {
    const x = sine(16000, 300, 16000, 0.3).map((v) => v + 0.4);
    const y = new DcBlocker(16000).process(x.slice());
    let mean = 0;
    for (let i = 8000; i < 16000; i++) mean += y[i] / 8000;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(Math.max(...y.subarray(0, 200).map(Math.abs))).toBeLessThan(0.35);
    expect(rms(y)).toBeCloseTo(0.3 / Math.SQRT2, 2);
  });

  it('is the same filtered in chunks or at once', () => {
    const x = sine(5000, 123, 16000).map((v, i) => v + (i > 2000 ? 0.2 : 0));
    const whole = new DcBlocker(16000).process(x.slice());
    const f = new DcBlocker(16000);
    const parts = [...f.process(x.slice(0, 1234)), ...f.process(x.slice(1234))];
    expect(parts).toEqual(Array.from(whole));
  });
});
