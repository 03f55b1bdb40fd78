/**
 * Log-mel spectral distance for the chunking measurement: 25 ms Hann frames, 10 ms hop,
 * 512-point FFT, 80 HTK mel bands 0-8 kHz, log10 of power floored at 1e-5; the distance is the
 * mean absolute difference of the log-mel values (in log10 units, "bels").
 */

const N_FFT = 512;
const WIN = 400;
const HOP = 160;
const N_MELS = 80;

function fftPower(frame: Float64Array): Float64Array {
  // Iterative radix-2 FFT of a real frame of N_FFT samples.
  const re = Float64Array.from(frame);
  const im = new Float64Array(N_FFT);
  for (let i = 1, j = 0; i < N_FFT; i++) {
    let bit = N_FFT >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= N_FFT; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < N_FFT; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  const power = new Float64Array(N_FFT / 2 + 1);
  for (let k = 0; k <= N_FFT / 2; k++) power[k] = re[k] * re[k] + im[k] * im[k];
  return power;
}

const hz2mel = (f: number) => 2595 * Math.log10(1 + f / 700);
const mel2hz = (m: number) => 700 * (10 ** (m / 2595) - 1);

const MEL_FILTERS = (() => {
  const sr = 16000;
  const points = Array.from({ length: N_MELS + 2 }, (_, i) => mel2hz((i * hz2mel(sr / 2)) / (N_MELS + 1)));
  const filters: Float64Array[] = [];
  for (let m = 1; m <= N_MELS; m++) {
    const f = new Float64Array(N_FFT / 2 + 1);
    for (let k = 0; k <= N_FFT / 2; k++) {
      const hz = (k * sr) / N_FFT;
      const up = (hz - points[m - 1]) / (points[m] - points[m - 1]);
      const down = (points[m + 1] - hz) / (points[m + 1] - points[m]);
      f[k] = Math.max(0, Math.min(up, down));
    }
    filters.push(f);
  }
  return filters;
})();

/** Log-mel frames [frames][N_MELS] of 16 kHz audio. */
export function logMel(audio: Float32Array): Float64Array[] {
  const frames: Float64Array[] = [];
  const frame = new Float64Array(N_FFT);
  for (let start = 0; start + WIN <= audio.length; start += HOP) {
    frame.fill(0);
    for (let i = 0; i < WIN; i++)
      frame[i] = audio[start + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / WIN));
    const power = fftPower(frame);
    const mel = new Float64Array(N_MELS);
    for (let m = 0; m < N_MELS; m++) {
      let e = 0;
      const f = MEL_FILTERS[m];
      for (let k = 0; k < f.length; k++) e += f[k] * power[k];
      mel[m] = Math.log10(Math.max(e, 1e-5));
    }
    frames.push(mel);
  }
  return frames;
}

/** Mean |logmel(a) - logmel(b)| over frames [fromFrame, toFrame) (10 ms frames). */
export function logMelDistance(a: Float32Array, b: Float32Array, fromFrame = 0, toFrame = Infinity): number {
  const ma = logMel(a);
  const mb = logMel(b);
  const end = Math.min(ma.length, mb.length, toFrame);
  let sum = 0;
  let n = 0;
  for (let t = fromFrame; t < end; t++) {
    for (let m = 0; m < N_MELS; m++) sum += Math.abs(ma[t][m] - mb[t][m]);
    n += N_MELS;
  }
  return sum / n;
}
