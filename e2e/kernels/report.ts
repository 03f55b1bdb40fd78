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

/** One case of the spread-cost kernel against its twin (e2e/kernels/spreadCheck.ts). */
export interface SpreadCaseReport {
  name: string;
  frames: number;
  /** Channels per frame of the merge stream (models.json semanticDim). */
  channels: number;
  /** max |cost_gpu − cost_twin| over the entries that are a segment (l ≤ e + 1). */
  costMaxAbsDiff: number;
  costsCompared: number;
  /** Entries before frame 0 (l > e + 1) that are not +Infinity on both sides. */
  invalidMismatches: number;
  /** One per rate whose DP table fits (spreadCells). */
  rates: SpreadRateReport[];
}

/** The layout the DP picks from the GPU's costs against the twin's, at one rate. */
export interface SpreadRateReport {
  rateHz: number;
  /** spreadSegmentCount; the GPU-picked layout's count and frames covered. */
  segments: number;
  gpuSegments: number;
  gpuFrames: number;
  /** Segments whose length differs between the two layouts. */
  lengthMismatches: number;
  /** Twin total cost of the GPU-picked layout minus the twin's optimum (≥ 0). */
  costGap: number;
  /** 2 · K · costMaxAbsDiff: the most costGap can be from float32 cost errors alone. */
  gapBound: number;
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
