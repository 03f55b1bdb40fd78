/** Registers the app's Workbox service worker (built by vite-plugin-pwa) and reports when it is ready. */
import { registerSW } from 'virtual:pwa-register';

/** What the page shows about offline use. */
export type OfflineState = 'unsupported' | 'installing' | 'ready' | 'failed';

/**
 * Registers /sw.js; onState('ready') once a worker is active, meaning the app shell, models and
 * wasm are all in the cache (Workbox activates only after precaching every file).
 */
export function registerServiceWorker(onState: (state: OfflineState, detail?: string) => void): void {
  if (!('serviceWorker' in navigator)) {
    onState('unsupported');
    return;
  }
  // In the dev server the plugin registers nothing; `ready` would then never resolve.
  if (import.meta.env.DEV) {
    onState('unsupported', 'no service worker in the dev server; use npm run build && npm run preview');
    return;
  }
  onState(navigator.serviceWorker.controller ? 'ready' : 'installing');
  registerSW({
    immediate: true,
    onRegisterError: (err: unknown) => onState('failed', String(err)),
  });
  void navigator.serviceWorker.ready.then(() => onState('ready'));
}
