/**
 * The spread layout (models.json `layout: "spread"`, docs/MODELS.md): exactly round(T · rate / 12.5)
 * segments of 1..maxSegmentFrames frames, placed where the least cosine spread of the merge stream is
 * lost. Twin of training/segments.py (`spread_costs`, `spread_segments_at_rate`, `spread_flags`):
 * every float64 operation is done in the same order, and ties go the same way, so the runtime codes
 * the layout the model was trained on, to the frame (test/fixtures/spread-layout.json).
 */

/** Guards a zero frame's unit vector: u = x / max(|x|, 1e-8), as training/segments.py. */
export const SPREAD_NORM_EPSILON = 1e-8;

/**
 * The most dynamic-programming cells `spreadLengths` fills (one byte each, 64 MiB): far above an
 * encoder window's (375 frames: at most 31,000 cells), reached only by a one-pass plan over long audio.
 */
export const MAX_SPREAD_CELLS = 64 * 2 ** 20;

/** The choice array stores lengths in bytes. */
const MAX_SPREAD_SEGMENT_FRAMES = 255;

/**
 * costs [frames · maxSegmentFrames]: costs[e · maxLen + l − 1] is the spread of the l frames ending at
 * frame e, l − |u[e] + u[e−1] + … + u[e−l+1]|² / l with u each frame's unit vector (l times one minus
 * their mean pairwise cosine, self-pairs included); +Infinity where the segment would start before
 * frame 0. `x` is row-major [frames, dim].
 */
export function spreadCosts(
  x: Float32Array,
  frames: number,
  dim: number,
  maxSegmentFrames: number,
): Float64Array {
  if (x.length !== frames * dim) throw new RangeError(`spreadCosts: ${x.length} values for ${frames}×${dim}`);
  const maxLen = maxSegmentFrames;
  // max(|x[t]|, ε), with |x|² summed over channels in order from 0, as segments.py's norm2.
  const denominators = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    let norm2 = 0;
    for (let d = 0; d < dim; d++) norm2 += x[t * dim + d] * x[t * dim + d];
    denominators[t] = Math.max(Math.sqrt(norm2), SPREAD_NORM_EPSILON);
  }
  const costs = new Float64Array(frames * maxLen).fill(Infinity);
  const acc = new Float64Array(dim);
  for (let e = 0; e < frames; e++) {
    acc.fill(0);
    for (let l = 1; l <= Math.min(maxLen, e + 1); l++) {
      // acc = u[e] + u[e−1] + … + u[e−l+1], one frame added per length; u divided, not multiplied by
      // a reciprocal, so each value is the very float64 segments.py computes.
      const s = e - l + 1;
      const den = denominators[s];
      let q = 0;
      for (let d = 0; d < dim; d++) {
        acc[d] += x[s * dim + d] / den;
        q += acc[d] * acc[d];
      }
      costs[e * maxLen + l - 1] = l - q / l;
    }
  }
  return costs;
}

/**
 * Segments of the spread layout at `rateHz` over `frames` frames: round(T · rate / 12.5), halves up,
 * within [⌈T / maxLen⌉, T] (segments.py `spread_segments_at_rate`).
 */
export function spreadSegmentCount(
  frames: number,
  rateHz: number,
  frameRateHz: number,
  maxSegmentFrames: number,
): number {
  const nearest = Math.floor((frames * rateHz) / frameRateHz + 0.5);
  return Math.min(frames, Math.max(Math.ceil(frames / maxSegmentFrames), nearest, frames > 0 ? 1 : 0));
}

/**
 * The end positions (frames covered, 0..T) the DP keeps for k segments: those both reachable with k
 * segments of 1..maxLen frames and from which the other K − k can still cover the rest.
 */
function band(k: number, frames: number, maxLen: number, segments: number): [number, number] {
  const left = segments - k;
  return [Math.max(k, frames - left * maxLen), Math.min(k * maxLen, frames - left)];
}

/**
 * DP cells `spreadLengths` fills for `segments` segments over `frames` frames; throws RangeError
 * where no such layout exists or it would need more than MAX_SPREAD_CELLS.
 */
