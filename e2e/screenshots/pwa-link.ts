/**
 * Screenshots of the offline app for docs/PWA.md: a recorded note with its link and QR code, and
 * the same link opened, offline, by someone else's copy of the app. Runs on the production build (`npm run build` first):
 *   npx tsx e2e/screenshots/pwa-link.ts
 * Headless Debian Chromium with the fake microphone playing test/fixtures/speech-en-6s.wav.
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../playwright.config.ts';
import { FAKE_MIC_ARGS } from '../fixtures/pwa-page.ts';
import { startSwitchableServer } from '../fixtures/switchable-server.ts';

/** Seconds recorded from the fake microphone. */
const RECORD_SECONDS = 5;
/** Width of the screenshots in CSS pixels (one device pixel each, to keep the PNGs small). */
const WIDTH_PX = 760;

const server = await startSwitchableServer('dist');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, ...FAKE_MIC_ARGS],
});
try {
  const context = await browser.newContext({
    baseURL: server.origin,
    viewport: { width: WIDTH_PX, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  await page.goto('/app.html');
  const ready = () =>
    page
      .getByTestId('status')
      .filter({ hasText: /^ready$/ })
      .waitFor({ timeout: 300_000 });
  await ready();
  await page.getByTestId('offline-ready').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
  await page.getByTestId('record').click();
  await page.waitForTimeout(RECORD_SECONDS * 1000);
  await page.getByTestId('stop').click();
  await page.locator('[data-testid="recording"][data-state="ready"]').waitFor({ timeout: 300_000 });
  await ready();
  await page.getByTestId('recording-rename').click();
  await page.getByTestId('rename-input').fill('Call back about Thursday');
  await page.getByTestId('rename-input').press('Enter');
  await page.getByTestId('recording-link').click();
  await page.getByTestId('copy-link').click();
  await page.getByTestId('show-qr').click();
  await page.getByTestId('qr-code').waitFor();
  await page.screenshot({ path: 'docs/pwa-link.png', fullPage: true });
  const link = await page.getByTestId('link-text').inputValue();

  // The recipient: another browser profile that has visited the app once, now offline.
  const recipient = await browser.newContext({
    baseURL: server.origin,
    viewport: { width: WIDTH_PX, height: 700 },
  });
  const other = await recipient.newPage();
  await other.goto('/app.html');
  await other.getByTestId('offline-ready').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
  await other.waitForFunction(() => !!navigator.serviceWorker.controller);
  await recipient.setOffline(true);
  await other.goto(link);
  await other.locator('[data-testid="now-playing"][data-id="link"]').waitFor({ timeout: 300_000 });
  await other.screenshot({ path: 'docs/pwa-link-opened.png', fullPage: true });
  console.log(`docs/pwa-link.png, docs/pwa-link-opened.png: a link of ${link.length} characters`);
} finally {
  await browser.close();
  await server.close();
}
