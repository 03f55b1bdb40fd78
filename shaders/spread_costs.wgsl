/*
 * Costs of the spread layout (docs/MODELS.md, models.json `layout: "spread"`), in two entry points:
 *
 *   frameNorms   one invocation per frame t: norms[t] = max(sqrt(sum_d x[t,d]^2), 1e-8), channels in
 *                order. Dispatch: ceil(frames / 256) workgroups.
 *   spreadCosts  one invocation per (end frame e, length l), index i = e * maxLen + (l - 1):
 *                cost[i] = l - q / l, q = sum_d acc_d^2 over channels in order, where
 *                acc_d = x[e,d] / norms[e] + x[e-1,d] / norms[e-1] + ... + x[e-l+1,d] / norms[e-l+1]
 *                is summed from frame e backwards: the spread of the l frames ending at e (l times one
 *                minus their mean pairwise cosine, self-pairs included). Where the segment would start
 *                before frame 0 (l > e + 1) it writes INVALID_COST instead; the host reads those entries
 *                as +Infinity (GpuMerger.spreadCosts), and the layout's DP never reads them.
 *                Dispatch: ceil(frames * maxLen / 256) workgroups.
 *
 * Workgroups of 256, folded into (x, y) when their count exceeds 65535 (index = gid.x + gid.y *
 * num_workgroups.x * 256; invocations past the end return).
 * Twin: spreadCosts in src/core/spread-layout.ts (float64, the same sums in the same order); this
 * kernel is float32, within 1e-5 of it on real features (docs/KERNELS.md).
 */

@group(0) @binding(0) var<storage, read> x: array<f32>; // semantic features [frames, dim], row-major
@group(0) @binding(1) var<storage, read_write> norms: array<f32>; // [frames]
@group(0) @binding(2) var<storage, read_write> cost: array<f32>; // [frames, maxLen], row-major
@group(0) @binding(3) var<uniform> params: Params;

struct Params {
  frames: u32,
  dim: u32,
  maxLen: u32,
}

const WORKGROUP_SIZE: u32 = 256u;
/** Guards a zero frame's unit vector (SPREAD_NORM_EPSILON of the twin). */
const NORM_EPSILON: f32 = 1e-8;
/** Written where e - l + 1 < 0: finite (WGSL may assume no infinities), above every real cost (≤ maxLen). */
const INVALID_COST: f32 = 3.0e38;

@compute @workgroup_size(WORKGROUP_SIZE)
fn frameNorms(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.frames) {
    return;
  }
  let row = t * params.dim;
  var norm2 = 0.0;
  for (var d = 0u; d < params.dim; d++) {
    let v = x[row + d];
    norm2 += v * v;
  }
  norms[t] = max(sqrt(norm2), NORM_EPSILON);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn spreadCosts(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.frames * params.maxLen) {
    return;
  }
  let e = i / params.maxLen;
  let l = i % params.maxLen + 1u;
  if (l > e + 1u) {
    cost[i] = INVALID_COST;
    return;
  }
  var q = 0.0;
  for (var d = 0u; d < params.dim; d++) {
    var acc = 0.0;
    for (var j = 0u; j < l; j++) {
      let t = e - j;
      acc += x[t * params.dim + d] / norms[t];
    }
    q += acc * acc;
  }
  let frameCount = f32(l);
  cost[i] = frameCount - q / frameCount;
}
