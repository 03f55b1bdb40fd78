/** Crash recovery of recordings in progress: draft chunks -> pending recordings. */
import { describe, expect, it } from 'vitest';
import { assembleDrafts } from '../src/pwa/drafts.ts';
import type { DraftChunk } from '../src/pwa/library-db.ts';

function chunk(id: string, seq: number, samples: number[]): DraftChunk {
  return {
    id,
    seq,
    name: `Voice note ${id}`,
    createdAt: 1000,
    targetRateHz: 6.25,
    savedAt: 2000 + seq,
    samples: Float32Array.from(samples),
  };
}

describe('assembleDrafts', () => {
  it('puts each abandoned draft together in seq order, whatever order the chunks come in', () => {
    const chunks = [chunk('a', 2, [5, 6]), chunk('b', 0, [9]), chunk('a', 0, [1, 2]), chunk('a', 1, [3, 4])];
    const [a, b] = assembleDrafts(chunks, () => true, 16000);
    expect(a.id).toBe('a');
    expect(Array.from(a.audio16k)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a).toMatchObject({ name: 'Voice note a (recovered)', createdAt: 1000, targetRateHz: 6.25 });
    expect(a).toMatchObject({ sampleRateHz: 16000, attempts: 0 });
    expect(Array.from(b.audio16k)).toEqual([9]);
  });

  it('leaves alone a draft whose recorder is still alive', () => {
    const chunks = [chunk('live', 0, [1]), chunk('dead', 0, [2])];
    const recovered = assembleDrafts(chunks, (id) => id === 'dead', 16000);
    expect(recovered.map((p) => p.id)).toEqual(['dead']);
  });

  it('gives nothing for no chunks', () => {
    expect(assembleDrafts([], () => true, 16000)).toEqual([]);
  });
});
