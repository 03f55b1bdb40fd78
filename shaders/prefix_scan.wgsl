/*
 * Inclusive prefix scan of u32 values, in place, for any length: a multi-level block scan.
 * The operator is + (segment ids, K, expansion offsets) or, with the override SCAN_MAX = true,
 * max (each frame's run start). 0 is the identity of both on u32.
 *
 *   scanBlocks       one workgroup scans one block of BLOCK_ITEMS = 256 × 4 values: each
 *                    invocation scans its 4 consecutive values serially, the 256 invocation
 *                    totals are scanned in workgroup memory (Hillis–Steele, 8 steps), and each
 *                    invocation adds its exclusive prefix back. The block's total goes to
 *                    blockSums[block].
 *   addBlockOffsets  after blockSums has itself been scanned (recursively, by the same two
 *                    entry points), every value of block b ≥ 1 is combined with blockSums[b-1].
 *
 * Dispatch, both entry points: ceil(n / 1024) workgroups of 256 (one per block), folded into
 * (x, y) when that exceeds 65535. Levels: n, ceil(n / 1024), ... until one block is left, so
 * 45,000 frames (1 h) take two levels and up to 2^30 values take three.
 * Twins: segmentIds (sum) and the running max in segmentBoundaries, src/core/merge.ts.
 */

@group(0) @binding(0) var<storage, read_write> data: array<u32>; // [n], scanned in place
@group(0) @binding(1) var<storage, read_write> blockSums: array<u32>; // [ceil(n / BLOCK_ITEMS)]
@group(0) @binding(2) var<uniform> params: Params;

struct Params {
  n: u32,
}

/** true: max-scan; false: sum-scan. Set when the pipeline is created. */
override SCAN_MAX: bool = false;

const WORKGROUP_SIZE: u32 = 256u;
const ITEMS_PER_INVOCATION: u32 = 4u;
const BLOCK_ITEMS: u32 = WORKGROUP_SIZE * ITEMS_PER_INVOCATION;

var<workgroup> totals: array<u32, WORKGROUP_SIZE>;

fn combine(a: u32, b: u32) -> u32 {
  if (SCAN_MAX) {
    return max(a, b);
  }
  return a + b;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn scanBlocks(
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let block = wid.x + wid.y * groups.x;
  let base = block * BLOCK_ITEMS + lid.x * ITEMS_PER_INVOCATION;
  var running: array<u32, ITEMS_PER_INVOCATION>;
  var acc = 0u;
  for (var i = 0u; i < ITEMS_PER_INVOCATION; i++) {
    let idx = base + i;
    var v = 0u;
    if (idx < params.n) {
      v = data[idx];
    }
    acc = combine(acc, v);
    running[i] = acc;
  }
  totals[lid.x] = acc;
  workgroupBarrier();
  for (var offset = 1u; offset < WORKGROUP_SIZE; offset <<= 1u) {
    var left = 0u;
    if (lid.x >= offset) {
      left = totals[lid.x - offset];
    }
    workgroupBarrier();
    totals[lid.x] = combine(totals[lid.x], left);
    workgroupBarrier();
  }
  var prefix = 0u;
  if (lid.x > 0u) {
    prefix = totals[lid.x - 1u];
  }
  for (var i = 0u; i < ITEMS_PER_INVOCATION; i++) {
    let idx = base + i;
    if (idx < params.n) {
      data[idx] = combine(prefix, running[i]);
    }
  }
  let blocks = (params.n + BLOCK_ITEMS - 1u) / BLOCK_ITEMS;
  if (lid.x == WORKGROUP_SIZE - 1u && block < blocks) {
    blockSums[block] = totals[WORKGROUP_SIZE - 1u];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn addBlockOffsets(
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let block = wid.x + wid.y * groups.x;
  let blocks = (params.n + BLOCK_ITEMS - 1u) / BLOCK_ITEMS;
  if (block == 0u || block >= blocks) {
    return;
  }
  let offset = blockSums[block - 1u];
  let base = block * BLOCK_ITEMS + lid.x * ITEMS_PER_INVOCATION;
  for (var i = 0u; i < ITEMS_PER_INVOCATION; i++) {
    let idx = base + i;
    if (idx < params.n) {
      data[idx] = combine(offset, data[idx]);
    }
  }
}
