/** Persistent storage (so the browser does not evict the library) and the space it takes. */

/** How much the origin stores, split where the browser says. */
export interface SpaceUsed {
  totalBytes: number;
  quotaBytes: number;
  /** IndexedDB (the library) and Cache Storage (app, models, wasm), where the browser reports them. */
  indexedDbBytes?: number;
  cacheBytes?: number;
}

interface UsageDetails {
  indexedDB?: number;
  caches?: number;
}

/** Asks once for persistent storage; true when granted (Chromium decides without a prompt). */
export async function requestPersistence(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

/** The origin's storage use, or undefined where the browser does not say. */
export async function spaceUsed(): Promise<SpaceUsed | undefined> {
  if (!navigator.storage?.estimate) return undefined;
  const estimate = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: UsageDetails };
  return {
    totalBytes: estimate.usage ?? 0,
    quotaBytes: estimate.quota ?? 0,
    indexedDbBytes: estimate.usageDetails?.indexedDB,
    cacheBytes: estimate.usageDetails?.caches,
  };
}

/** Bytes as a short human figure: 812 B, 4.1 kB, 63.2 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
