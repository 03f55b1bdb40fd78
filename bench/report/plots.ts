/** Plot data for bench/plots.py, derived from the results (the Python side only draws). */
import { kernelWithTransferMs, twinMs } from './sections.ts';
import { stageRtfs, totalRtf, type SpeedRow } from './speed.ts';
import type { Results } from './results.ts';
import { TARGET_RTF_60S } from './targets.ts';

/** What plots.py draws, one key per figure. */
export interface PlotData {
  subtitle: string;
  rtf: { targetRtf: number; series: { label: string; seconds: number[]; rtf: number[] }[] };
  stages: { label: string; stages: Record<string, number> }[];
  kernels: { frames: number[]; twin: number[]; kernels: number[]; resident: number[]; adapter: string };
  codecs: { label: string; bitrateBps: number; rtf: number }[];
}

/** Builds every figure's data from the results. */
export function plotData(r: Results, rows: SpeedRow[]): PlotData {
  const platforms = [...new Set(rows.map((x) => x.platform))];
  const stages = platforms.map((p) => {
    // The longest run up to 60 s: what every platform measured, as RTF shares of each stage.
    const x = rows.filter((y) => y.platform === p && y.seconds <= 60).at(-1)!;
    const s = x.seconds;
    const r1 = x.run;
    return {
      label: `${p}, ${s} s`,
      stages: stageRtfs(r1, s),
    };
  });
  const codecs: PlotData['codecs'] = [];
  for (const o of r.opus?.runs.filter((x) => x.audioSeconds === 60) ?? [])
    codecs.push({
      label: `Opus ${o.requestedBps / 1000} kbps (WebCodecs)`,
      bitrateBps: o.measuredBps,
      rtf: (o.encodeMs + o.decodeMs) / 1000 / o.audioSeconds,
    });
  for (const x of rows.filter((y) => y.seconds === 60))
    codecs.push({
      label: `FlexiCodec 6.25 Hz, ${x.platform}`,
      bitrateBps: x.run.bitrateBps,
      rtf: totalRtf(x.run),
    });
  const k = r.kernels?.rows ?? [];
  return {
    subtitle: `${r.machine.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.machine.cores} cores, no GPU`,
    rtf: {
      targetRtf: TARGET_RTF_60S,
      series: platforms.map((p) => {
        const xs = rows.filter((y) => y.platform === p);
        return { label: p, seconds: xs.map((y) => y.seconds), rtf: xs.map((y) => totalRtf(y.run)) };
      }),
    },
    stages,
    kernels: {
      frames: k.map((x) => x.frames),
      twin: k.map(twinMs),
      kernels: k.map(kernelWithTransferMs),
      resident: k.map((x) => x.gpuMergeMs),
      adapter: r.kernels?.adapter ?? '',
    },
    codecs,
  };
}
