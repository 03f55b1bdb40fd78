/**
 * Keeps on the device exactly the earlier models' decoders that the library's notes need: the
 * worker fetches (and the service worker caches) each one while online; decoders no note needs
 * any more are dropped from the cache, since each costs megabytes.
 */
import type { SharedCodec } from '../component/shared-codec';
import type { ModelState } from '../worker/protocol';
import { ARCHIVE_CACHE_NAME, ARCHIVED_MODEL_PATH } from './archive-cache';

/** Makes each model's decoder ready and says which notes can play; prunes the rest from the cache. */
export async function keepArchivedModels(codec: SharedCodec, modelIds: string[]): Promise<ModelState[]> {
  const states = await codec.prepareModels([...new Set(modelIds)]);
  await pruneArchivedModels(new Set(modelIds));
  return states;
}

/** Deletes cached archived files of models not in `needed`. */
async function pruneArchivedModels(needed: Set<string>): Promise<void> {
  if (!('caches' in self)) return;
  const cache = await caches.open(ARCHIVE_CACHE_NAME);
  for (const request of await cache.keys()) {
    const id = ARCHIVED_MODEL_PATH.exec(new URL(request.url).pathname)?.[1];
    if (id && !needed.has(id)) await cache.delete(request);
  }
}
