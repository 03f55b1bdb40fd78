/**
 * The codec's pitch tracker: F0 and voicing every 10 ms by normalised cross-correlation (NCCF) at
 * 8 kHz. Twin of training/pitch/track.py, whose docstring is the contract; float64 throughout.
 *
 * Python gets <a, b_L> for all lags by FFT and <b_L, b_L> by a cumulative-sum difference; here the
 * cross terms are direct float64 sums (the same sums to ~1e-12) and the energies the same
 * cumulative-sum difference, so a decision can only flip on a near tie.
 */

/** 16 kHz samples per pitch frame (10 ms). */
export const HOP = 160;
/** 8 kHz samples each side of a frame centre (32 ms window). */
export const HALF_WINDOW = 128;
/** Shortest period searched, in 8 kHz samples (500 Hz). */
export const MIN_LAG = 16;
/** Longest period searched, in 8 kHz samples (50 Hz). */
export const MAX_LAG = 160;
/** A local maximum wins when its NCCF is at least this share of the best one. */
export const PEAK_SHARE = 0.9;
/** Least NCCF at the chosen lag for a voiced frame. */
export const VOICED_NCCF = 0.5;
/** Least mean square of the 8 kHz window for a voiced frame (about -60 dBFS). */
export const ENERGY_FLOOR = 1e-6;

const RATE_8K_HZ = 8000;
const WINDOW = 2 * HALF_WINDOW;
/** r is kept for lags MIN_LAG - 1 .. MAX_LAG + 1 (the parabola's neighbours); r[j] is lag MIN_LAG - 1 + j. */
const LAGS = MAX_LAG - MIN_LAG + 3;
/** Lags are computed in fours: 147 rounded up to 148, the last one (162) unused. */
const LAGS_PADDED = 4 * Math.ceil(LAGS / 4);
/** Samples from a window's start to the end of the last computed lag's window. */
const SPAN = WINDOW + MIN_LAG - 1 + LAGS_PADDED;

/** 16 kHz → 8 kHz by the [1 3 3 1] / 8 filter, x zero outside [0, S); same operation order as Python. */
function decimate(x: Float32Array): Float64Array {
  const n = x.length >> 1;
  const y = new Float64Array(n);
  const at = (k: number) => (k >= 0 && k < x.length ? x[k] : 0);
  for (let i = 0; i < n; i++) y[i] = (at(2 * i - 1) + 3 * x[2 * i] + 3 * x[2 * i + 1] + at(2 * i + 2)) / 8;
  return y;
}

/** `audio` (S,) at 16 kHz → F0 in Hz per 10 ms frame (floor(S / 160),), 0 where unvoiced. */
export function trackPitch(audio: Float32Array): Float64Array {
  const frames = Math.floor(audio.length / HOP);
  const f0 = new Float64Array(frames);
  const y = decimate(audio);
  const seg = new Float64Array(SPAN); // y[c - 128 .. c - 128 + SPAN), zero outside
  const sq = new Float64Array(SPAN + 1); // sq[k] = sum of seg[0 .. k)^2
  const r = new Float64Array(LAGS_PADDED);
  for (let i = 0; i < frames; i++) {
    const from = 80 * i + 40 - HALF_WINDOW;
    for (let k = 0; k < SPAN; k++) {
      const n = from + k;
      seg[k] = n >= 0 && n < y.length ? y[n] : 0;
    }
    let ea = 0;
    for (let k = 0; k < WINDOW; k++) ea += seg[k] * seg[k];
    // Below the floor the frame is unvoiced whatever its NCCF: skip the correlation (silence is cheap).
    if (ea / WINDOW < ENERGY_FLOOR) continue;
    for (let k = 0; k < SPAN; k++) sq[k + 1] = sq[k] + seg[k] * seg[k];
    // Four lags per pass over the window (each sum still adds k = 0, 1, ... in order): twice as fast.
    for (let j = 0; j < LAGS; j += 4) {
      const lag = MIN_LAG - 1 + j;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let k = 0; k < WINDOW; k++) {
        const a = seg[k];
        const b = k + lag;
        c0 += a * seg[b];
        c1 += a * seg[b + 1];
        c2 += a * seg[b + 2];
        c3 += a * seg[b + 3];
      }
      r[j] = c0 / Math.sqrt(ea * (sq[lag + WINDOW] - sq[lag]) + 1e-12);
      r[j + 1] = c1 / Math.sqrt(ea * (sq[lag + 1 + WINDOW] - sq[lag + 1]) + 1e-12);
      r[j + 2] = c2 / Math.sqrt(ea * (sq[lag + 2 + WINDOW] - sq[lag + 2]) + 1e-12);
      r[j + 3] = c3 / Math.sqrt(ea * (sq[lag + 3 + WINDOW] - sq[lag + 3]) + 1e-12);
    }
    let best = -Infinity;
    for (let j = 1; j < LAGS - 1; j++) best = Math.max(best, r[j]);
    // The first local maximum near the best: the shortest period that explains the signal.
    let j = 1;
    while (j < LAGS - 1 && !(r[j] > r[j - 1] && r[j] >= r[j + 1] && r[j] >= PEAK_SHARE * best)) j++;
    if (j === LAGS - 1 || r[j] < VOICED_NCCF) continue;
    const lo = r[j - 1];
    const c = r[j];
    const hi = r[j + 1];
    const den = lo - 2 * c + hi;
    const shift = den < 0 ? (0.5 * (lo - hi)) / den : 0;
    f0[i] = RATE_8K_HZ / (MIN_LAG - 1 + j + shift);
  }
  return f0;
}
