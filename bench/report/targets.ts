/**
 * The targets, each met or not with the measured value and its ratio to the limit: issue 29's
 * runtime targets first, then the earlier issues' targets that still apply, each labelled with its issue.
 */
import { kernelWithTransferMs, twinMs } from './sections.ts';
import { PLATFORM, rowOf, stageMs, totalRtf, type SpeedRow } from './speed.ts';
import { duration, mb, ratio, table, verdict } from './format.ts';
import type { Results } from './results.ts';
import { vocoderTargetRows } from './vocoder.ts';

/** Issue 29: Chromium WASM encode + decode RTF at 60 s must be at most this (analysis and FARGAN included). */
export const TARGET_RTF_60S = 0.1;
/** Issue 29: Node encodes and decodes 10 s of speech in under this many ms. */
export const TARGET_NODE_10S_MS = 1000;
/** Issue 29: page load → ready from cache, ms (WASM). */
export const TARGET_READY_CACHED_MS = 2000;
/** Issue 29: raw bytes of all models together, the vocoder files the model needs included (MB = 10^6). */
export const TARGET_MODEL_BYTES = 40e6;
/** Issue 6: RTF at 10 min over RTF at 60 s must be at most this. */
export const TARGET_LINEARITY = 1.2;

type Row = [string, string, string, string, string];

/** "0.52× the limit", or "–" where nothing was measured. */
function ofLimit(value: number | undefined, limit: number): string {
  return value === undefined ? '–' : `${ratio(value / limit)}× the limit`;
}

/** What "all models together" counts, raw bytes: the model files and the vocoder build a device fetches. */
export function modelDownload(
  r: Results,
  build: 'simd' | 'scalar' = 'simd',
): { bytes: number; parts: { file: string; bytes: number }[] } | undefined {
  const s = r.sizes;
  if (!s) return undefined;
  const parts = s.models.map((f) => ({ file: f.file, bytes: f.rawBytes }));
  if (s.vocoder?.needed)
    parts.push(
      { file: s.vocoder[build].file, bytes: s.vocoder[build].rawBytes },
      { file: s.vocoder.weights.file, bytes: s.vocoder.weights.rawBytes },
    );
  return { bytes: parts.reduce((n, p) => n + p.bytes, 0), parts };
}

/** The vocoder module the demo page fetched on its cold WASM load (ready section), if recorded. */
function fetchedVocoderWasm(r: Results): string | undefined {
  const paths = r.ready?.find((x) => x.backend === 'wasm')?.cold.fetchedPaths ?? [];
  return paths
    .find((p) => /\/vocoder\/[^/]+\.wasm$/.test(p))
    ?.split('/')
    .pop();
}

/** The vocoder's share of a run: analysis inside encode, FARGAN inside decode. */
function vocoderNote(row: SpeedRow | undefined): string {
  if (!row) return '';
  const analysis = stageMs(row.run.encodeStages, 'analysis');
  const fargan = stageMs(row.run.decodeStages, 'fargan');
  if (!analysis && !fargan) return '';
  const s = row.seconds;
  return (
    `inside it: vocoder analysis ${ratio(analysis / 1000 / s)} (in encode), ` +
    `FARGAN ${ratio(fargan / 1000 / s)} (in decode), as RTF`
  );
}

