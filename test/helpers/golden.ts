/**
 * Golden tensors written by the training code (training/v3/golden.py; for model a78344e1 and
 * earlier, the earlier family's training/export.py, commit 1215a19): golden.json names each tensor's dtype, shape and byte
 * offset in golden.bin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** golden.json. */
export interface GoldenMeta {
  modelId: string;
  tau: number;
  frames: number;
  segments: number;
  tensors: Record<string, { dtype: string; shape: number[]; offset: number }>;
}

/** The golden tensors of one folder. */
export interface Golden {
  meta: GoldenMeta;
  /** A tensor by name (float32 or int32 as golden.json says); throws for a name it lacks. */
  tensor(name: string): Float32Array | Int32Array;
  float(name: string): Float32Array;
  int(name: string): Int32Array;
}

/** Reads `dir`/golden.json and golden.bin. */
export function readGolden(dir: string): Golden {
  const meta = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenMeta;
  const bin = readFileSync(join(dir, 'golden.bin'));
  const tensor = (name: string) => {
    const t = meta.tensors[name];
    if (!t) throw new Error(`${dir}: no golden tensor "${name}"`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const bytes = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + count * 4);
    return t.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  };
  return {
    meta,
    tensor,
    float: (name) => Float32Array.from(tensor(name)),
    int: (name) => Int32Array.from(tensor(name)),
  };
}

/** Largest |a[i] − b[i]|; throws where the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
