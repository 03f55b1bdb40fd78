/**
 * A new model loses no voice note. One origin serves three versions of the built app in turn:
 *   1. "old": a78344e1, the model shipped before today's (test/helpers/older-model.ts), is the
 *      shipped model; a note is recorded with it;
 *   2. "forgot": today's model, with an archive that lacks the old one: the note says which model
 *      it needs and keeps its bytes (export gives them back unchanged);
 *   3. "updated": today's models folder as it ships, its archive holding the old model's decoder
 *      (npm run models:archive): the app fetches the old decoder while online, and with the
 *      network off the old note plays, a new note records with the new model; <flexi-codec>
 *      decodes the old note too (online).
 * No request may leave this machine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ARCHIVE_CACHE_NAME } from '../src/pwa/archive-cache.ts';
import { OLDER_MODEL_ID, olderModelDir } from '../test/helpers/older-model.ts';
import { CODE_TIMEOUT_MS, download, LOAD_TIMEOUT_MS } from './fixtures/app-page.ts';
import { buildVersion, dropArchived, replaceModels } from './fixtures/app-versions.ts';
import { withOfflineMicContext } from './fixtures/pwa-page.ts';
import { startSwitchableServer, type SwitchableServer } from './fixtures/switchable-server.ts';

const CODEC_RATE_HZ = 16000;
const RECORD_SECONDS = 4;

let versions: { old: string; forgot: string; updated: string };
let server: SwitchableServer;
const oldId = OLDER_MODEL_ID;
let newId = '';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  const older = olderModelDir();
  newId = (JSON.parse(await readFile('public/models/models.json', 'utf8')) as { modelId: string }).modelId;
  versions = {
    old: await buildVersion('old', (models) => replaceModels(models, older)),
    forgot: await buildVersion('forgot', (models) => dropArchived(models, oldId)),
    updated: await buildVersion('updated', () => undefined),
  };
  server = await startSwitchableServer(versions.old);
});

test.afterAll(async () => {
  await server?.close();
});

/** Waits until the page runs the model `modelId` and is idle (an update reloads the page itself). */
async function runsModel(page: Page, modelId: string): Promise<void> {
  await expect(page.getByTestId('model-id')).toHaveText(modelId, { timeout: LOAD_TIMEOUT_MS });
  await expect(page.getByTestId('status')).toHaveText(/^(ready|error: .*)$/, { timeout: LOAD_TIMEOUT_MS });
}

/**
 * Serves the next version, waits until its service worker is installed and active (the precache
 * holds its archive index), and opens the app again, as a person would after an update.
 * (vite-plugin-pwa reloads the page itself when it sees the new worker take over, but a worker
 * that installs within moments can take over before the page listens.)
 */
async function update(page: Page, dir: string, modelId: string): Promise<void> {
  server.serve(dir);
  const sw = await readFile(join(dir, 'sw.js'), 'utf8');
  const revision = /url:"models\/archive\/index\.json",revision:"([0-9a-f]+)"/.exec(sw)?.[1];
  expect(revision, 'the archive index is precached').toBeTruthy();
  await page.reload().catch(() => page.waitForLoadState('load'));
  // expect.poll does not retry a callback that throws, and the page's own reload for the new
  // worker can land mid-evaluate ("Execution context was destroyed"): that counts as "not yet".
  await expect
    .poll(
      () =>
        page
          .evaluate(async (rev) => {
            const registration = await navigator.serviceWorker.getRegistration();
            await registration?.update().catch(() => undefined);
            if (!registration?.active || registration.installing || registration.waiting) return false;
            for (const name of await caches.keys())
              for (const request of await (await caches.open(name)).keys())
                if (request.url.includes(`archive/index.json?__WB_REVISION__=${rev}`)) return true;
            return false;
          }, revision)
          .catch((error: unknown) => {
            if (/Execution context was destroyed|navigat/i.test(String(error))) return false;
            throw error;
          }),
      { timeout: LOAD_TIMEOUT_MS, intervals: [1000] },
    )
    .toBe(true);
  // The page's own reload for the new worker may cut this one short; either lands on the new version.
  await page.reload().catch(() => page.waitForLoadState('load'));
  await runsModel(page, modelId);
}

/** Paths in the archived-decoder cache and in the precache. */
function cachedPaths(page: Page): Promise<{ archived: string[]; all: string[] }> {
  return page.evaluate(async (archiveCache) => {
    const out = { archived: [] as string[], all: [] as string[] };
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) {
        const path = new URL(request.url).pathname;
        out.all.push(path);
        if (name === archiveCache) out.archived.push(path);
      }
    }
    return out;
  }, ARCHIVE_CACHE_NAME);
}

