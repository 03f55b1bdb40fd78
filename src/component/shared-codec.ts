/**
 * One codec worker per models folder, shared by every <flexi-codec> on the page (and by the
 * app), so the models are fetched, compiled and held in memory once however many elements run.
 */
import { CodecClient } from '../main/codec-client';
import type { CodecResult, LoadInfo, LoadOptions, LoadProgress, ModelState } from '../worker/protocol';

/** A worker, its one model load, and which caller's audio the worker's feature cache holds. */
export interface SharedCodec {
  client: CodecClient;
  /** Resolves once the models are loaded and warmed up; every caller gets the same result. */
  ready: Promise<LoadInfo>;
  /**
   * Encodes audio for `owner`. The worker keeps the encoder features of the last encode only, so
   * the owner is remembered: recode() may reuse the features only while nobody else encoded since.
   */
  encode(owner: object, audio16k: Float32Array, targetRateHz: number): Promise<CodecResult>;
  /** Re-codes owner's audio at a new rate, from cached features when they are still owner's. */
  recode(owner: object, audio16k: Float32Array, targetRateHz: number): Promise<CodecResult>;
  /** Decodes with the model the file names: the loaded one, or an archived earlier one. */
  decode(fxc: Uint8Array): Promise<CodecResult>;
  /** Fetches and starts the archived decoders these model ids need; says which can play. */
  prepareModels(modelIds: string[]): Promise<ModelState[]>;
}

const byModelsUrl = new Map<string, SharedCodec>();
/** Progress listeners per models folder: late subscribers join a load that already started. */
const listeners = new Map<string, Set<(p: LoadProgress) => void>>();

/** The shared codec for modelsUrl (a folder URL ending in '/'), started on first request. */
export function sharedCodec(
  modelsUrl: string,
  options: LoadOptions = {},
  onProgress?: (p: LoadProgress) => void,
): SharedCodec {
  const key = new URL(modelsUrl, location.href).href;
  let subscribers = listeners.get(key);
  if (!subscribers) listeners.set(key, (subscribers = new Set()));
  if (onProgress) subscribers.add(onProgress);
  const existing = byModelsUrl.get(key);
  if (existing) return existing;

  const client = new CodecClient();
  const ready = client.load(key, options, (p) => {
    for (const listener of subscribers) listener(p);
  });
  // Progress after the load is of no use to anyone; let the listeners go.
  void ready.finally(() => subscribers.clear()).catch(() => undefined);
  let featuresOwner: object | undefined;

  const shared: SharedCodec = {
    client,
    ready,
    async encode(owner, audio16k, targetRateHz) {
      await ready;
      featuresOwner = owner;
      try {
        // The client transfers its argument; the caller keeps its own copy for re-encoding.
        return await client.encode(audio16k.slice(), targetRateHz);
      } catch (err) {
        // A failed encode leaves the worker's cache as it was: it no longer holds owner's audio.
        if (featuresOwner === owner) featuresOwner = undefined;
        throw err;
      }
    },
    async recode(owner, audio16k, targetRateHz) {
      await ready;
      if (featuresOwner === owner) return client.recode(targetRateHz);
      return shared.encode(owner, audio16k, targetRateHz);
    },
    async decode(fxc) {
      await ready;
      return client.decode(fxc.slice());
    },
    async prepareModels(modelIds) {
      await ready;
      return client.prepareModels(modelIds);
    },
  };
  byModelsUrl.set(key, shared);
  return shared;
}
