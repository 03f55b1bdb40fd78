/*
 * Decoder-side expansion of segment lengths back to 12.5 Hz frames.
 *
 * Input: lengths[K] and ends[K], the inclusive sum-scan of lengths (shaders/prefix_scan.wgsl),
 * so segment k covers frames [ends[k] - lengths[k], ends[k]).
 * One invocation handles one frame t: a binary search finds the first k with ends[k] > t
 * (log2 K steps; zero-length segments are skipped naturally), then
 * frameSegment[t] = k and framePosition[t] = t - (ends[k] - lengths[k]).
 * Dispatch: ceil(frames / 256) workgroups of 256, frames = ends[K - 1], folded into (x, y)
 * when that exceeds 65535.
 * Twin: expandLengths in src/core/merge.ts.
 */

@group(0) @binding(0) var<storage, read> lengths: array<u32>; // [segments]
@group(0) @binding(1) var<storage, read> ends: array<u32>; // [segments]
@group(0) @binding(2) var<storage, read_write> frameSegment: array<i32>; // [frames]
@group(0) @binding(3) var<storage, read_write> framePosition: array<f32>; // [frames]
@group(0) @binding(4) var<uniform> params: Params;

struct Params {
  segments: u32,
  frames: u32,
}

const WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.frames) {
    return;
  }
  var lo = 0u;
  var hi = params.segments - 1u;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (ends[mid] > t) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  frameSegment[t] = i32(lo);
  framePosition[t] = f32(t - (ends[lo] - lengths[lo]));
}
