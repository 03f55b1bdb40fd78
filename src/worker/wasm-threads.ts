/**
 * How many threads onnxruntime-web's WASM backend gets. ORT's own default is half the logical
 * cores (at most 4): one thread on a 2-core machine, where Whisper's encoder (asr.onnx, the
 * largest part of encoding) then leaves a core idle. Coding is a batch job the user waits for, so
 * the worker takes every core up to ORT's cap; docs/BENCHMARKS.md has the same-run comparison.
 */

/** ORT's own cap on its default thread count; more threads scale poorly on these small models. */
export const MAX_WASM_THREADS = 4;

/**
 * Threads for a page with `logicalCores` (navigator.hardwareConcurrency; undefined where a browser
 * hides it), or `requested` (the page's ?threads=N) where given. Threads share memory through
 * SharedArrayBuffer, which only a cross-origin isolated page has (vite.config.ts sends COOP/COEP
 * for the dev server and the preview); anywhere else ORT runs on one, whatever was requested.
 */
export function wasmThreadCount(
  logicalCores: number | undefined,
  crossOriginIsolated: boolean,
  requested?: number,
): number {
  if (!crossOriginIsolated) return 1;
  const wanted = requested ?? logicalCores;
  const n = Number.isInteger(wanted) && (wanted as number) > 0 ? (wanted as number) : 1;
  return Math.min(MAX_WASM_THREADS, n);
}

/**
 * The page's `?threads=N` (leave cores free, or compare counts): a whole number from 1 to the cap,
 * or undefined when absent; anything else throws, with what is accepted.
 */
export function parseThreadsParam(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_WASM_THREADS)
    throw new Error(`?threads=${value}: give a whole number of WASM threads from 1 to ${MAX_WASM_THREADS}`);
  return n;
}
