/** The WGSL sources of the merge kernels (shaders/*.wgsl), bundled by Vite as strings. */
import adjacentCosine from '../../../shaders/adjacent_cosine.wgsl?raw';
import segmentBoundaries from '../../../shaders/segment_boundaries.wgsl?raw';
import prefixScan from '../../../shaders/prefix_scan.wgsl?raw';
import segmentMean from '../../../shaders/segment_mean.wgsl?raw';
import expandLengths from '../../../shaders/expand_lengths.wgsl?raw';
import spreadCosts from '../../../shaders/spread_costs.wgsl?raw';

/** One entry per shader file; each file is one kernel (some with several entry points). */
export const WGSL = {
  adjacentCosine,
  segmentBoundaries,
  prefixScan,
  segmentMean,
  expandLengths,
  spreadCosts,
} as const;
