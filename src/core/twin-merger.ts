/** The `Merger` on the TypeScript twin of the WGSL kernels (Node, unit tests, WebGPU-less fallback). */
import {
  adjacentCosine,
  segmentBoundaries,
  segmentIds,
  segmentLengths,
  segmentMeans,
  segmentTrends,
} from './merge.ts';
import { quantizerPoolsFrames, type ModelConstants } from './manifest.ts';
import { spreadCosts } from './spread-layout.ts';
import type { EncodedFeatures, MergeResult, Merger } from './types.ts';

/** Merges by the rules of docs/MODELS.md with plain loops. */
export class TwinMerger implements Merger {
  constructor(
    private readonly semanticDim: number,
    private readonly acousticDim: number,
    private readonly maxSegmentFrames: number,
    /**
     * Whether merge() pools the segments (means and trends of both streams); false for a model whose
     * quantizer pools the frames itself (formatVersion 3), where they would be computed for nothing.
     */
    private readonly poolSegments = true,
  ) {}

  /** The twin merger a model needs (`poolSegments` from its formatVersion). */
  static for(m: Pick<ModelConstants, 'semanticDim' | 'acousticDim' | 'maxSegmentFrames' | 'formatVersion'>) {
    return new TwinMerger(m.semanticDim, m.acousticDim, m.maxSegmentFrames, !quantizerPoolsFrames(m));
  }

  async similarities(features: EncodedFeatures): Promise<Float32Array> {
    return adjacentCosine(features.semantic, features.frames, this.semanticDim);
  }

  async merge(features: EncodedFeatures, similarities: Float32Array, tau: number): Promise<MergeResult> {
    const flags = segmentBoundaries(similarities, tau, this.maxSegmentFrames);
    const ids = segmentIds(flags);
    const segments = features.frames === 0 ? 0 : ids[ids.length - 1] + 1;
    const lengths = segmentLengths(ids, segments);
    return this.finish(features, tau, ids, lengths);
  }

  async spreadCosts(features: EncodedFeatures): Promise<Float64Array> {
    return spreadCosts(features.semantic, features.frames, this.semanticDim, this.maxSegmentFrames);
  }

  private finish(
    features: EncodedFeatures,
    tau: number,
    ids: Uint32Array,
    lengths: Uint32Array,
  ): MergeResult {
    return meansOf(features, tau, ids, lengths, this.semanticDim, this.acousticDim, this.poolSegments);
  }
}

function meansOf(
  features: EncodedFeatures,
  tau: number,
  ids: Uint32Array,
  lengths: Uint32Array,
  semanticDim: number,
  acousticDim: number,
  pool: boolean,
): MergeResult {
  if (!pool) {
    const none = new Float32Array(0);
    return {
      tau,
      segments: lengths.length,
      lengths,
      semanticMean: none,
      acousticMean: none,
      semanticTrend: none,
      acousticTrend: none,
    };
  }
  return {
    tau,
    segments: lengths.length,
    lengths,
    semanticMean: segmentMeans(features.semantic, semanticDim, ids, lengths),
    acousticMean: segmentMeans(features.acoustic, acousticDim, ids, lengths),
    semanticTrend: segmentTrends(features.semantic, semanticDim, ids, lengths),
    acousticTrend: segmentTrends(features.acoustic, acousticDim, ids, lengths),
  };
}

/**
 * Merges with given segment lengths, ignoring similarity (the fixed-rate ablation, the spread
 * layout); tau is NaN, as no threshold chose them.
 * `pool` false leaves the means and trends empty (a quantizer that pools the frames itself).
 */
export function mergeWithLengths(
  features: EncodedFeatures,
  lengths: Uint32Array,
  semanticDim: number,
  acousticDim: number,
  pool = true,
): MergeResult {
  const ids = new Uint32Array(features.frames);
  let t = 0;
  for (let k = 0; k < lengths.length; k++) for (let p = 0; p < lengths[k]; p++) ids[t++] = k;
  if (t !== features.frames)
    throw new RangeError(`lengths cover ${t} frames, features have ${features.frames}`);
  return meansOf(features, NaN, ids, lengths, semanticDim, acousticDim, pool);
}
