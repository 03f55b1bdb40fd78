/** Synthetic encoder features for the kernel tests: edge cases and long inputs, deterministic. */
import type { EncodedFeatures } from '../../src/core/types.ts';
import { seededRandom } from '../../test/helpers/random.ts';

/** Row-major [frames, dim] of `fill(t, i)`. */
function matrix(frames: number, dim: number, fill: (t: number, i: number) => number): Float32Array {
  const x = new Float32Array(frames * dim);
  for (let t = 0; t < frames; t++) for (let i = 0; i < dim; i++) x[t * dim + i] = fill(t, i);
  return x;
}

/**
 * Frames of an AR(1) process x[t] = ρ x[t-1] + √(1-ρ²) noise whose correlation ρ = 1 - 10^v
 * wanders (v in [-4, 0.1]), so adjacent cosines (≈ ρ) spread over [-0.26, 0.9999] on a log
 * scale near 1: long similar runs (steady vowels) and sharp changes (transients), like speech.
 */
export function correlatedFrames(frames: number, dim: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const x = new Float32Array(frames * dim);
  let v = -1;
  for (let t = 0; t < frames; t++) {
    v = Math.min(0.1, Math.max(-4, v + (rand() - 0.5) * 0.6));
    const keep = t === 0 ? 0 : 1 - 10 ** v;
    const fresh = Math.sqrt(1 - keep * keep);
    for (let i = 0; i < dim; i++) {
      const prev = t === 0 ? 0 : x[(t - 1) * dim + i];
      x[t * dim + i] = keep * prev + fresh * (rand() * 2 - 1);
    }
  }
  return x;
}

/** Dimensions of the features (from models.json). */
export interface Dims {
  semanticDim: number;
  acousticDim: number;
}

/** A named synthetic input; `dims` when they differ from the model's. */
export interface SyntheticCase {
  name: string;
  features: EncodedFeatures;
  dims?: Dims;
}

/** Channel counts that are not multiples of 4: the scalar segmentMean entry point runs. */
export const ODD_DIMS: Dims = { semanticDim: 7, acousticDim: 10 };

function features(frames: number, semantic: Float32Array, dims: Dims, seed: number): EncodedFeatures {
  const rand = seededRandom(seed ^ 0x5bd1e995);
  const acoustic = matrix(frames, dims.acousticDim, () => rand() * 8 - 4);
  return { frames, semantic, acoustic };
}

/** Frames of 1 h at 12.5 Hz: enough for a two-level prefix scan. */
export const HOUR_FRAMES = 45_000;

/** The synthetic edge cases; each is merged at every τ of TAUS. */
export function syntheticCases(dims: Dims): SyntheticCase[] {
  const d = dims.semanticDim;
  const rand = seededRandom(7);
  // ±0.5 entries: |x|² = d/4 and every dot product is exact in float32, so identical frames
  // give a cosine of exactly 1 and opposite frames exactly -1 on both sides.
  const signs = Array.from({ length: d }, () => (rand() < 0.5 ? -0.5 : 0.5));
  return [
    { name: 'T=1', features: features(1, correlatedFrames(1, d, 1), dims, 1) },
    { name: 'T=2', features: features(2, correlatedFrames(2, d, 2), dims, 2) },
    {
      name: 'identical x100',
      features: features(
        100,
        matrix(100, d, (_t, i) => signs[i]),
        dims,
        3,
      ),
    },
    { name: 'zeros x50', features: features(50, new Float32Array(50 * d), dims, 4) },
    {
      name: 'zeros and identical blocks x64',
      features: features(
        64,
        matrix(64, d, (t, i) => (Math.floor(t / 11) % 2 === 0 ? 0 : signs[i])),
        dims,
        5,
      ),
    },
    {
      name: 'alternating opposite x40',
      features: features(
        40,
        matrix(40, d, (t, i) => (t % 2 === 0 ? signs[i] : -signs[i])),
        dims,
        6,
      ),
    },
    { name: 'correlated x3000', features: features(3000, correlatedFrames(3000, d, 8), dims, 8) },
    {
      name: `correlated x${HOUR_FRAMES} (1 h)`,
      features: features(HOUR_FRAMES, correlatedFrames(HOUR_FRAMES, d, 9), dims, 9),
    },
    {
      name: 'odd channel counts (7, 10) x3000',
      features: features(3000, correlatedFrames(3000, ODD_DIMS.semanticDim, 10), ODD_DIMS, 10),
      dims: ODD_DIMS,
    },
  ];
}

/** Thresholds every case is merged at: below every cosine, the brief's four, and τ = 1 (12.5 Hz). */
export const TAUS = [-2, -1, 0.5, 0.8, 0.9, 1.0];
