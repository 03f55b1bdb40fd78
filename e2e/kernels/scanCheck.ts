/** Standalone checks of the prefix scan and the length expansion against plain loops. */
import { expandLengths } from '../../src/core/merge.ts';
import { Scratch, submitAndRead } from '../../src/worker/gpu/dispatch.ts';
import type { GpuMerger } from '../../src/worker/gpu/gpuMerger.ts';
import { GpuPrefixScan } from '../../src/worker/gpu/prefixScan.ts';
import type { ExpandReport, ScanReport } from './report.ts';
import { seededRandom } from '../../test/helpers/random.ts';

/** Scans n seeded random values on the GPU (sum: 0..7 each; max: sparse positions) and counts wrong outputs. */
export async function checkScan(device: GPUDevice, n: number, op: 'sum' | 'max'): Promise<ScanReport> {
  const rand = seededRandom(n * 2 + (op === 'max' ? 1 : 0));
  const values = new Uint32Array(n);
  for (let i = 0; i < n; i++) values[i] = op === 'sum' ? Math.floor(rand() * 8) : rand() < 0.01 ? i : 0;
  const expected = new Uint32Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc = op === 'sum' ? acc + values[i] : Math.max(acc, values[i]);
    expected[i] = acc;
  }
  const scan = await GpuPrefixScan.create(device);
  const scratch = new Scratch(device);
  try {
    const data = scratch.upload(values);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    scan.encode(pass, data, n, op, scratch);
    pass.end();
    const [bytes] = await submitAndRead(device, encoder, [{ buffer: data, bytes: n * 4 }]);
    const got = new Uint32Array(bytes);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (got[i] !== expected[i]) mismatches++;
    return { n, op, mismatches, last: got[n - 1], expectedLast: expected[n - 1] };
  } finally {
    scratch.destroy();
  }
}

/** GPU expandLengths vs the twin on edge-case length lists. */
export async function checkExpand(gpu: GpuMerger): Promise<ExpandReport[]> {
  const rand = seededRandom(11);
  const cases: [string, number[]][] = [
    ['one segment of 1', [1]],
    ['one segment of 8', [8]],
    ['all ones x1000', Array.from({ length: 1000 }, () => 1)],
    ['random 1..8 x45000', Array.from({ length: 45_000 }, () => 1 + Math.floor(rand() * 8))],
    ['with zero lengths x5000', Array.from({ length: 5000 }, () => Math.floor(rand() * 9))],
    ['leading and trailing zeros', [0, 0, 3, 0, 2, 0]],
  ];
  const reports: ExpandReport[] = [];
  for (const [name, lengths] of cases) {
    const twin = expandLengths(lengths);
    const got = await gpu.expandLengths(lengths);
    let mismatches = Math.abs(got.frameSegment.length - twin.frameSegment.length);
    for (let t = 0; t < Math.min(got.frameSegment.length, twin.frameSegment.length); t++) {
      if (got.frameSegment[t] !== twin.frameSegment[t] || got.framePosition[t] !== twin.framePosition[t])
        mismatches++;
    }
    reports.push({ name, segments: lengths.length, frames: twin.frameSegment.length, mismatches });
  }
  return reports;
}
