/** What the kernel test page reports to e2e/kernels.spec.ts (plain data; the spec asserts). */

/** One (features, τ) comparison of GpuMerger against the TS twin. */
export interface MergeCaseReport {
  name: string;
  frames: number;
  tau: number;
  /** max |sim_gpu - sim_twin| over frames. */
  simMaxAbsDiff: number;
  /** Frames whose twin similarity lies within NEAR_TAU of τ: either side may break there. */
  nearTauFrames: number;
  /** Frames compared for the next count: those whose run holds no near-τ frame. */
  comparedFrames: number;
  /** GPU flags on GPU similarities vs twin flags on twin similarities, over the compared frames. */
  boundaryMismatches: number;
  /** GPU flags vs twin flags on the very same similarities (must be 0: no tolerance applies). */
  sameSimsBoundaryMismatches: number;
  /** K of GpuMerger.merge, of TwinMerger.merge and of countSegments, all on the GPU similarities. */
  segmentsGpu: number;
  segmentsTwin: number;
  segmentsCounted: number;
  lengthMismatches: number;
  /** max |mean_gpu - mean_twin| / max(1, |mean_twin|) over both streams. */
  meanMaxError: number;
  /** The same for the segment trends (segmentTrend vs segmentTrends). */
  trendMaxError: number;
  meanValuesCompared: number;
  /** Whether the merger pooled the segments (false: a formatVersion 3 model's, lengths only). */
  pooled: boolean;
  /** Values where mergeToBuffers (means left on the GPU) differs from merge(): must be 0. */
  buffersVsReadBackMismatches: number;
  /** Frames where GPU expandLengths differs from the twin (segment or position). */
  expandMismatches: number;
  expandFrames: number;
}

/** One prefix-scan check on n random values. */
export interface ScanReport {
  n: number;
  op: 'sum' | 'max';
  mismatches: number;
  last: number;
  expectedLast: number;
}

/** One standalone expandLengths check. */
export interface ExpandReport {
  name: string;
  segments: number;
  frames: number;
  mismatches: number;
}

/** Adapter found by the page. */
export interface WebGpuReport {
  hasNavigatorGpu: boolean;
  adapter: string | null;
}

/** One row of the kernel-vs-twin timing table (milliseconds, medians). */
export interface BenchRow {
  label: string;
  frames: number;
  segments: number;
  twinSimilaritiesMs: number;
  gpuSimilaritiesMs: number;
  twinMergeMs: number;
  gpuMergeMs: number;
  gpuMergeToBuffersMs: number;
  gpuMergeWithUploadMs: number;
  twinExpandMs: number;
  gpuExpandMs: number;
}
