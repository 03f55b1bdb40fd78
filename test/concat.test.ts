import { describe, expect, it } from 'vitest';
import { concatFloat32 } from '../src/core/concat.ts';

describe('concatFloat32', () => {
  it('puts the parts end to end, in order, skipping empty ones', () => {
    const out = concatFloat32([
      Float32Array.of(1, 2),
      new Float32Array(0),
      Float32Array.of(3),
      Float32Array.of(4, 5),
    ]);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives an empty array for no parts', () => {
    expect(concatFloat32([]).length).toBe(0);
  });
});
