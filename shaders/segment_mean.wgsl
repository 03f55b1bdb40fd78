/*
 * Segment starts, lengths and per-(segment, channel) means, from the inclusive sum-scan of the
 * boundary flags (`counts[t]` = segment id of frame t plus one; K = counts[frames - 1]).
 *
 *   scatterStarts   one invocation per frame t: where a segment starts (t == 0 or
 *                   counts[t] != counts[t-1]), starts[counts[t] - 1] = t.
 *                   Dispatch: ceil(frames / 256) workgroups.
 *   segmentLengths  one invocation per segment k < K (K read on the GPU; dispatched for `frames`,
 *                   the upper bound, so the host needs no round trip): lengths[k] =
 *                   starts[k + 1] (or frames) - starts[k]. Dispatch: ceil(frames / 256).
 *   segmentMean     one invocation per (segment k, channel c): the mean of w · x[t, c] over the
 *                   segment's n frames, summed in frame order in float32 like the twin. With
 *                   params.pooling 0, w = 1: the plain mean. With 1, the trend: w = (2p − (n − 1))
 *                   / (n − 1) at position p = t − start (−1 first frame, +1 last, 0 when n = 1),
 *                   how the stream moves across the segment, which a mean forgets; only for
 *                   models whose quantizer takes it (models.json formatVersion 2).
 *                   Run once per stream and pooling. Dispatch: ceil(segments * dim / 256).
 *   segmentMeanVec4 the same for 4 channels at once (vec4 loads; same sums, lane by lane),
 *                   used when dim is a multiple of 4: a quarter of the invocations, about
 *                   twice as fast on SwiftShader. Dispatch: ceil(segments * dim / 4 / 256).
 * All dispatches fold into (x, y) when the workgroup count exceeds 65535.
 * Twins: segmentLengths, segmentMeans, trendWeight and segmentTrends in src/core/merge.ts.
 */

@group(0) @binding(0) var<storage, read> counts: array<u32>; // [frames], inclusive scan of flags
@group(0) @binding(1) var<storage, read_write> starts: array<u32>; // [segments]
@group(0) @binding(2) var<storage, read_write> lengths: array<u32>; // [segments]
@group(0) @binding(3) var<storage, read> x: array<f32>; // features [frames, dim]
@group(0) @binding(4) var<storage, read_write> means: array<f32>; // [segments, dim]
@group(0) @binding(5) var<uniform> params: Params;
// The same features and means seen as vec4s, for segmentMeanVec4 (dim a multiple of 4).
@group(0) @binding(6) var<storage, read> x4: array<vec4f>; // [frames, dim / 4]
@group(0) @binding(7) var<storage, read_write> means4: array<vec4f>; // [segments, dim / 4]

struct Params {
  frames: u32,
  /** Segment count K; only segmentMean uses it (the others read K from counts). */
  segments: u32,
  /** Channels of x; only the segmentMean entry points use it. */
  dim: u32,
  /** segmentMean entry points: 0 the plain mean, 1 the trend (`poolWeight`). */
  pooling: u32,
}

const WORKGROUP_SIZE: u32 = 256u;

fn invocationIndex(gid: vec3u, groups: vec3u) -> u32 {
  return gid.x + gid.y * groups.x * WORKGROUP_SIZE;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn scatterStarts(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = invocationIndex(gid, groups);
  if (t >= params.frames) {
    return;
  }
  let id = counts[t];
  if (t == 0u || id != counts[t - 1u]) {
    starts[id - 1u] = t;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn segmentLengths(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let k = invocationIndex(gid, groups);
  let segments = counts[params.frames - 1u];
  if (k >= segments) {
    return;
  }
  var end = params.frames;
  if (k + 1u < segments) {
    end = starts[k + 1u];
  }
  lengths[k] = end - starts[k];
}

/**
 * A frame's weight in its segment's pooled value: 1 for the mean (1 · x is x exactly, so the mean
 * is the plain sum), the trend weight otherwise. Twin: trendWeight in src/core/merge.ts.
 */
fn poolWeight(position: u32, frameCount: u32) -> f32 {
  if (params.pooling == 0u) {
    return 1.0;
  }
  if (frameCount < 2u) {
    return 0.0;
  }
  return (2.0 * f32(position) - f32(frameCount - 1u)) / f32(frameCount - 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn segmentMean(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = invocationIndex(gid, groups);
  if (i >= params.segments * params.dim) {
    return;
  }
  let k = i / params.dim;
  let c = i % params.dim;
  let start = starts[k];
  let frameCount = lengths[k];
  var sum = 0.0;
  for (var p = 0u; p < frameCount; p++) {
    sum += poolWeight(p, frameCount) * x[(start + p) * params.dim + c];
  }
  means[i] = sum * (1.0 / f32(frameCount));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn segmentMeanVec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = invocationIndex(gid, groups);
  let dim4 = params.dim / 4u;
  if (i >= params.segments * dim4) {
    return;
  }
  let k = i / dim4;
  let c = i % dim4;
  let start = starts[k];
  let frameCount = lengths[k];
  var sum = vec4f(0.0);
  for (var p = 0u; p < frameCount; p++) {
    sum += poolWeight(p, frameCount) * x4[(start + p) * dim4 + c];
  }
  means4[i] = sum * (1.0 / f32(frameCount));
}