async function playsFully(page: Page, item: Locator): Promise<void> {
  const duration = Number(await item.getByTestId('recording-duration').textContent());
  const id = (await item.getAttribute('data-id')) ?? '';
  await item.getByTestId('recording-play').click();
  await expect(page.getByTestId('now-playing')).toHaveAttribute('data-id', id, { timeout: CODE_TIMEOUT_MS });
  const played = Number(await page.getByTestId('now-playing').getAttribute('data-samples'));
  expect(Math.abs(played / CODEC_RATE_HZ - duration)).toBeLessThanOrEqual(0.05);
}

test('a note recorded with the old model plays after the update, offline; without the archive it says which model it needs', async ({
  playwright,
}) => {
  test.setTimeout(1_500_000);
  await withOfflineMicContext(
    playwright.chromium,
    { baseURL: server.origin, acceptDownloads: true },
    async (context) => {
      const page = await context.newPage();
      await page.goto('/app.html');
      await expect(page.getByTestId('offline-ready')).toHaveText('ready', { timeout: LOAD_TIMEOUT_MS });
      await runsModel(page, oldId);

      // 1. Recorded with the old model.
      await page.getByTestId('record').click();
      await expect(page.getByTestId('status')).toHaveText('recording');
      await page.waitForTimeout(RECORD_SECONDS * 1000);
      await page.getByTestId('stop').click();
      const note = page.getByTestId('recording').first();
      await expect(note).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
      await expect(note).toHaveAttribute('data-model-id', oldId);
      const id = (await note.getAttribute('data-id')) ?? '';
      const original = await download(page, 'recording-export');
      const oldNote = page.locator(`[data-testid="recording"][data-id="${id}"]`);

      // 2. An update whose archive lacks the old model: the note is kept and says what it needs.
      await update(page, versions.forgot, newId);
      await expect(oldNote).toHaveAttribute('data-model-state', 'unavailable', { timeout: CODE_TIMEOUT_MS });
      await expect(oldNote.getByTestId('recording-model')).toContainText(
        `made with model ${oldId}, which is not here`,
      );
      await oldNote.getByTestId('recording-play').click();
      await expect(page.getByTestId('notice')).toContainText(`model ${oldId}`, { timeout: CODE_TIMEOUT_MS });
      const kept = await download(page, 'recording-export');
      expect(Buffer.compare(kept.bytes, original.bytes)).toBe(0);

      // 3. The next update archives it: its decoder is fetched while online and kept offline.
      await update(page, versions.updated, newId);
      await expect(oldNote).toHaveAttribute('data-model-state', 'archived', { timeout: CODE_TIMEOUT_MS });
      await expect(oldNote.getByTestId('recording-model')).toContainText(`earlier model ${oldId}`);
      const cached = await cachedPaths(page);
      expect(cached.archived).toContain(`/models/archive/${oldId}/decoder.onnx`);
      expect(cached.archived).toContain(`/models/archive/${oldId}/models.json`);
      // Only the archive's index is precached; decoders come when a note needs them.
      expect(cached.all).toContain('/models/archive/index.json');
      expect(cached.all.filter((p) => p.startsWith('/models/archive/')).sort()).toEqual(
        [...cached.archived, '/models/archive/index.json'].sort(),
      );

      // <flexi-codec> on the same site decodes the old note with the archived decoder too (the
      // embeddable module is not part of the app's precache, so this runs online).
      const samples = await page.evaluate(
        async (bytes) => {
          await import(/* @vite-ignore */ `${location.origin}/lib/flexi-codec.js`);
          const element = document.createElement('flexi-codec') as HTMLElement & {
            ready: Promise<unknown>;
            decode(fxc: Uint8Array): Promise<Float32Array>;
          };
          element.setAttribute('backend', 'wasm');
          document.body.append(element);
          await element.ready;
          return (await element.decode(new Uint8Array(bytes))).length;
        },
        [...original.bytes],
      );
      const duration = Number(await oldNote.getByTestId('recording-duration').textContent());
      expect(Math.abs(samples / CODEC_RATE_HZ - duration)).toBeLessThanOrEqual(0.05);

      await context.setOffline(true);
      await page.reload();
      await expect(page.getByTestId('network')).toHaveText('offline');
      await runsModel(page, newId);
      await expect(oldNote).toHaveAttribute('data-model-state', 'archived', { timeout: CODE_TIMEOUT_MS });
      await playsFully(page, oldNote);

      // A new note, offline, with the new model; both play.
      await page.getByTestId('record').click();
      await expect(page.getByTestId('status')).toHaveText('recording');
      await page.waitForTimeout(RECORD_SECONDS * 1000);
      await page.getByTestId('stop').click();
      await expect(page.getByTestId('recording')).toHaveCount(2);
      const fresh = page.getByTestId('recording').first();
      await expect(fresh).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
      await expect(fresh).toHaveAttribute('data-model-id', newId);
      await playsFully(page, fresh);
      await playsFully(page, oldNote);
    },
  );
});
