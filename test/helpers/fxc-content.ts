/** Seeded random content for .fxc tests: segmentations, codes and pitch levels, and a CRC fixer. */
import { crc32 } from '../../src/core/crc32.ts';
import { randomInt, seededRandom } from './random.ts';

/** Random segmentation (lengths 1..8) of the frames of `sampleCount` samples, and random 12-bit codes. */
export function randomFile(seed: number, sampleCount: number) {
  const random = seededRandom(seed);
  const frames = Math.ceil(sampleCount / 1280);
  const lengths: number[] = [];
  for (let left = frames; left > 0;) {
    const len = Math.min(left, 1 + randomInt(random, 8));
    lengths.push(len);
    left -= len;
  }
  const codes = Array.from({ length: lengths.length * 7 }, () => randomInt(random, 4096));
  return { lengths, codes };
}

/** Random pitch levels for T frames: runs of unvoiced (0) and a wandering voiced level. */
export function randomPitch(seed: number, frames: number): number[] {
  const random = seededRandom(seed);
  let level = 30;
  return Array.from({ length: frames }, () => {
    level = Math.min(63, Math.max(1, level + randomInt(random, 7) - 3));
    return random() < 0.3 ? 0 : level;
  });
}

export const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

/** Recomputes the CRC after editing a file, so a test reaches the check after it. */
export function withFixedCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
