/**
 * Rate control: pick the merge threshold τ whose segment count K gives an average frame rate
 * 12.5 · K / T closest to a target. The count is a step function of τ that only changes at the
 * similarity values themselves, and never decreases as τ grows (more breaks can only split
 * runs), so we bisect over the sorted distinct similarities: exact, and log2(T) counts.
 */
import { countSegments } from './merge.ts';

/** The outcome of a τ search. */
export interface TauChoice {
  /** Threshold to merge with: a new segment starts where sim ≤ tau. */
  tau: number;
  segments: number;
  /** 12.5 · K / T, the frame rate this τ achieves on these frames. */
  achievedRateHz: number;
}

/** Below every cosine (≥ -1), so only the max-length rule splits: the lowest rate. */
export const TAU_NO_BREAKS = -2;

/** Frame rate of K segments over T frames at `frameRateHz` (12.5). */
export function segmentRateHz(segments: number, frames: number, frameRateHz: number): number {
  return frames === 0 ? 0 : (frameRateHz * segments) / frames;
}

/**
 * Finds τ so that the rate is as close as possible to `targetRateHz`. Ties go to the higher
 * rate. τ = 1 (or the largest similarity, if rounding put one above 1) gives one segment a frame.
 */
export function searchTau(
  sim: Float32Array,
  targetRateHz: number,
  frameRateHz: number,
  maxSegmentFrames: number,
): TauChoice {
  const frames = sim.length;
  // Candidate thresholds: "no similarity break", then each distinct similarity value ascending.
  const sorted = Float32Array.from(sim.subarray(1)).sort();
  const candidates: number[] = [TAU_NO_BREAKS];
  for (let i = 0; i < sorted.length; i++) {
    if (Number.isNaN(sorted[i])) continue;
    if (sorted[i] !== candidates[candidates.length - 1]) candidates.push(sorted[i]);
  }
  const rateAt = (i: number) =>
    segmentRateHz(countSegments(sim, candidates[i], maxSegmentFrames), frames, frameRateHz);
  // Smallest candidate index whose rate reaches the target (rate is non-decreasing in the index).
  let lo = 0;
  let hi = candidates.length - 1;
  if (rateAt(hi) < targetRateHz) lo = hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rateAt(mid) >= targetRateHz) hi = mid;
    else lo = mid + 1;
  }
  let pick = lo;
  if (pick > 0 && targetRateHz - rateAt(pick - 1) < rateAt(pick) - targetRateHz) pick--;
  const tau = robustTau(candidates, pick);
  const segments = countSegments(sim, tau, maxSegmentFrames);
  return { tau, segments, achievedRateHz: segmentRateHz(segments, frames, frameRateHz) };
}

/**
 * A threshold strictly inside the step of candidate `i`: halfway to the next candidate, so a
 * GPU's float32 cosine that differs in the last bit still lands on the same side.
 */
function robustTau(candidates: number[], i: number): number {
  if (i === candidates.length - 1) return Math.max(1, candidates[i]);
  if (i === 0) return TAU_NO_BREAKS;
  return (candidates[i] + candidates[i + 1]) / 2;
}

/**
 * Fixed-rate segmentation for the paper's ablation: segment boundaries at round(k · 12.5 / target),
 * ignoring similarity, so every segment has length round(12.5 / target) when that is an integer
 * (6.25 Hz → 2) and the average rate still matches the target otherwise. Lengths ≤ maxSegmentFrames.
 */
export function fixedRateLengths(
  frames: number,
  targetRateHz: number,
  frameRateHz: number,
  maxSegmentFrames: number,
): Uint32Array {
  const step = Math.min(maxSegmentFrames, Math.max(1, frameRateHz / targetRateHz));
  const lengths: number[] = [];
  let start = 0;
  for (let k = 1; start < frames; k++) {
    const end = Math.min(frames, Math.max(start + 1, Math.round(k * step)));
    lengths.push(Math.min(end - start, maxSegmentFrames));
    start += lengths[lengths.length - 1];
  }
  return Uint32Array.from(lengths);
}
