/** The targets, each met or not with the measured value and its ratio to the target. */
import { kernelWithTransferMs, twinMs } from './sections.ts';
import { PLATFORM, rowOf, totalRtf, type SpeedRow } from './speed.ts';
import { ratio, table, verdict } from './format.ts';
import type { Results } from './results.ts';
import { vocoderTargetRows } from './vocoder.ts';

/** Encode + decode RTF at 60 s must be at most this (Node and Chromium WASM). */
export const TARGET_RTF_60S = 0.3;
/** RTF at 10 min over RTF at 60 s must be at most this. */
export const TARGET_LINEARITY = 1.2;
/** Page load → ready from cache, ms. */
export const TARGET_READY_CACHED_MS = 1000;
/** Raw bytes of all model files (MB = 10^6). */
export const TARGET_MODEL_BYTES = 25e6;

type Row = [string, string, string, string, string];

/** One table row per target and platform. */
export function targetTable(r: Results, rows: SpeedRow[]): string {
  const out: Row[] = [];
  for (const p of [PLATFORM.node, PLATFORM.wasm, PLATFORM.webgpu]) {
    const at60 = rowOf(rows, p, 60);
    const v = at60 ? totalRtf(at60.run) : undefined;
    const binding = p !== PLATFORM.webgpu;
    out.push([
      `encode + decode RTF ≤ ${TARGET_RTF_60S} for 60 s, ${p}`,
      ratio(v),
      v === undefined ? '–' : `${ratio(v / TARGET_RTF_60S)}× the limit`,
      binding ? verdict(v === undefined ? undefined : v <= TARGET_RTF_60S) : 'reported beside it (no target)',
      binding ? '' : 'SwiftShader runs "GPU" shaders on the same 2 CPU cores',
    ]);
  }
  for (const p of [PLATFORM.node, PLATFORM.wasm, PLATFORM.webgpu]) {
    const a = rowOf(rows, p, 60);
    const b = rowOf(rows, p, 600);
    const v = a && b ? totalRtf(b.run) / totalRtf(a.run) : undefined;
    out.push([
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
      `kernels at least as fast as the twins, ${k.label} of frames, with transfers`,
      `${ratio(kernelWithTransferMs(k))} ms vs twin ${ratio(twinMs(k))} ms`,
      `twin ÷ kernels = ${ratio(speedup)}`,
      verdict(speedup >= 1),
      `adapter "${r.kernels!.adapter}": no real GPU measured`,
    ]);
  }
  for (const x of r.ready ?? []) {
    const v = x.cached.readyMs;
    out.push([
      `time to ready from cache ≤ ${TARGET_READY_CACHED_MS / 1000} s, ${x.backend === 'webgpu' ? 'WebGPU (SwiftShader)' : 'WASM'}`,
      `${(v / 1000).toFixed(1)} s`,
      `${ratio(v / TARGET_READY_CACHED_MS)}× the limit`,
      verdict(v <= TARGET_READY_CACHED_MS),
      '',
    ]);
  }
  if (r.sizes) {
    const raw = r.sizes.models.reduce((n, f) => n + f.rawBytes, 0);
    out.push([
      `total model download ≤ ${TARGET_MODEL_BYTES / 1e6} MB raw`,
      `${(raw / 1e6).toFixed(2)} MB`,
      `${ratio(raw / TARGET_MODEL_BYTES)}× the limit`,
      verdict(raw <= TARGET_MODEL_BYTES),
      'models.json and the three ONNX files; the onnxruntime-web binary comes on top (below)',
    ]);
  }
  out.push(...(vocoderTargetRows(r.vocoder) as Row[]));
  return table(['target', 'measured', 'ratio', 'verdict', 'note'], out, 'lrrll');
}

function skippedNote(r: Results, platform: string): string {
  const b = platform === PLATFORM.wasm ? r.wasm : platform === PLATFORM.webgpu ? r.webgpu : undefined;
  const s = b?.skipped.find((x) => x.seconds === 600);
  return s ? `10 min skipped: projected ${(s.projectedMs / 60000).toFixed(0)} min at the measured speed` : '';
}
