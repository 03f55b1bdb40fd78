/**
 * The offline voice-notes app (app.html) on the production build: after a first visit the
 * service worker holds the app, models, vocoder and the onnxruntime-web build(s) this browser
 * runs, within 40 MB, on a WASM-only and on a WebGPU browser; with the network off it records,
 * compresses, lists, plays, exports and imports, and the library survives reloads; a page killed
 * mid-compression or mid-recording loses nothing (but the last second of a recording).
 * No request may leave this machine.
 */
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { WEBGPU_ARGS } from '../playwright.config.ts';
import { CODE_TIMEOUT_MS, download, LOAD_TIMEOUT_MS, numberIn } from './fixtures/app-page.ts';
import {
  describe,
  DownloadLog,
  expectServesOrtBuilds,
  expectStoredFor,
  storageEstimate,
  storedFiles,
} from './fixtures/first-visit.ts';
import { withOfflineMicContext } from './fixtures/pwa-page.ts';

const CODEC_RATE_HZ = 16000;
const RECORD_SECONDS = 4;

/** Waits for the codec to load and the page to be idle. */
async function ready(page: Page, timeout = LOAD_TIMEOUT_MS): Promise<void> {
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout });
}

/** A new tab of the app in `context`, once the codec has loaded. */
async function openReadyApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/app.html');
  await ready(page);
  return page;
}

/** Records from the fake microphone and stops; returns the new library entry. */
async function recordNote(page: Page): Promise<Locator> {
  const before = await page.getByTestId('recording').count();
  await page.getByTestId('record').click();
  await expect(page.getByTestId('status')).toHaveText('recording');
  await page.waitForTimeout(RECORD_SECONDS * 1000);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('recording')).toHaveCount(before + 1);
  return page.getByTestId('recording').first();
}

/**
 * Opens the app on a fresh profile and waits until it says "ready" for offline use; checks and
 * logs what that first visit downloaded and stored (docs/PWA.md quotes the log).
 */
async function firstVisit(context: BrowserContext, kind: string, backends: ('webgpu' | 'wasm')[]) {
  const downloads = new DownloadLog(context);
  const page = await context.newPage();
  const started = Date.now();
  await page.goto('/app.html');
  await expect(page.getByTestId('offline-ready')).toHaveText('ready', { timeout: LOAD_TIMEOUT_MS });
  const readyMs = Date.now() - started;
  await expect(page.getByTestId('backend')).toHaveText(backends[0]);
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  const estimate = await storageEstimate(page);
  const downloaded = await downloads.settled();
  console.log(`first visit, ${kind} browser (codec on ${backends[0]}), offline-ready after ${readyMs} ms`);
  console.log(`  stored (Cache Storage): ${describe(await storedFiles(page))}`);
  console.log(
    `  navigator.storage.estimate(): usage ${(estimate.usage / 1e6).toFixed(2)} MB, caches ${((estimate.caches ?? 0) / 1e6).toFixed(2)} MB`,
  );
  console.log(`  downloaded: ${describe(downloaded)}`);
  for (const f of downloaded.filter((d) => d.bytes > 100_000)) console.log(`    ${f.path} ${f.bytes}`);

  const stored = await expectStoredFor(page, backends);
  // Each model, vocoder file and ORT build came once, through the service worker: the codec waited
  // for it on this first visit. An ORT build came as its compressed copy only.
  const heavy = downloaded.map((d) => d.path).filter((p) => /^\/(models|vocoder)\/|ort-wasm/.test(p));
  expect(
    heavy.filter((p, i) => heavy.indexOf(p) !== i),
    'downloaded twice',
  ).toEqual([]);
  expect(heavy.filter((p) => p.endsWith('.wasm') && p.includes('ort-wasm'))).toEqual([]);
  expect(
    heavy.filter((p) => p.endsWith('.gzip')),
    'ORT builds downloaded',
  ).toHaveLength(backends.length);
  return { page, stored, downloaded };
}

/** Entries of one library store in IndexedDB ('pending': raw recordings still waiting; 'drafts'). */
function storeCount(page: Page, store: 'pending' | 'drafts'): Promise<number> {
  return page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('flexicodec-voice-notes');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction(name).objectStore(name).count();
          count.onsuccess = () => {
            open.result.close();
            resolve(count.result);
          };
        };
      }),
    store,
  );
}

