/** The WASM threads section: the app's thread count against one thread, 60 s, in the same bench run. */
import { stageMs, totalRtf } from './speed.ts';
import { ratio, table } from './format.ts';
import type { Results } from './results.ts';
import type { BrowserPipelineResult } from '../browser-bench.ts';

const SECONDS = 60;

/** Markdown for the section, or a line saying what is missing. */
export function threadsSection(r: Results): string {
  const runs = [r.wasmOneThread, r.wasm]
    .map((b) => ({ b, d: b?.durations.find((x) => x.seconds === SECONDS) }))
    .filter((x): x is { b: BrowserPipelineResult; d: NonNullable<typeof x.d> } => !!x.b && !!x.d);
  if (runs.length < 2)
    return '_Not measured in the last run: `BENCH_SECTIONS=browser-wasm,browser-wasm-1thread npm run bench`._';
  const base = totalRtf(runs[0].d.run);
  return table(
    [
      'ORT WASM threads',
      'encode (s)',
      '… asr + encoder stage (s)',
      'decode (s)',
      'encode + decode RTF',
      'vs 1 thread',
    ],
    runs.map(({ b, d }) => [
      String(b.load.wasmThreads ?? '?'),
      (d.run.encodeMs / 1000).toFixed(2),
      (stageMs(d.run.encodeStages, 'encoder') / 1000).toFixed(2),
      (d.run.decodeMs / 1000).toFixed(2),
      ratio(totalRtf(d.run)),
      `${ratio(totalRtf(d.run) / base)}×`,
    ]),
    'lrrrrr',
  );
}
