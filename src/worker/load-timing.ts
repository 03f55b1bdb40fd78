/**
 * User Timing entries of the model load (fetch, sha256, session per model, warm-up): they show in
 * DevTools' Performance panel, and bench/ready-time.ts reads them from the worker for its breakdown.
 * Only the load is marked, so a long session does not pile up entries.
 */

/** Prefix of every measure the load path records, e.g. `flexi:session asr`. */
export const LOAD_MEASURE_PREFIX = 'flexi:';

/** Records the measure `flexi:<name>` from `start` to `end` (ms on this scope's clock). */
export function measure(name: string, start: number, end: number): void {
  performance.measure(LOAD_MEASURE_PREFIX + name, { start, end });
}

/** Runs `work` and records it as the measure `flexi:<name>` (also when it throws). */
export async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    measure(name, start, performance.now());
  }
}
