/*
 * Segment boundary flags from similarities, τ and maxSegmentFrames, in two passes around a
 * max-scan (shaders/prefix_scan.wgsl with SCAN_MAX = true):
 *
 *   markBreaks      runStart[t] = t if t == 0 or sim[t] ≤ τ (a similarity break), else 0
 *   (max-scan)      runStart[t] = max(runStart[0..t]) = the start of the run that holds frame t
 *   flagBoundaries  flags[t] = 1 if (t - runStart[t]) % maxSegmentFrames == 0, else 0
 *
 * So each frame learns its run start in O(log T) depth however long the run (all-identical
 * frames included), and boundaries fall every maxSegmentFrames frames from the run's start.
 * One invocation handles one frame in each entry point.
 * Dispatch: ceil(frames / 256) workgroups of 256, folded into (x, y) when that exceeds 65535.
 * τ arrives already rounded down to float32 by the host, so `sim ≤ τ` here equals the twin's
 * float64 comparison for every float32 sim.
 * Twin: segmentBoundaries in src/core/merge.ts.
 */

@group(0) @binding(0) var<storage, read> sim: array<f32>; // [frames]
@group(0) @binding(1) var<storage, read_write> runStart: array<u32>; // [frames]
@group(0) @binding(2) var<storage, read_write> flags: array<u32>; // [frames]
@group(0) @binding(3) var<uniform> params: Params;

struct Params {
  frames: u32,
  maxSegmentFrames: u32,
  tau: f32,
}

const WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn markBreaks(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.frames) {
    return;
  }
  let isBreak = t == 0u || sim[t] <= params.tau;
  runStart[t] = select(0u, t, isBreak);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn flagBoundaries(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.frames) {
    return;
  }
  flags[t] = select(0u, 1u, (t - runStart[t]) % params.maxSegmentFrames == 0u);
}
