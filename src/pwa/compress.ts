/**
 * The crash-safe way from raw audio to a library entry. Order matters:
 *   1. the raw 16 kHz audio is saved (`pending`) before compression starts;
 *   2. the .fxc is stored in `recordings` under the same id;
 *   3. the stored bytes are read back and decoded;
 *   4. only then is the raw audio deleted.
 * A reload or crash at any point leaves either the raw audio or a checked .fxc (or both, which
 * resume() finishes by checking the .fxc and dropping the audio).
 */
import { readHeader } from '../core/bitstream';
import type { SharedCodec } from '../component/shared-codec';
import {
  countAttempt,
  deletePending,
  getRecording,
  putRecording,
  type LibraryDb,
  type PendingRecording,
  type Recording,
} from './library-db';

/** Compression attempts after which a pending recording is offered rather than resumed again. */
export const MAX_AUTO_ATTEMPTS = 3;

/** The shared codec's feature cache belongs to one caller at a time; the app is one caller. */
const APP_OWNER = {};

/** Reads the stored .fxc back and decodes it; throws unless it yields the expected audio length. */
async function checkStored(
  db: LibraryDb,
  codec: SharedCodec,
  id: string,
  sampleCount: number,
): Promise<Recording> {
  const stored = await getRecording(db, id);
  if (!stored) throw new Error('the compressed file was not stored');
  const decoded = await codec.decode(stored.fxc);
  if (decoded.decoded.length !== sampleCount) {
    throw new Error(`the stored file decodes to ${decoded.decoded.length} samples, not ${sampleCount}`);
  }
  return stored;
}

/** Compresses a saved pending recording into the library (steps 2–4 above). */
export async function compressPending(
  db: LibraryDb,
  codec: SharedCodec,
  pending: PendingRecording,
  onCompressing: () => void,
): Promise<Recording> {
  // Counted before the work, so a recording that crashes the page every time stops being retried.
  await countAttempt(db, pending.id);
  onCompressing();
  const result = await codec.encode(APP_OWNER, pending.audio16k, pending.targetRateHz);
  const header = readHeader(result.fxc);
  await putRecording(db, {
    id: pending.id,
    name: pending.name,
    createdAt: pending.createdAt,
    durationS: header.sampleCount / header.sampleRateHz,
    bytes: result.fxc.byteLength,
    bitrateBps: result.bitrateBps,
    targetRateHz: result.targetRateHz,
    achievedRateHz: result.achievedRateHz,
    modelId: header.modelId,
    source: 'recorded',
    fxc: result.fxc,
  });
  const stored = await checkStored(db, codec, pending.id, pending.audio16k.length);
  await deletePending(db, pending.id);
  return stored;
}

/**
 * Finishes a pending recording left by an earlier page: when its .fxc is already stored, checks
 * it and drops the raw audio; otherwise compresses it again.
 */
export async function resumePending(
  db: LibraryDb,
  codec: SharedCodec,
  pending: PendingRecording,
  onCompressing: () => void,
): Promise<Recording> {
  if (await getRecording(db, pending.id)) {
    onCompressing();
    try {
      const stored = await checkStored(db, codec, pending.id, pending.audio16k.length);
      await deletePending(db, pending.id);
      return stored;
    } catch {
      // The stored file does not decode: compress the raw audio again, which overwrites it.
    }
  }
  return compressPending(db, codec, pending, onCompressing);
}
