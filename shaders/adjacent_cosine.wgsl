/*
 * Adjacent-frame cosine similarity of the semantic stream.
 *
 * One invocation computes one frame t: sim[t] = x[t-1]·x[t] / max(|x[t-1]| |x[t]|, 1e-8) for t ≥ 1,
 * and sim[0] = -1 (frame 0 always starts a segment).
 * Dispatch: ceil(frames / 256) workgroups of 256, folded into (x, y) when that exceeds 65535
 * (index = gid.x + gid.y * num_workgroups.x * 256; invocations past `frames` return).
 * Twin: adjacentCosine in src/core/merge.ts (same epsilon, COSINE_EPSILON).
 */

@group(0) @binding(0) var<storage, read> x: array<f32>; // semantic features [frames, dim], row-major
@group(0) @binding(1) var<storage, read_write> sim: array<f32>; // [frames]
@group(0) @binding(2) var<uniform> params: Params;

struct Params {
  frames: u32,
  dim: u32,
}

const WORKGROUP_SIZE: u32 = 256u;
const COSINE_EPSILON: f32 = 1e-8;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.frames) {
    return;
  }
  if (t == 0u) {
    sim[0] = -1.0;
    return;
  }
  let a = (t - 1u) * params.dim;
  let b = t * params.dim;
  var dotProduct = 0.0;
  var na = 0.0;
  var nb = 0.0;
  for (var i = 0u; i < params.dim; i++) {
    let u = x[a + i];
    let v = x[b + i];
    dotProduct += u * v;
    na += u * u;
    nb += v * v;
  }
  sim[t] = dotProduct / max(sqrt(na) * sqrt(nb), COSINE_EPSILON);
}