test('after one visit it works offline: record, compress, play, export, import, and the library survives reloads', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(1_200_000);
  await withOfflineMicContext(playwright.chromium, { baseURL, acceptDownloads: true }, async (context) => {
    // A browser with no WebGPU adapter: the plain WASM build, and nothing to fall back to.
    const { page, stored } = await firstVisit(context, 'WASM-only', ['wasm']);

    await context.setOffline(true);
    const reloadStarted = Date.now();
    await page.reload();
    await expect(page.getByTestId('network')).toHaveText('offline');
    await ready(page);
    console.log(
      `offline reload to ready: ${Date.now() - reloadStarted} ms on ${await page.getByTestId('backend').textContent()}`,
    );
    await expect(page.getByTestId('offline-ready')).toHaveText('ready');
    await expectServesOrtBuilds(page, stored);
    await expect(page.getByTestId('library-empty')).toBeVisible();

    const item = await recordNote(page);
    const id = await item.getAttribute('data-id');
    await expect(item).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
    const duration = Number(await item.getByTestId('recording-duration').textContent());
    const bytes = Number(await item.getByTestId('recording-bytes').textContent());
    const bitrate = Number(await item.getByTestId('recording-bitrate').textContent());
    expect(duration).toBeGreaterThan(RECORD_SECONDS - 1);
    expect(duration).toBeLessThan(RECORD_SECONDS + 4);
    // The bitrate counts the whole file (rounding of the shown duration aside).
    expect(Math.abs(bitrate - (bytes * 8) / duration) / bitrate).toBeLessThan(0.03);
    await expect(item.getByTestId('recording-rate')).toHaveText(/^\d+\.\d\d$/);
    expect(await storeCount(page, 'pending')).toBe(0);
    expect(await storeCount(page, 'drafts')).toBe(0);

    await item.getByTestId('recording-play').click();
    await expect(page.getByTestId('now-playing')).toHaveAttribute('data-id', id ?? '');
    const played = Number(await page.getByTestId('now-playing').getAttribute('data-samples'));
    expect(Math.abs(played / CODEC_RATE_HZ - duration)).toBeLessThanOrEqual(0.05);

    const exported = await download(page, 'recording-export');
    expect(exported.name).toMatch(/\.fxc$/);
    expect(exported.bytes.length).toBe(bytes);
    expect(exported.bytes.subarray(0, 3).toString('latin1')).toBe('FXC');

    // Still there after a reload, still offline.
    await page.reload();
    await expect(page.locator(`[data-testid="recording"][data-id="${id}"]`)).toHaveAttribute(
      'data-state',
      'ready',
    );
    await ready(page);

    // Rename sticks across a reload.
    const again = page.locator(`[data-testid="recording"][data-id="${id}"]`);
    await again.getByTestId('recording-rename').click();
    await page.getByTestId('rename-input').fill('Shopping list');
    await page.getByTestId('rename-input').press('Enter');
    await expect(again.getByTestId('recording-name')).toHaveText('Shopping list');

    // Opening a .fxc (as when one is shared) adds it to the library and plays it.
    await page.getByTestId('file-input').setInputFiles({
      name: 'from-a-friend.fxc',
      mimeType: 'application/x-flexicodec',
      buffer: exported.bytes,
    });
    const imported = page.getByTestId('recording').filter({ hasText: 'from-a-friend' });
    await expect(imported).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
    await expect(page.getByTestId('now-playing')).toContainText('from-a-friend', {
      timeout: CODE_TIMEOUT_MS,
    });
    expect(Number(await page.getByTestId('now-playing').getAttribute('data-samples'))).toBe(played);
    await expect(imported.getByTestId('recording-bytes')).toHaveText(String(bytes));

    // A damaged file is refused with a clear message and leaves the library as it was.
    const damaged = Buffer.from(exported.bytes);
    damaged[damaged.length >> 1] ^= 0x5a;
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'damaged.fxc', mimeType: 'application/x-flexicodec', buffer: damaged });
    await expect(page.getByTestId('status')).toHaveText(/^error: .*(CRC|corrupt)/i, {
      timeout: CODE_TIMEOUT_MS,
    });
    await expect(page.getByTestId('recording')).toHaveCount(2);

    // Delete asks twice.
    await imported.getByTestId('recording-delete').click();
    await expect(page.getByTestId('recording')).toHaveCount(2);
    await imported.getByTestId('recording-delete').click();
    await expect(page.getByTestId('recording')).toHaveCount(1);

    await page.reload();
    await expect(page.getByTestId('recording')).toHaveCount(1);
    await expect(page.getByTestId('recording-name')).toHaveText('Shopping list');
    expect(await numberIn(page, 'recording-bytes')).toBe(bytes);
  });
});

