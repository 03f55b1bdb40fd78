import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, parseThreadsParam, wasmThreadCount } from '../src/worker/wasm-threads';

describe('wasmThreadCount', () => {
  it('gives a cross-origin isolated page every logical core, up to the cap', () => {
    expect(wasmThreadCount(1, true)).toBe(1);
    expect(wasmThreadCount(2, true)).toBe(2);
    expect(wasmThreadCount(3, true)).toBe(3);
    expect(wasmThreadCount(16, true)).toBe(MAX_WASM_THREADS);
  });

  it('runs one thread where SharedArrayBuffer is missing (a page without cross-origin isolation)', () => {
    expect(wasmThreadCount(8, false)).toBe(1);
  });

  it('gives a requested count on an isolated page, capped, and one thread on any other page', () => {
    expect(wasmThreadCount(2, true, 1)).toBe(1);
    expect(wasmThreadCount(2, true, 3)).toBe(3);
    expect(wasmThreadCount(2, true, 64)).toBe(MAX_WASM_THREADS);
    expect(wasmThreadCount(8, false, 4)).toBe(1);
  });

  it('reads a hidden or nonsensical core count as one core', () => {
    expect(wasmThreadCount(undefined, true)).toBe(1);
    expect(wasmThreadCount(0, true)).toBe(1);
    expect(wasmThreadCount(2.5, true)).toBe(1);
  });
});

describe('parseThreadsParam (the page’s ?threads=N)', () => {
  it('is undefined when the page has none, and the count when it is a whole number in range', () => {
    expect(parseThreadsParam(null)).toBeUndefined();
    expect(parseThreadsParam('1')).toBe(1);
    expect(parseThreadsParam(String(MAX_WASM_THREADS))).toBe(MAX_WASM_THREADS);
  });

  it.each(['0', String(MAX_WASM_THREADS + 1), '1.5', '-1', '', 'two', '2x'])(
    'refuses %j, saying what it accepts',
    (v) => {
      expect(() => parseThreadsParam(v)).toThrow(`from 1 to ${MAX_WASM_THREADS}`);
    },
  );
});
