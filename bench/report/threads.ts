/** The WASM threads section: the app's thread count against one thread, 60 s, in the same bench run. */
import { stageMs, totalRtf } from './speed.ts';
import { ratio, table } from './format.ts';
import type { Results } from './results.ts';
import type { BrowserPipelineResult } from '../browser-bench.ts';
import { MAX_WASM_THREADS, wasmThreadCount } from '../../src/worker/wasm-threads.ts';

const SECONDS = 60;

/** What the worker and ORT's own default give this machine's cores (the section's first paragraph). */
function threadsIntro(r: Results): string {
  const cores = r.machine.machine.cores;
  // ORT's default when numThreads is unset: half the logical cores, at most 4 (onnxruntime-web 1.30).
  const ortDefault = Math.min(MAX_WASM_THREADS, Math.ceil(cores / 2));
  const app = wasmThreadCount(cores, true);
  return (
    `The worker gives onnxruntime-web's WASM backend every logical core up to ${MAX_WASM_THREADS} ` +
    "(`src/worker/wasm-threads.ts`; threads need the page's cross-origin isolation): " +
    `${app} on this ${cores}-core machine, where ORT's own default, half the cores, is ${ortDefault}. ` +
    'The same pipeline on one thread, 60 s, in the same run (the section `browser-wasm-1thread`); ' +
    "the encoder stage is Whisper's asr.onnx windows and encoder.onnx:"
  );
}

/** Markdown for the section (its paragraph and table), or a line saying what is missing. */
export function threadsSection(r: Results): string {
  const runs = [r.wasmOneThread, r.wasm]
    .map((b) => ({ b, d: b?.durations.find((x) => x.seconds === SECONDS) }))
    .filter((x): x is { b: BrowserPipelineResult; d: NonNullable<typeof x.d> } => !!x.b && !!x.d);
  if (runs.length < 2)
    return '_Not measured in the last run: `BENCH_SECTIONS=browser-wasm,browser-wasm-1thread npm run bench`._';
  const base = totalRtf(runs[0].d.run);
  const rows = table(
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
  return `${threadsIntro(r)}\n\n${rows}`;
}
