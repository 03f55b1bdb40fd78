/**
 * A voice note in a link (app.html#fxc=<base64url of the .fxc>), on the production build: "Copy
 * link" copies exactly what the page shows, the QR code decodes back to the link, and opening the
 * link in a fresh offline tab plays the note and saves it to the library. A cut or altered link
 * says so and changes nothing; a note too long for a QR code says so and names a frame rate that
 * fits. No request may leave this machine.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { fromBase64Url, QR_MAX_LINK_CHARS } from '../src/core/fxc-link.ts';
import { parseManifest } from '../src/core/manifest.ts';
import { CODE_TIMEOUT_MS, download, LOAD_TIMEOUT_MS } from './fixtures/app-page.ts';
import { withOfflineMicContext } from './fixtures/pwa-page.ts';
import { longNoteFxc, readQr } from './fixtures/qr.ts';

const CODEC_RATE_HZ = 16000;
const RECORD_SECONDS = 4;

async function ready(page: Page): Promise<void> {
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: LOAD_TIMEOUT_MS });
}

/** Entries in the library's recordings store, read from IndexedDB itself. */
function storedNotes(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('flexicodec-voice-notes');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('recordings').objectStore('recordings').count();
          count.onsuccess = () => {
            open.result.close();
            resolve(count.result);
          };
        };
      }),
  );
}

