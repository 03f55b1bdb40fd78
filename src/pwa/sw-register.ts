/** Registers the app's Workbox service worker (built by vite-plugin-pwa) and says when it is active. */
import { registerSW } from 'virtual:pwa-register';

/**
 * What the page shows about offline use: 'ready' only once everything this device runs is
 * stored (the precache, and the ORT build(s) of its backend: app.ts); 'checking' while a page
 * the worker already controls loads its codec to find out which those are.
 */
export type OfflineState = 'unsupported' | 'installing' | 'checking' | 'ready' | 'failed';

/** The service worker, once settled: active (so every precached file is stored), or why not. */
export type WorkerOutcome =
  { active: true } | { active: false; state: 'unsupported' | 'failed'; reason: string };

/** How long an active worker may take to control this page (clients.claim()) before the page goes on. */
const CLAIM_WAIT_MS = 3000;

/** Resolves once this page is controlled, or after `ms`, whichever comes first. */
function controlled(ms: number): Promise<void> {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
    setTimeout(resolve, ms);
  });
}

/**
 * Waits for the registration's worker to be active. Workbox activates a worker only after it has
 * stored every precache entry; an install that fails (a file it could not fetch or store) leaves
 * no active worker, and says so.
 */
async function activation(registration: ServiceWorkerRegistration): Promise<WorkerOutcome> {
  if (!registration.active) {
    const installing = registration.installing ?? registration.waiting;
    const failed = new Promise<WorkerOutcome>((resolve) =>
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'redundant' && !registration.active) {
          resolve({ active: false, state: 'failed', reason: 'the service worker could not store the app' });
        }
      }),
    );
    const outcome = await Promise.race([
      navigator.serviceWorker.ready.then((): WorkerOutcome => ({ active: true })),
      failed,
    ]);
    if (!outcome.active) return outcome;
  }
  await controlled(CLAIM_WAIT_MS);
  return { active: true };
}

/** Registers /sw.js; resolves once its worker is active and controls this page, or says why not. */
export function registerServiceWorker(): Promise<WorkerOutcome> {
  if (!('serviceWorker' in navigator)) {
    return Promise.resolve({
      active: false,
      state: 'unsupported',
      reason: 'this browser has no service workers',
    });
  }
  // In the dev server the plugin registers nothing; `ready` would then never resolve.
  if (import.meta.env.DEV) {
    return Promise.resolve({
      active: false,
      state: 'unsupported',
      reason: 'no service worker in the dev server; use npm run build && npm run preview',
    });
  }
  return new Promise((resolve) => {
    registerSW({
      immediate: true,
      onRegisteredSW: (_url, registration) =>
        void (registration
          ? activation(registration).then(resolve)
          : resolve({ active: false, state: 'failed', reason: 'no service worker registration' })),
      onRegisterError: (err: unknown) => resolve({ active: false, state: 'failed', reason: String(err) }),
    });
  });
}
