/**
 * Recordings in progress survive a crash: the app saves the captured 16 kHz audio as numbered
 * chunks while it records (DraftWriter), and the next start turns any draft whose recorder is
 * gone into a pending recording (recoverDrafts), which the normal pipeline then compresses.
 *
 * "Whose recorder is gone": the recording tab holds a Web Lock named after the draft for as long
 * as it records; the browser releases it when the tab closes or crashes. Without Web Locks, a
 * draft counts as abandoned once its last chunk is STALE_DRAFT_MS old.
 */
import { concatFloat32 } from '../core/concat';
import {
  appendDraft,
  deleteDraft,
  listDraftChunks,
  promoteDraft,
  type DraftChunk,
  type LibraryDb,
  type PendingRecording,
} from './library-db';

/** How often the recorder saves what it has captured. */
export const DRAFT_FLUSH_MS = 1000;
/** Age of the newest chunk after which a draft is abandoned, where Web Locks are missing. */
export const STALE_DRAFT_MS = 10_000;

/** What names a draft: everything a pending recording needs but the audio. */
export interface DraftMeta {
  id: string;
  name: string;
  createdAt: number;
  targetRateHz: number;
}

function lockName(id: string): string {
  return `flexicodec-draft-${id}`;
}

/**
 * Pending recordings assembled from draft chunks, one per draft id that `isAbandoned` accepts,
 * the chunks in seq order. Pure, so the unit tests check it without a browser.
 */
export function assembleDrafts(
  chunks: readonly DraftChunk[],
  isAbandoned: (id: string) => boolean,
  sampleRateHz: number,
): PendingRecording[] {
  const byId = new Map<string, DraftChunk[]>();
  for (const c of chunks) {
    if (!isAbandoned(c.id)) continue;
    const list = byId.get(c.id) ?? [];
    list.push(c);
    byId.set(c.id, list);
  }
  return [...byId.values()].map((list) => {
    list.sort((a, b) => a.seq - b.seq);
    const first = list[0];
    return {
      id: first.id,
      name: `${first.name} (recovered)`,
      createdAt: first.createdAt,
      targetRateHz: first.targetRateHz,
      audio16k: concatFloat32(list.map((c) => c.samples)),
      sampleRateHz,
      attempts: 0,
    };
  });
}

/** Turns abandoned drafts into pending recordings; returns them (empty drafts are dropped). */
export async function recoverDrafts(
  db: LibraryDb,
  sampleRateHz: number,
  now = Date.now(),
): Promise<PendingRecording[]> {
  const chunks = await listDraftChunks(db);
  if (!chunks.length) return [];
  let isAbandoned: (id: string) => boolean;
  if (typeof navigator !== 'undefined' && navigator.locks) {
    const { held = [] } = await navigator.locks.query();
    const live = new Set(held.map((l) => l.name));
    isAbandoned = (id) => !live.has(lockName(id));
  } else {
    const newest = new Map<string, number>();
    for (const c of chunks) newest.set(c.id, Math.max(newest.get(c.id) ?? 0, c.savedAt));
    isAbandoned = (id) => now - (newest.get(id) ?? 0) > STALE_DRAFT_MS;
  }
  const recovered = assembleDrafts(chunks, isAbandoned, sampleRateHz);
  for (const pending of recovered) {
    if (pending.audio16k.length) await promoteDraft(db, pending);
    else await deleteDraft(db, pending.id);
  }
  return recovered.filter((p) => p.audio16k.length);
}

/** Saves a recording in progress, a chunk every DRAFT_FLUSH_MS, under a Web Lock. */
export class DraftWriter {
  private buffered: Float32Array[] = [];
  private seq = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private releaseLock?: () => void;
  private warned = false;

  constructor(
    private readonly db: LibraryDb,
    readonly meta: DraftMeta,
  ) {
    if (typeof navigator !== 'undefined' && navigator.locks) {
      void navigator.locks.request(lockName(meta.id), () => new Promise<void>((r) => (this.releaseLock = r)));
    }
    this.timer = setInterval(() => this.flush(), DRAFT_FLUSH_MS);
  }

  /** Audio just captured, at 16 kHz. */
  push(samples: Float32Array): void {
    if (samples.length) this.buffered.push(samples);
  }

  private flush(): void {
    if (!this.buffered.length) return;
    const chunk: DraftChunk = {
      ...this.meta,
      seq: this.seq++,
      savedAt: Date.now(),
      samples: concatFloat32(this.buffered),
    };
    this.buffered = [];
    // A failed write (storage full) costs only crash safety: the recording itself is in memory
    // and is saved whole when it stops.
    this.writes = this.writes.then(() =>
      appendDraft(this.db, chunk).catch((err: unknown) => {
        if (!this.warned) console.warn('recording draft not saved:', err);
        this.warned = true;
      }),
    );
  }

  private async close(): Promise<void> {
    clearInterval(this.timer);
    await this.writes;
    this.releaseLock?.();
  }

  /** The whole recording is in hand: it becomes pending and the draft goes, in one transaction. */
  async finish(pending: PendingRecording): Promise<void> {
    await this.close();
    await promoteDraft(this.db, pending);
  }

  /** Nothing worth keeping was recorded: drop the draft. */
  async discard(): Promise<void> {
    await this.close();
    await deleteDraft(this.db, this.meta.id);
  }
}
