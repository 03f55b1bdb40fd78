/**
 * The spread-cost kernel (shaders/spread_costs.wgsl, through GpuMerger.spreadCosts) against its twin
 * (src/core/spread-layout.ts spreadCosts) on the same features, and the layouts the DP picks from each.
 */
import { spreadCells, spreadCosts, spreadLengths, spreadSegmentCount } from '../../src/core/spread-layout.ts';
import type { EncodedFeatures } from '../../src/core/types.ts';
import type { GpuMerger, MergerFeatures } from '../../src/worker/gpu/gpuMerger.ts';
import type { SpreadCaseReport, SpreadRateReport } from './report.ts';

/** Rates every case is laid out at (Hz): the slider's ends, the fixture's and the UI test's. */
export const SPREAD_RATES_HZ = [12.5, 9, 6.25, 4.5, 3, 1.5625];

/** Twin total of a layout's costs, summed left to right as the DP adds them. */
function totalCost(costs: Float64Array, lengths: Uint32Array, maxLen: number): number {
  let total = 0;
  let end = 0;
  for (const l of lengths) {
    end += l;
    total += costs[(end - 1) * maxLen + l - 1];
  }
  return total;
}

/** One rate: the twin's layout on the twin's costs against the layout the DP picks from the GPU's. */
function compareRate(
  twin: Float64Array,
  gpu: Float32Array,
  frames: number,
  maxLen: number,
  rateHz: number,
  costMaxAbsDiff: number,
): SpreadRateReport | undefined {
  const segments = spreadSegmentCount(frames, rateHz, 12.5, maxLen);
  try {
    spreadCells(frames, maxLen, segments);
  } catch {
    return undefined; // a one-pass table too large (the 1 h case below 12.5 Hz): the codec refuses it too
  }
  const twinLengths = spreadLengths(twin, frames, maxLen, segments);
  const gpuLengths = spreadLengths(gpu, frames, maxLen, segments);
  let lengthMismatches = 0;
  for (let k = 0; k < segments; k++) if (twinLengths[k] !== gpuLengths[k]) lengthMismatches++;
  return {
    rateHz,
    segments,
    gpuSegments: gpuLengths.length,
    gpuFrames: gpuLengths.reduce((a, b) => a + b, 0),
    lengthMismatches,
    costGap: totalCost(twin, gpuLengths, maxLen) - totalCost(twin, twinLengths, maxLen),
    // Each of the K costs of either layout moves by at most costMaxAbsDiff between twin and GPU, so the
    // GPU's optimum can cost at most 2·K·that more than the twin's, measured in twin costs.
    gapBound: 2 * segments * costMaxAbsDiff,
  };
}

/** Compares GpuMerger.spreadCosts on `gpuFeatures` with the twin on `features` (the same values). */
export async function compareSpread(
  name: string,
  gpu: GpuMerger,
  features: EncodedFeatures,
  gpuFeatures: MergerFeatures,
  dims: { semanticDim: number; maxSegmentFrames: number },
): Promise<SpreadCaseReport> {
  const { frames } = features;
  const maxLen = dims.maxSegmentFrames;
  const twin = spreadCosts(features.semantic, frames, dims.semanticDim, maxLen);
  const costs = await gpu.spreadCosts(gpuFeatures);
  let costMaxAbsDiff = costs.length === twin.length ? 0 : Infinity;
  let costsCompared = 0;
  let invalidMismatches = 0;
  for (let i = 0; i < Math.min(costs.length, twin.length); i++) {
    if (twin[i] === Infinity) {
      if (costs[i] !== Infinity) invalidMismatches++;
      continue;
    }
    const d = Math.abs(costs[i] - twin[i]);
    if (!(d <= costMaxAbsDiff)) costMaxAbsDiff = d; // NaN propagates as a failure
    costsCompared++;
  }
  const rates: SpreadRateReport[] = [];
  for (const rate of SPREAD_RATES_HZ) {
    const r = compareRate(twin, costs, frames, maxLen, rate, costMaxAbsDiff);
    if (r) rates.push(r);
  }
  return {
    name,
    frames,
    channels: dims.semanticDim,
    costMaxAbsDiff,
    costsCompared,
    invalidMismatches,
    rates,
  };
}