export function spreadCells(frames: number, maxSegmentFrames: number, segments: number): number {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`spread layout: ${frames} frames`);
  if (!Number.isInteger(segments) || segments < 0)
    throw new RangeError(`spread layout: ${segments} segments`);
  if (
    !Number.isInteger(maxSegmentFrames) ||
    maxSegmentFrames < 1 ||
    maxSegmentFrames > MAX_SPREAD_SEGMENT_FRAMES
  )
    throw new RangeError(`spread layout: maxSegmentFrames ${maxSegmentFrames} outside 1..255`);
  if (segments > frames || segments * maxSegmentFrames < frames || (frames > 0 && segments === 0))
    throw new RangeError(
      `spread layout: ${segments} segments of 1..${maxSegmentFrames} frames cannot cover ${frames} frames`,
    );
  let cells = 0;
  for (let k = 1; k <= segments; k++) {
    const [lo, hi] = band(k, frames, maxSegmentFrames, segments);
    cells += hi - lo + 1;
  }
  if (cells > MAX_SPREAD_CELLS)
    throw new RangeError(
      `spread layout: ${segments} segments over ${frames} frames need ${cells} DP cells, more than ` +
        `${MAX_SPREAD_CELLS}; encode in windows (the default plan's 375 frames need at most 31,000)`,
    );
  return cells;
}

/**
 * The lengths, in order, of the `segments` segments of 1..maxLen frames over `frames` frames whose
 * costs (spreadCosts, or the GPU's float32 copy) add up least: segments.py `spread_flags`.
 *
 * best[k][e], the least cost of k segments covering frames [0, e), is min over l = 1..min(maxLen, e) of
 * best[k−1][e−l] + (costs[(e−1) · maxLen + l − 1] + lengthPenalty · l²), summed in float64, the first minimum in l winning
 * (strict <, np.argmin's rule). Rows go one k at a time with two rows kept, and only the band of
 * (k, e) cells that can lie on a layout of exactly K segments is filled: every cell there picks the
 * l segments.py picks (each finite candidate's predecessor is in the previous row's band, the rest
 * read +Infinity as there), and the path back from (K, T) never leaves the band.
 */
export function spreadLengths(
  costs: ArrayLike<number>,
  frames: number,
  maxSegmentFrames: number,
  segments: number,
  lengthPenalty = 0,
): Uint32Array {
  const maxLen = maxSegmentFrames;
  const cells = spreadCells(frames, maxLen, segments);
  if (costs.length !== frames * maxLen)
    throw new RangeError(`spread layout: ${costs.length} costs for ${frames} frames × ${maxLen} lengths`);
  for (let i = 0; i < costs.length; i++)
    if (Number.isNaN(costs[i]))
      throw new RangeError(`spread layout: cost ${i} is NaN (features not finite?)`);
  const choice = new Uint8Array(cells);
  const rowStart = new Uint32Array(segments + 1);
  let prev = new Float64Array(frames + 1);
  let cur = new Float64Array(frames + 1);
  prev[0] = 0; // row 0: only e = 0 (nothing covered) is in its band
  let [prevLo, prevHi] = [0, 0];
  let at = 0;
  for (let k = 1; k <= segments; k++) {
    const [lo, hi] = band(k, frames, maxLen, segments);
    rowStart[k] = at;
    for (let e = lo; e <= hi; e++, at++) {
      const row = (e - 1) * maxLen;
      let bestLength = 0;
      let bestCost = Infinity;
      for (let l = 1, n = Math.min(maxLen, e); l <= n; l++) {
        const s = e - l;
        // The penalty is added to the cost before the sum, as segments.py adds it inside the cost.
        const cost = costs[row + l - 1] + lengthPenalty * l * l;
        const v = (s >= prevLo && s <= prevHi ? prev[s] : Infinity) + cost;
        if (l === 1 || v < bestCost) {
          bestCost = v;
          bestLength = l;
        }
      }
      cur[e] = bestCost;
      choice[at] = bestLength;
    }
    [prev, cur] = [cur, prev];
    [prevLo, prevHi] = [lo, hi];
  }
  const lengths = new Uint32Array(segments);
  let e = frames;
  for (let k = segments; k >= 1; k--) {
    const [lo] = band(k, frames, maxLen, segments);
    lengths[k - 1] = choice[rowStart[k] + e - lo];
    e -= lengths[k - 1];
  }
  if (e !== 0) throw new Error(`spread layout: the path back ended at frame ${e}, not 0`);
  return lengths;
}
