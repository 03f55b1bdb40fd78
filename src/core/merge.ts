/**
 * TypeScript twin of the WGSL merge kernels (shaders/*.wgsl): cosine similarity of adjacent
 * semantic frames, segment boundaries, segment ids and per-segment means. Node uses this;
 * the browser runs the kernels and an e2e test checks both agree. See docs/MODELS.md.
 */

/** Guards the cosine against zero-norm frames (silence after a ReLU, say). */
export const COSINE_EPSILON = 1e-8;

/** sim[t] = cos(x[t-1], x[t]) for t ≥ 1; sim[0] = -1 (frame 0 always starts a segment). */
export function adjacentCosine(x: Float32Array, frames: number, dim: number): Float32Array {
  const sim = new Float32Array(frames);
  if (frames > 0) sim[0] = -1;
  for (let t = 1; t < frames; t++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    const a = (t - 1) * dim;
    const b = t * dim;
    for (let i = 0; i < dim; i++) {
      const u = x[a + i];
      const v = x[b + i];
      dot += u * v;
      na += u * u;
      nb += v * v;
    }
    sim[t] = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), COSINE_EPSILON);
  }
  return sim;
}

/**
 * Boundary flags: 1 where a segment starts. A segment starts at t = 0, where sim[t] ≤ tau,
 * and every maxSegmentFrames frames inside a run of similar frames (the GPU computes the
 * same rule in parallel from each frame's distance to the last similarity break).
 */
export function segmentBoundaries(sim: Float32Array, tau: number, maxSegmentFrames: number): Uint32Array {
  const frames = sim.length;
  const flags = new Uint32Array(frames);
  let runStart = 0;
  for (let t = 0; t < frames; t++) {
    if (t === 0 || sim[t] <= tau) runStart = t;
    flags[t] = (t - runStart) % maxSegmentFrames === 0 ? 1 : 0;
  }
  return flags;
}

/** Segment id of each frame: inclusive prefix sum of the flags minus one. */
export function segmentIds(flags: Uint32Array): Uint32Array {
  const ids = new Uint32Array(flags.length);
  let sum = 0;
  for (let t = 0; t < flags.length; t++) {
    sum += flags[t];
    ids[t] = sum - 1;
  }
  return ids;
}

/** Frame count of each of the `segments` segments. */
export function segmentLengths(ids: Uint32Array, segments: number): Uint32Array {
  const lengths = new Uint32Array(segments);
  for (let t = 0; t < ids.length; t++) lengths[ids[t]]++;
  return lengths;
}

/** Per-segment mean of frame vectors x [frames, dim] → [segments, dim]. */
export function segmentMeans(
  x: Float32Array,
  dim: number,
  ids: Uint32Array,
  lengths: Uint32Array,
): Float32Array {
  return weightedSegmentMeans(x, dim, ids, lengths, () => 1);
}

/**
 * Weight of the frame at 0-based `position` of a `length`-frame segment in the segment's trend:
 * −1 at the first frame, +1 at the last, 0 for a one-frame segment.
 * Twin: the earlier family's training/model.py trend_weights (retired; commit 1215a19).
 */
export function trendWeight(position: number, length: number): number {
  return length > 1 ? (2 * position - (length - 1)) / (length - 1) : 0;
}

/**
 * Per-segment trend of frame vectors x [frames, dim] → [segments, dim]: the mean of
 * trendWeight · x over the segment's frames, i.e. how the features move across it ((x1 − x0) / 2
 * for two frames, 0 for one). A mean forgets the order of the frames it pools; a model with
 * models.json formatVersion 2 also gets this. Twin: the earlier family's training/model.py
 * segment_trend (retired; commit 1215a19); kernel: segmentMean with pooling 1 in
 * shaders/segment_mean.wgsl.
 */
export function segmentTrends(
  x: Float32Array,
  dim: number,
  ids: Uint32Array,
  lengths: Uint32Array,
): Float32Array {
  return weightedSegmentMeans(x, dim, ids, lengths, (p, n) => Math.fround(trendWeight(p, n)));
}

/**
 * The mean of weight(position, length) · x over each segment's frames, summed in frame order into
 * float32 like the kernel (a weight of 1 adds x itself, so segmentMeans is the plain mean).
 */
function weightedSegmentMeans(
  x: Float32Array,
  dim: number,
  ids: Uint32Array,
  lengths: Uint32Array,
  weight: (position: number, length: number) => number,
): Float32Array {
  const out = new Float32Array(lengths.length * dim);
  let start = 0;
  for (let t = 0; t < ids.length; t++) {
    if (t > 0 && ids[t] !== ids[t - 1]) start = t;
    const w = weight(t - start, lengths[ids[t]]);
    const o = ids[t] * dim;
    const s = t * dim;
    for (let i = 0; i < dim; i++) out[o + i] += w * x[s + i];
  }
  for (let k = 0; k < lengths.length; k++) {
    const inv = 1 / lengths[k];
    for (let i = 0; i < dim; i++) out[k * dim + i] *= inv;
  }
  return out;
}

/** Decoder-side expansion: each frame's segment index and its 0-based position inside the segment. */
export function expandLengths(lengths: ArrayLike<number>): {
  frameSegment: Int32Array;
  framePosition: Float32Array;
} {
  let frames = 0;
  for (let k = 0; k < lengths.length; k++) frames += lengths[k];
  const frameSegment = new Int32Array(frames);
  const framePosition = new Float32Array(frames);
  let t = 0;
  for (let k = 0; k < lengths.length; k++) {
    for (let p = 0; p < lengths[k]; p++, t++) {
      frameSegment[t] = k;
      framePosition[t] = p;
    }
  }
  return { frameSegment, framePosition };
}

/** Number of segments that tau produces, from precomputed similarities (used by the τ search). */
export function countSegments(sim: Float32Array, tau: number, maxSegmentFrames: number): number {
  let count = 0;
  let runStart = 0;
  for (let t = 0; t < sim.length; t++) {
    if (t === 0 || sim[t] <= tau) runStart = t;
    if ((t - runStart) % maxSegmentFrames === 0) count++;
  }
  return count;
}