/** Issue 29's runtime targets. */
export function targetTable(r: Results, rows: SpeedRow[]): string {
  const out: Row[] = [];
  const wasm60 = rowOf(rows, PLATFORM.wasm, 60);
  const rtf = wasm60 ? totalRtf(wasm60.run) : undefined;
  out.push([
    `encode + decode of 60 s, ${PLATFORM.wasm}: RTF ≤ ${TARGET_RTF_60S}`,
    ratio(rtf),
    ofLimit(rtf, TARGET_RTF_60S),
    verdict(rtf === undefined ? undefined : rtf <= TARGET_RTF_60S),
    vocoderNote(wasm60),
  ]);
  const gpu60 = rowOf(rows, PLATFORM.webgpu, 60);
  if (gpu60) {
    const v = totalRtf(gpu60.run);
    out.push([
      `encode + decode of 60 s, ${PLATFORM.webgpu}`,
      ratio(v),
      ofLimit(v, TARGET_RTF_60S),
      'reported beside it (no target)',
      'SwiftShader runs "GPU" shaders on the same 2 CPU cores',
    ]);
  }
  const node10 = r.node?.find((n) => n.seconds === 10);
  const nodeMs = node10 ? node10.run.encodeMs + node10.run.decodeMs : undefined;
  out.push([
    `Node (onnxruntime-node, CPU): 10 s encoded and decoded in < ${TARGET_NODE_10S_MS / 1000} s`,
    nodeMs === undefined ? '–' : `${(nodeMs / 1000).toFixed(2)} s`,
    ofLimit(nodeMs, TARGET_NODE_10S_MS),
    verdict(nodeMs === undefined ? undefined : nodeMs < TARGET_NODE_10S_MS),
    node10
      ? `models loaded, after one warm-up run; the first run of the process (right after the ` +
        `${(node10.loadMs / 1000).toFixed(2)} s load) took ${(node10.warmupMs / 1000).toFixed(2)} s`
      : '',
  ]);
  const all = modelDownload(r);
  const scalar = modelDownload(r, 'scalar');
  const fetched = fetchedVocoderWasm(r);
  out.push([
    `all models together ≤ ${TARGET_MODEL_BYTES / 1e6} MB raw`,
    all ? `${mb(all.bytes)} MB` : '–',
    ofLimit(all?.bytes, TARGET_MODEL_BYTES),
    verdict(all === undefined ? undefined : all.bytes <= TARGET_MODEL_BYTES),
    all
      ? all.parts.map((p) => `${p.file.split('/').pop()} ${mb(p.bytes)}`).join(' + ') +
        (r.sizes?.vocoder?.needed
          ? `; an engine without WASM SIMD fetches ${r.sizes.vocoder.scalar.file.split('/').pop()} instead: ` +
            `${mb(scalar!.bytes)} MB` +
            (fetched ? `; the demo page fetched ${fetched}` : '')
          : '; this model runs no vocoder') +
        '; the onnxruntime-web binary comes on top (below)'
      : '',
  ]);
  if (!r.ready)
    out.push([
      `ready from cache ≤ ${TARGET_READY_CACHED_MS / 1000} s, WASM`,
      '–',
      '–',
      verdict(undefined),
      '',
    ]);
  for (const x of r.ready ?? []) {
    const v = x.cached.readyMs;
    const gpu = x.backend === 'webgpu';
    out.push([
      gpu
        ? 'ready from cache, WebGPU (SwiftShader)'
        : `ready from cache ≤ ${TARGET_READY_CACHED_MS / 1000} s, WASM`,
      `${(v / 1000).toFixed(2)} s`,
      ofLimit(v, TARGET_READY_CACHED_MS),
      gpu ? 'reported beside it (no target)' : verdict(v <= TARGET_READY_CACHED_MS),
      gpu ? 'SwiftShader compiles and runs the shaders on the CPU' : 'demo page, production build',
    ]);
  }
  return table(['target (issue 29)', 'measured', 'ratio', 'verdict', 'note'], out, 'lrrll');
}

/** Earlier issues' targets that still apply, each with its issue. */
export function earlierTargetTable(r: Results, rows: SpeedRow[]): string {
  const out: string[][] = [];
  for (const p of [PLATFORM.node, PLATFORM.wasm, PLATFORM.webgpu]) {
    const a = rowOf(rows, p, 60);
    const b = rowOf(rows, p, 600);
    if (!a && !b && p === PLATFORM.webgpu) continue;
    const v = a && b ? totalRtf(b.run) / totalRtf(a.run) : undefined;
    out.push([
      '6',
      `RTF at 10 min within ${TARGET_LINEARITY}× of RTF at 60 s, ${p}`,
      a && b ? `${ratio(totalRtf(b.run))} vs ${ratio(totalRtf(a.run))}` : '–',
      v === undefined ? '–' : `${ratio(v)}×`,
      verdict(v === undefined ? undefined : v <= TARGET_LINEARITY),
      v === undefined ? skippedNote(r, p) : '',
    ]);
  }
  for (const k of r.kernels?.rows.filter((x) => x.frames >= 7500) ?? []) {
    const speedup = twinMs(k) / kernelWithTransferMs(k);
    out.push([
      '6',
      `kernels at least as fast as the twins, ${k.label} of frames, with transfers`,
      `${ratio(kernelWithTransferMs(k))} ms vs twin ${ratio(twinMs(k))} ms`,
      `twin ÷ kernels = ${ratio(speedup)}`,
      verdict(speedup >= 1),
      `adapter "${r.kernels!.adapter}": no real GPU measured`,
    ]);
  }
  out.push(...vocoderTargetRows(r.vocoder).map((row) => ['28', ...row]));
  return table(['issue', 'target', 'measured', 'ratio', 'verdict', 'note'], out, 'llrrll');
}

function skippedNote(r: Results, platform: string): string {
  const b = platform === PLATFORM.wasm ? r.wasm : platform === PLATFORM.webgpu ? r.webgpu : undefined;
  const s = b?.skipped.find((x) => x.seconds === 600);
  if (s) return `10 min skipped: projected ${(s.projectedMs / 60000).toFixed(0)} min at the measured speed`;
  return platform === PLATFORM.webgpu ? '' : `not run (durations measured: ${measured(r, platform)})`;
}

function measured(r: Results, platform: string): string {
  const b = platform === PLATFORM.wasm ? r.wasm?.durations : r.node;
  return b?.map((d) => duration(d.seconds)).join(', ') || 'none';
}
