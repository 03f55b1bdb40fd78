/**
 * The recordings library in IndexedDB (via idb). Three stores: `recordings` holds each compressed
 * .fxc with its figures; `pending` holds raw 16 kHz audio from the moment recording stops until
 * its .fxc is stored and has decoded; `drafts` holds a recording still being made, a chunk about
 * every second, so a crash or a closed tab mid-recording loses at most the last second.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** Database name; one per origin. */
export const DB_NAME = 'flexicodec-voice-notes';
/** Schema version; bump with an upgrade step when the stores change. */
export const DB_VERSION = 2;

/** A compressed recording in the library. */
export interface Recording {
  /** Random id; a pending recording keeps its id when it becomes a recording. */
  id: string;
  name: string;
  /** When it was recorded (or imported), ms since the epoch. */
  createdAt: number;
  durationS: number;
  /** Size of the .fxc file, header and CRC included. */
  bytes: number;
  /** Bits per second of audio, counting the whole file. */
  bitrateBps: number;
  /** The frame rate asked for, in Hz. */
  targetRateHz: number;
  /** The average frame rate after merging, in Hz. */
  achievedRateHz: number;
  /** The model the file needs (from its header). */
  modelId: string;
  /** Recorded here, imported from a .fxc or audio file, or saved from a link (#fxc=…). */
  source: 'recorded' | 'imported' | 'link';
  fxc: Uint8Array;
}

/** Raw audio waiting to be compressed (or whose .fxc is stored but not yet checked). */
export interface PendingRecording {
  id: string;
  name: string;
  createdAt: number;
  targetRateHz: number;
  /** Mono samples at the codec's 16 kHz. */
  audio16k: Float32Array;
  sampleRateHz: number;
  /** Compressions started on it; each start is saved first, so a crash loop shows up here. */
  attempts: number;
}

/** A stretch of a recording in progress, saved as it is captured. */
export interface DraftChunk {
  /** The recording's id (it keeps it when it becomes pending). */
  id: string;
  /** 0, 1, 2, ... in capture order. */
  seq: number;
  name: string;
  createdAt: number;
  targetRateHz: number;
  /** When this chunk was saved, ms since the epoch. */
  savedAt: number;
  /** Mono samples at the codec's 16 kHz. */
  samples: Float32Array;
}

interface LibrarySchema extends DBSchema {
  recordings: { key: string; value: Recording; indexes: { createdAt: number } };
  pending: { key: string; value: PendingRecording };
  drafts: { key: [string, number]; value: DraftChunk };
}

/** The open library database. */
export type LibraryDb = IDBPDatabase<LibrarySchema>;

/** Opens (and creates on first use) the library database. */
export function openLibrary(): Promise<LibraryDb> {
  return openDB<LibrarySchema>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const recordings = db.createObjectStore('recordings', { keyPath: 'id' });
        recordings.createIndex('createdAt', 'createdAt');
        db.createObjectStore('pending', { keyPath: 'id' });
      }
      if (oldVersion < 2) db.createObjectStore('drafts', { keyPath: ['id', 'seq'] });
    },
  });
}

/** Every recording, newest first. */
export async function listRecordings(db: LibraryDb): Promise<Recording[]> {
  return (await db.getAllFromIndex('recordings', 'createdAt')).reverse();
}

/** Every pending recording, oldest first. */
export async function listPending(db: LibraryDb): Promise<PendingRecording[]> {
  return (await db.getAll('pending')).sort((a, b) => a.createdAt - b.createdAt);
}

/** Saves raw audio; resolves once the transaction has committed. */
export async function savePending(db: LibraryDb, pending: PendingRecording): Promise<void> {
  await db.put('pending', pending);
}

/** Counts one more compression attempt of a pending recording, before it starts. */
export async function countAttempt(db: LibraryDb, id: string): Promise<PendingRecording | undefined> {
  const tx = db.transaction('pending', 'readwrite');
  const pending = await tx.store.get(id);
  if (pending) {
    pending.attempts += 1;
    await tx.store.put(pending);
  }
  await tx.done;
  return pending;
}

/** Stores a recording; resolves once committed. */
export async function putRecording(db: LibraryDb, recording: Recording): Promise<void> {
  await db.put('recordings', recording);
}

/** One recording, or undefined. */
export function getRecording(db: LibraryDb, id: string): Promise<Recording | undefined> {
  return db.get('recordings', id);
}

/** Drops the raw audio of a pending recording. */
export async function deletePending(db: LibraryDb, id: string): Promise<void> {
  await db.delete('pending', id);
}

/** Renames a recording. */
export async function renameRecording(db: LibraryDb, id: string, name: string): Promise<void> {
  const tx = db.transaction('recordings', 'readwrite');
  const recording = await tx.store.get(id);
  if (recording) await tx.store.put({ ...recording, name });
  await tx.done;
}

/** Deletes a recording (and any raw audio left with its id). */
export async function deleteRecording(db: LibraryDb, id: string): Promise<void> {
  const tx = db.transaction(['recordings', 'pending'], 'readwrite');
  await Promise.all([tx.objectStore('recordings').delete(id), tx.objectStore('pending').delete(id), tx.done]);
}

/** Every chunk of one draft, in key order ([id, seq]). */
function draftRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
}

/** Saves one chunk of a recording in progress; resolves once committed. */
export async function appendDraft(db: LibraryDb, chunk: DraftChunk): Promise<void> {
  await db.put('drafts', chunk);
}

/** Every draft chunk of every recording in progress or abandoned, in [id, seq] order. */
export function listDraftChunks(db: LibraryDb): Promise<DraftChunk[]> {
  return db.getAll('drafts');
}

/** In one transaction: the finished recording's audio becomes pending and its draft goes. */
export async function promoteDraft(db: LibraryDb, pending: PendingRecording): Promise<void> {
  const tx = db.transaction(['pending', 'drafts'], 'readwrite');
  await Promise.all([
    tx.objectStore('pending').put(pending),
    tx.objectStore('drafts').delete(draftRange(pending.id)),
    tx.done,
  ]);
}

/** Drops a draft (a recording that was cancelled or captured nothing). */
export async function deleteDraft(db: LibraryDb, id: string): Promise<void> {
  await db.delete('drafts', draftRange(id));
}
