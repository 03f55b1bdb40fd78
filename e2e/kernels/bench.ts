/** Page side of the kernel-vs-twin timing table in docs/KERNELS.md (run by runBench.ts). */
import type { ModelManifest } from '../../src/core/manifest.ts';
import { adjacentCosine, expandLengths } from '../../src/core/merge.ts';
import { searchTau } from '../../src/core/tau.ts';
import { TwinMerger } from '../../src/core/twin-merger.ts';
import type { EncodedFeatures } from '../../src/core/types.ts';
import type { GpuMerger } from '../../src/worker/gpu/gpuMerger.ts';
import type { BenchRow } from './report.ts';
import { seededRandom } from '../../test/helpers/random.ts';
import { correlatedFrames } from './synthetic.ts';

/** The rate the τ of each row is searched for (Hz): mid-slider. */
const BENCH_RATE_HZ = 6.25;

async function medianMs(repeats: number, run: () => Promise<unknown> | unknown): Promise<number> {
  await run(); // warm-up: pipeline caches, JIT
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Median timings of the twin and the kernels (with their transfers) at each frame count. */
export async function benchmark(
  gpu: GpuMerger,
  m: ModelManifest,
  frameCounts: number[],
  repeats: number,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const twin = new TwinMerger(m.semanticDim, m.acousticDim, m.maxSegmentFrames);
  for (const frames of frameCounts) {
    const rand = seededRandom(frames);
    const features: EncodedFeatures = {
      frames,
      semantic: correlatedFrames(frames, m.semanticDim, frames),
      acoustic: Float32Array.from({ length: frames * m.acousticDim }, () => rand() * 8 - 4),
    };
    const sims = adjacentCosine(features.semantic, frames, m.semanticDim);
    const { tau, segments } = searchTau(sims, BENCH_RATE_HZ, m.frameRateHz, m.maxSegmentFrames);
    const twinResult = await twin.merge(features, sims, tau);
    // A fresh features object each time defeats GpuMerger's upload cache: upload + kernel + read-back.
    const fresh = (): EncodedFeatures => ({ ...features });
    const row: BenchRow = {
      label: `${Math.round(frames / m.frameRateHz / 60)} min`,
      frames,
      segments,
      twinSimilaritiesMs: await medianMs(repeats, () =>
        adjacentCosine(features.semantic, frames, m.semanticDim),
      ),
      gpuSimilaritiesMs: await medianMs(repeats, () => gpu.similarities(fresh())),
      twinMergeMs: await medianMs(repeats, () => twin.merge(features, sims, tau)),
      gpuMergeMs: 0,
      gpuMergeToBuffersMs: 0,
      gpuMergeWithUploadMs: await medianMs(repeats, () => gpu.merge(fresh(), Float32Array.from(sims), tau)),
      twinExpandMs: await medianMs(repeats, () => expandLengths(twinResult.lengths)),
      gpuExpandMs: await medianMs(repeats, () => gpu.expandLengths(twinResult.lengths)),
    };
    // Features and similarities resident on the GPU: a slider move re-merging cached features.
    const resident = fresh();
    const gpuSims = await gpu.similarities(resident);
    row.gpuMergeMs = await medianMs(repeats, () => gpu.merge(resident, gpuSims, tau));
    row.gpuMergeToBuffersMs = await medianMs(repeats, async () => {
      const r = await gpu.mergeToBuffers(resident, gpuSims, tau);
      r.semanticMean.destroy();
      r.acousticMean.destroy();
    });
    rows.push(row);
  }
  return rows;
}