test('a page closed mid-compression loses nothing: the next visit resumes the saved recording', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withOfflineMicContext(playwright.chromium, { baseURL }, async (context) => {
    const first = await openReadyApp(context);
    const item = await recordNote(first);
    // The raw audio is saved before compression starts, then the page dies.
    const state = await item.getAttribute('data-state');
    expect(['pending', 'compressing']).toContain(state);
    const id = await item.getAttribute('data-id');
    await first.close();

    const second = await context.newPage();
    await second.goto('/app.html');
    const resumed = second.locator(`[data-testid="recording"][data-id="${id}"]`);
    await expect(resumed).toBeVisible();
    await expect(second.getByTestId('notice')).toContainText('Resuming 1 recording');
    await expect(resumed).toHaveAttribute('data-state', 'ready', {
      timeout: LOAD_TIMEOUT_MS + CODE_TIMEOUT_MS,
    });
    const duration = Number(await resumed.getByTestId('recording-duration').textContent());
    expect(duration).toBeGreaterThan(RECORD_SECONDS - 1);
    expect(duration).toBeLessThan(RECORD_SECONDS + 4);
    expect(await storeCount(second, 'pending')).toBe(0);
    await ready(second);
  });
});

test('a tab closed mid-recording keeps what it had recorded: the next visit compresses it', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withOfflineMicContext(playwright.chromium, { baseURL }, async (context) => {
    const first = await openReadyApp(context);
    await first.getByTestId('record').click();
    await expect(first.getByTestId('status')).toHaveText('recording');
    await expect(first.getByTestId('elapsed')).toHaveText(/^[3-9]\.\d s$/, { timeout: 30_000 });
    expect(await storeCount(first, 'drafts')).toBeGreaterThanOrEqual(2); // saved as it records
    await first.close(); // no stop, no unload handlers: as a crash would

    const second = await context.newPage();
    await second.goto('/app.html');
    const recovered = second.getByTestId('recording');
    await expect(recovered).toHaveCount(1);
    await expect(recovered.getByTestId('recording-name')).toContainText('(recovered)');
    await expect(second.getByTestId('notice')).toContainText('1 cut off while recording');
    await expect(recovered).toHaveAttribute('data-state', 'ready', {
      timeout: LOAD_TIMEOUT_MS + CODE_TIMEOUT_MS,
    });
    // At most the last second (one unsaved chunk) is lost.
    const duration = Number(await recovered.getByTestId('recording-duration').textContent());
    expect(duration).toBeGreaterThan(2);
    expect(duration).toBeLessThan(10);
    expect(await storeCount(second, 'drafts')).toBe(0);
    expect(await storeCount(second, 'pending')).toBe(0);
    await ready(second);
  });
});

test('on a WebGPU browser a first visit stores the WebGPU build and its WASM fallback, within 40 MB; offline, both run', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(1_500_000);
  await withOfflineMicContext(
    playwright.chromium,
    { baseURL },
    async (context) => {
      const { page, stored } = await firstVisit(context, 'WebGPU', ['webgpu', 'wasm']);

      await context.setOffline(true);
      const reloadStarted = Date.now();
      await page.reload();
      await expect(page.getByTestId('network')).toHaveText('offline');
      await ready(page);
      await expect(page.getByTestId('backend')).toHaveText('webgpu');
      console.log(`offline reload to ready: ${Date.now() - reloadStarted} ms on webgpu`);
      await expect(page.getByTestId('offline-ready')).toHaveText('ready');
      await expectServesOrtBuilds(page, stored);
      const estimate = await storageEstimate(page);
      console.log(`  after the offline reload: usage ${(estimate.usage / 1e6).toFixed(2)} MB`);

      // Where WebGPU fails to start the codec falls back to WASM; offline, that build is here too.
      const fallback = await context.newPage();
      await fallback.goto('/app.html?backend=wasm');
      await ready(fallback);
      await expect(fallback.getByTestId('backend')).toHaveText('wasm');
      await expect(fallback.getByTestId('offline-ready')).toHaveText('ready');
    },
    WEBGPU_ARGS,
  );
});
