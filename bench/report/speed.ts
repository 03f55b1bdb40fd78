/** The speed and memory sections: real-time factors, stage split, peak memory per platform. */
import type { PageMemory } from '../browser/main.ts';
import type { PipelineRun } from '../lib/pipeline-run.ts';
import type { Stage, StageMs } from '../lib/timed.ts';
import { duration, mib, ms, ratio, table } from './format.ts';
import type { Results } from './results.ts';

/** One platform's run of one duration. */
export interface SpeedRow {
  platform: string;
  seconds: number;
  run: PipelineRun;
  /** Node: peak RSS of the process. Chromium: peak PSS of all its processes. */
  peakBytes: number;
  pageMemory?: PageMemory;
}

/** Display names of the platforms. */
export const PLATFORM = {
  node: 'Node (onnxruntime-node, CPU)',
  wasm: 'Chromium WASM',
  webgpu: 'Chromium WebGPU (SwiftShader)',
};

/** Every measured (platform, duration), Node first. */
export function speedRows(r: Results): SpeedRow[] {
  const rows: SpeedRow[] = [];
  for (const n of r.node ?? [])
    rows.push({ platform: PLATFORM.node, seconds: n.seconds, run: n.run, peakBytes: n.peakRssMiB * 2 ** 20 });
  for (const b of [r.wasm, r.webgpu]) {
    for (const d of b?.durations ?? [])
      rows.push({
        platform: PLATFORM[b!.backend],
        seconds: d.seconds,
        run: d.run,
        peakBytes: d.peakTreeBytes,
        pageMemory: d.pageMemory,
      });
  }
  return rows;
}

/** One stage's ms (0 where results from before the stage was timed apart lack it). */
export function stageMs(stages: StageMs, stage: Stage): number {
  return stages[stage] ?? 0;
}

/** The stages in pipeline order, each with where its time sits (encode or decode side). */
function stagesOf(run: PipelineRun): [string, number][] {
  return [
    ['vocoder analysis', stageMs(run.encodeStages, 'analysis')],
    ['encoder', stageMs(run.encodeStages, 'encoder')],
    ['merge', stageMs(run.encodeStages, 'merge')],
    ['quantizer', stageMs(run.encodeStages, 'quantizer')],
    ['encode other', run.encodeOtherMs],
    ['decoder', stageMs(run.decodeStages, 'decoder')],
    ['FARGAN', stageMs(run.decodeStages, 'fargan')],
    ['decode other', run.decodeOtherMs],
  ];
}

/** Encode + decode time over audio time. */
export function totalRtf(run: PipelineRun): number {
  return (run.encodeMs + run.decodeMs) / 1000 / run.audioSeconds;
}

/** The row of `platform` at `seconds`, if it ran. */
export function rowOf(rows: SpeedRow[], platform: string, seconds: number): SpeedRow | undefined {
  return rows.find((x) => x.platform === platform && x.seconds === seconds);
}

/** RTF table: encode, decode and both, per platform and duration. */
export function rtfTable(rows: SpeedRow[]): string {
  return table(
    [
      'platform',
      'audio',
      'encode (s)',
      'decode (s)',
      'encode RTF',
      'decode RTF',
      'encode + decode RTF',
      'bitrate (bit/s)',
    ],
    rows.map((x) => [
      x.platform,
      duration(x.seconds),
      (x.run.encodeMs / 1000).toFixed(2),
      (x.run.decodeMs / 1000).toFixed(2),
      ratio(x.run.encodeMs / 1000 / x.seconds),
      ratio(x.run.decodeMs / 1000 / x.seconds),
      ratio(totalRtf(x.run)),
      x.run.bitrateBps.toFixed(0),
    ]),
    'llrrrrrr',
  );
}

/** The stage that took longest in one run, with its share of encode + decode. */
export function slowestStage(run: PipelineRun): { name: string; share: number } {
  const [name, t] = stagesOf(run).reduce((a, b) => (b[1] > a[1] ? b : a));
  return { name, share: t / (run.encodeMs + run.decodeMs) };
}

/** Stage shares of one run as RTF (stage time / audio time), for the figure. */
export function stageRtfs(run: PipelineRun, seconds: number): Record<string, number> {
  return Object.fromEntries(stagesOf(run).map(([name, t]) => [name, t / 1000 / seconds]));
}

/** Stage split in ms. */
export function stageTable(rows: SpeedRow[]): string {
  return table(
    [
      'platform',
      'audio',
      'vocoder analysis',
      'encoder',
      'merge (kernels or twin)',
      'quantizer',
      'encode other',
      '… bitstream write alone',
      'decoder',
      'FARGAN',
      'decode other',
      '… bitstream read alone',
      'slowest stage (share)',
    ],
    rows.map((x) => {
      const s = slowestStage(x.run);
      const e = x.run.encodeStages;
      const d = x.run.decodeStages;
      return [
        x.platform,
        duration(x.seconds),
        ms(stageMs(e, 'analysis')),
        ms(stageMs(e, 'encoder')),
        ms(stageMs(e, 'merge')),
        ms(stageMs(e, 'quantizer')),
        ms(x.run.encodeOtherMs),
        ms(x.run.bitstreamWriteMs),
        ms(stageMs(d, 'decoder')),
        ms(stageMs(d, 'fargan')),
        ms(x.run.decodeOtherMs),
        ms(x.run.bitstreamReadMs),
        `${s.name} (${(100 * s.share).toFixed(0)} %)`,
      ];
    }),
    'llrrrrrrrrrrl',
  );
}

/** Peak memory for 1 and 10 min (and the other durations that ran). */
export function memoryTable(rows: SpeedRow[], r: Results): string {
  const afterLoad = (platform: string, seconds: number): number | undefined => {
    if (platform === PLATFORM.node) {
      const child = r.node?.find((n) => n.seconds === seconds);
      return child ? child.rssAfterLoadMiB * 2 ** 20 : undefined;
    }
    if (platform === PLATFORM.wasm) return r.wasm?.treeBytesAfterLoad;
    return r.webgpu?.treeBytesAfterLoad;
  };
  return table(
    [
      'platform',
      'audio',
      'measure',
      'after model load (MiB)',
      'peak (MiB)',
      'measureUserAgentSpecificMemory after the run (MiB)',
    ],
    rows.map((x) => {
      const pm = x.pageMemory;
      const ua = pm?.available
        ? `${mib(pm.bytes)} (worker ${mib(pm.byScope?.DedicatedWorkerGlobalScope)})`
        : pm
          ? 'unavailable'
          : 'n/a';
      return [
        x.platform,
        duration(x.seconds),
        x.platform === PLATFORM.node ? 'process RSS' : 'all Chromium processes, RssAnon + RssShmem',
        mib(afterLoad(x.platform, x.seconds)),
        mib(x.peakBytes),
        ua,
      ];
    }),
    'lllrrr',
  );
}