test('copy a link, open it in a fresh offline tab: it plays, and saves to the library', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(1_200_000);
  const options = { baseURL, acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] };
  await withOfflineMicContext(playwright.chromium, options, async (context) => {
    const page = await context.newPage();
    await page.goto('/app.html');
    await expect(page.getByTestId('offline-ready')).toHaveText('ready', { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    await ready(page);

    await page.getByTestId('record').click();
    await expect(page.getByTestId('status')).toHaveText('recording');
    await page.waitForTimeout(RECORD_SECONDS * 1000);
    await page.getByTestId('stop').click();
    const note = page.getByTestId('recording').first();
    await expect(note).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
    const duration = Number(await note.getByTestId('recording-duration').textContent());
    const exported = await download(page, 'recording-export');

    // The link, and its length, before anything is copied.
    await note.getByTestId('recording-link').click();
    const panel = page.getByTestId('link-panel');
    await expect(panel).toBeVisible();
    const link = await panel.getByTestId('link-text').inputValue();
    expect(link.startsWith(`${baseURL}/app.html#fxc=`)).toBe(true);
    await expect(panel.getByTestId('link-length')).toHaveText(String(link.length));
    expect(Buffer.from(fromBase64Url(link.split('#fxc=')[1])).equals(exported.bytes)).toBe(true);
    console.log(`a ${duration} s note: ${exported.bytes.length} bytes, a link of ${link.length} characters`);

    await panel.getByTestId('copy-link').click();
    await expect(panel.getByTestId('link-message')).toContainText('Link copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    await panel.getByTestId('show-qr').click();
    await expect(panel.getByTestId('qr-code')).toBeVisible();
    await expect(panel.getByTestId('link-message')).toContainText(/QR code, version \d+/);
    expect(await readQr(panel.getByTestId('qr-code'))).toBe(link);

    // The recipient's side: their own library does not hold it yet.
    await note.getByTestId('recording-delete').click();
    await note.getByTestId('recording-delete').click();
    await expect(page.getByTestId('recording')).toHaveCount(0);

    await context.setOffline(true);
    const fresh = await context.newPage();
    await fresh.goto(link);
    await expect(fresh.getByTestId('shared-note')).toBeVisible();
    await expect(fresh.getByTestId('now-playing')).toHaveAttribute('data-id', 'link', {
      timeout: LOAD_TIMEOUT_MS + CODE_TIMEOUT_MS,
    });
    const played = Number(await fresh.getByTestId('now-playing').getAttribute('data-samples'));
    expect(Math.abs(played / CODEC_RATE_HZ - duration)).toBeLessThanOrEqual(0.05);
    await expect(fresh.getByTestId('shared-figures')).toContainText(`${exported.bytes.length} bytes`);

    await fresh.getByTestId('shared-save').click();
    const saved = fresh.getByTestId('recording');
    await expect(saved).toHaveCount(1);
    await expect(saved).toContainText('from a link');
    await expect(saved.getByTestId('recording-bytes')).toHaveText(String(exported.bytes.length));
    await expect(fresh.getByTestId('notice')).toContainText('Saved');
    await expect(fresh.getByTestId('shared-note')).toBeHidden();
    expect(new URL(fresh.url()).hash).toBe('');
    expect(Buffer.from((await download(fresh, 'recording-export')).bytes).equals(exported.bytes)).toBe(true);

    // Still there after a reload, offline; the link is not offered again.
    await fresh.reload();
    await ready(fresh);
    await expect(fresh.getByTestId('recording')).toHaveCount(1);
    await expect(fresh.getByTestId('shared-note')).toBeHidden();
    await fresh.getByTestId('recording').getByTestId('recording-play').click();
    await expect(fresh.getByTestId('now-playing')).toHaveAttribute('data-samples', String(played), {
      timeout: CODE_TIMEOUT_MS,
    });
  });
});

test('a cut or altered link says so and changes nothing; a note too long for a QR code names a rate that fits', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(900_000);
  const manifest = parseManifest(JSON.parse(await readFile('public/models/models.json', 'utf8')));
  // A valid 30 s note at 12.5 Hz for today's model (the codes are arbitrary, the file is well formed).
  const long = longNoteFxc(manifest, 30);
  await withOfflineMicContext(playwright.chromium, { baseURL }, async (context) => {
    const page = await context.newPage();
    await page.goto('/app.html');
    await ready(page);
    await page.getByTestId('file-input').setInputFiles({
      name: 'long.fxc',
      mimeType: 'application/x-flexicodec',
      buffer: Buffer.from(long),
    });
    const item = page.getByTestId('recording').filter({ hasText: 'long' });
    await expect(item).toHaveAttribute('data-state', 'ready', { timeout: CODE_TIMEOUT_MS });
    await ready(page);

    // Too long for a QR code: says how long, the limit, and a frame rate that fits.
    await item.getByTestId('recording-link').click();
    const panel = page.getByTestId('link-panel');
    await expect(panel).toHaveAttribute('data-fits-qr', 'false');
    const link = await panel.getByTestId('link-text').inputValue();
    expect(link.length).toBeGreaterThan(QR_MAX_LINK_CHARS);
    await expect(panel.getByTestId('link-message')).toContainText(
      `Too long for a QR code: the link has ${link.length.toLocaleString('en')} characters, a QR code holds 2,953. Record at`,
    );
    await expect(panel.getByTestId('link-message')).toContainText(
      /Record at \d+\.\d\d Hz or lower, and it fits\./,
    );
    await panel.getByTestId('show-qr').click();
    await expect(panel.getByTestId('qr-code')).toBeHidden();
    await expect(panel.getByTestId('link-message')).toHaveClass(/error/);

    // A link cut short, and one with a character changed: a clear message, nothing saved.
    const payload = link.split('#fxc=')[1];
    const cut = `/app.html#fxc=${payload.slice(0, payload.length - 50)}`;
    const at = payload.length >> 1;
    const altered = `/app.html#fxc=${payload.slice(0, at)}${payload[at] === 'A' ? 'B' : 'A'}${payload.slice(at + 1)}`;
    for (const bad of [cut, altered]) {
      await page.goto(bad);
      await expect(page.getByTestId('notice')).toContainText(
        'this link does not hold a whole voice note: it was cut short or changed on the way',
      );
      await expect(page.getByTestId('notice')).toContainText('Nothing was saved');
      await expect(page.getByTestId('status')).toHaveText(
        /^error: this link does not hold a whole voice note/,
      );
      await expect(page.getByTestId('shared-note')).toBeHidden();
      await expect(page.getByTestId('recording')).toHaveCount(1);
      expect(await storedNotes(page)).toBe(1);
    }
    // Opened afresh (not just a changed fragment), the same: the message comes before the models load.
    await page.reload();
    await expect(page.getByTestId('notice')).toContainText('does not hold a whole voice note');
    await expect(page.getByTestId('recording')).toHaveCount(1);
    await expect(page.getByTestId('status')).toHaveText(/^error: this link/, { timeout: LOAD_TIMEOUT_MS });
    expect(await storedNotes(page)).toBe(1);
  });
});
