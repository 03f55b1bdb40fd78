/**
 * The demo page's "Copy link" and "QR code" (dev server): the shown result as a link to the
 * offline app, copied as shown, read back from the QR code, updated by the slider; the link opens
 * in the demo itself and in the app, which plays it; a long note's link says which slider position
 * fits a QR code.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { parseManifest } from '../src/core/manifest.ts';
import { CODE_TIMEOUT_MS, numberIn, openApp, setRate } from './fixtures/app-page.ts';
import { SPEECH_WAV } from './fixtures/pwa-page.ts';
import { longNoteFxc, readQr } from './fixtures/qr.ts';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('the demo shares its result as a link and a QR code, and opens such links', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await openApp(page, 'index.html?backend=wasm');
  await page.getByTestId('file-input').setInputFiles(SPEECH_WAV);
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });

  const panel = page.getByTestId('link-panel');
  await expect(panel).toBeVisible();
  const link = await panel.getByTestId('link-text').inputValue();
  expect(link.startsWith(`${baseURL}/app.html#fxc=`)).toBe(true);
  await expect(panel.getByTestId('link-length')).toHaveText(String(link.length));
  await expect(panel.getByTestId('link-message')).toContainText('fits a QR code');
  const bytes = await numberIn(page, 'bytes');
  expect(link.length - link.indexOf('#fxc=') - 5).toBe(Math.ceil((bytes * 4) / 3));

  await panel.getByTestId('copy-link').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await panel.getByTestId('show-qr').click();
  expect(await readQr(panel.getByTestId('qr-code'))).toBe(link);

  // The slider re-codes, and the link follows.
  await setRate(page, 12.5);
  const finer = await panel.getByTestId('link-text').inputValue();
  expect(finer.length).toBeGreaterThan(link.length);
  await expect(panel.getByTestId('qr-code')).toBeHidden();

  // The demo opens a link too.
  const fragment = link.slice(link.indexOf('#'));
  await page.goto(`/index.html?backend=wasm${fragment}`);
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS * 2 });
  await expect(page.getByTestId('bytes')).toHaveText(String(bytes));
  await expect(page.getByTestId('notice')).toContainText('Decoded the note of this link');

  // A long note: the link says which slider position would fit a QR code.
  const manifest = parseManifest(JSON.parse(await readFile('public/models/models.json', 'utf8')));
  const long = longNoteFxc(manifest, 30);
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'long.fxc', mimeType: 'application/octet-stream', buffer: Buffer.from(long) });
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
  await expect(panel.getByTestId('link-message')).toContainText(
    /Too long for a QR code: .* Move the slider to \d+\.\d\d Hz or lower/,
  );

  // And the offline app plays it.
  await page.goto(`/app.html?backend=wasm${fragment}`);
  await expect(page.getByTestId('shared-note')).toBeVisible();
  await expect(page.getByTestId('now-playing')).toHaveAttribute('data-id', 'link', {
    timeout: CODE_TIMEOUT_MS * 2,
  });
});
