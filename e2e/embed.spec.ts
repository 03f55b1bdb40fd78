/**
 * The embeddable module on the production build: examples/embed.html (and a bare page holding
 * nothing but the script tag and the element) load dist/lib/flexi-codec.js, which finds its
 * worker and models from its own URL. Two elements share one worker and one model download;
 * the UI records and codes, and encode()/decode() and the events work from script.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { FlexiCodecElement } from '../src/component/flexi-codec-element.ts';
import { CODE_TIMEOUT_MS, LOAD_TIMEOUT_MS, rms, wavSamples } from './fixtures/app-page.ts';
import { withOfflineMicContext, SPEECH_WAV } from './fixtures/pwa-page.ts';

async function readyIn(element: Locator): Promise<void> {
  await expect(element.getByTestId('status')).toHaveText('ready', { timeout: LOAD_TIMEOUT_MS });
}

/** Number in a text element inside an element's shadow root. */
async function numberIn(element: Locator, testId: string): Promise<number> {
  return Number.parseFloat((await element.getByTestId(testId).textContent()) ?? '');
}

/** Clicks a download button inside an element and returns the file's bytes. */
async function download(
  page: Page,
  element: Locator,
  testId: string,
): Promise<{ bytes: Buffer; name: string }> {
  const pending = page.waitForEvent('download');
  await element.getByTestId(testId).click();
  const file = await pending;
  return { bytes: await readFile(await file.path()), name: file.suggestedFilename() };
}

/** Counts requests for each models file and every worker the page starts. */
function watchLoads(page: Page): { models: Map<string, number>; workers: string[] } {
  const seen = { models: new Map<string, number>(), workers: [] as string[] };
  page.context().on('request', (r) => {
    const m = /\/models\/([^/?]+)/.exec(new URL(r.url()).pathname);
    if (m) seen.models.set(m[1], (seen.models.get(m[1]) ?? 0) + 1);
  });
  page.on('worker', (w) => seen.workers.push(w.url()));
  return seen;
}

test('examples/embed.html: two elements share one worker; record, re-code, download; encode()/decode() and events', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withOfflineMicContext(playwright.chromium, { baseURL, acceptDownloads: true }, async (context) => {
    const page = await context.newPage();
    const loads = watchLoads(page);
    await page.goto('/examples/embed.html');
    const full = page.locator('flexi-codec#full');
    const compact = page.locator('flexi-codec#compact');
    await readyIn(full);
    await readyIn(compact);
    await expect(page.locator('#log')).toContainText('full: ready on wasm');
    // One codec worker (its own ORT threads aside) and one download of each model for both elements.
    expect(loads.workers.filter((url) => /codec\.worker/.test(url))).toHaveLength(1);
    expect(loads.models.get('encoder.onnx')).toBe(1);
    expect(loads.models.get('decoder.onnx')).toBe(1);
    // The compact layout is one row: no taller than its buttons need.
    const fullBox = await full.boundingBox();
    const compactBox = await compact.boundingBox();
    expect(compactBox!.height).toBeLessThan(fullBox!.height / 2);

    // The element's own UI: record from the fake microphone, then move the slider.
    await full.getByTestId('record').click();
    await expect(full.getByTestId('status')).toHaveText('recording');
    await page.waitForTimeout(3000);
    await full.getByTestId('stop').click();
    await expect(full.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
    await expect(full.getByTestId('achieved-rate')).toHaveAttribute('data-target-hz', '6.25');
    const bytesAt6 = await numberIn(full, 'bytes');
    expect(bytesAt6).toBeGreaterThan(20);
    await expect(page.locator('#log')).toContainText(`full: encoded ${bytesAt6} bytes`);
    const fxc = await download(page, full, 'download-fxc');
    expect(fxc.bytes.length).toBe(bytesAt6);
    expect(fxc.bytes.subarray(0, 3).toString('latin1')).toBe('FXC');

    await full.getByTestId('frame-rate').fill('12.5');
    await expect(full.getByTestId('achieved-rate')).toHaveAttribute('data-target-hz', '12.50', {
      timeout: CODE_TIMEOUT_MS,
    });
    await expect(full.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
    expect(await numberIn(full, 'achieved-rate')).toBeCloseTo(12.5, 5);
    expect(await numberIn(full, 'bytes')).toBeGreaterThan(bytesAt6);
    await expect(full).toHaveAttribute('frame-rate', '12.5');
    await expect(full.getByTestId('play-original')).toBeEnabled();
    await expect(full.getByTestId('play-decoded')).toBeEnabled();

    // The other element encodes meanwhile; this one's re-code must still be its own audio.
    await page.locator('#script-encode').click();
    await expect(page.locator('#log')).toContainText('encode() returned');
    await page.locator('#script-decode').click();
    await expect(page.locator('#log')).toContainText(`decode() returned ${2 * 16000} samples`);
    await full.getByTestId('frame-rate').fill('6.25');
    await expect(full.getByTestId('achieved-rate')).toHaveAttribute('data-target-hz', '6.25', {
      timeout: CODE_TIMEOUT_MS,
    });
    await expect(full.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
    expect(await numberIn(full, 'bytes')).toBe(bytesAt6);

    // Methods from script, on the compact element: real speech in, same-length speech out.
    const speech = await readFile(SPEECH_WAV);
    const original = wavSamples(speech).samples;
    const coded = await page.evaluate(async (base64) => {
      const el = document.querySelector<FlexiCodecElement>('flexi-codec#compact')!;
      const events: { type: string; detail: unknown }[] = [];
      for (const type of ['encoded', 'error'])
        el.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
      const wav = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const fxc = await el.encode(new Blob([wav], { type: 'audio/wav' }));
      const pcm = await el.decode(fxc);
      const failure = await el.decode(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])).then(
        () => 'decoded garbage',
        (err: Error) => err.message,
      );
      return {
        fxcBytes: fxc.length,
        magic: String.fromCharCode(...fxc.subarray(0, 3)),
        pcm: Array.from(pcm),
        failure,
        events: events.map((e) => ({
          type: e.type,
          bytes: (e.detail as { bytes?: number }).bytes,
          message: (e.detail as { message?: string }).message,
        })),
      };
    }, speech.toString('base64'));
    expect(coded.magic).toBe('FXC');
    expect(coded.pcm.length).toBe(original.length);
    const decoded = Float32Array.from(coded.pcm);
    expect(rms(decoded)).toBeGreaterThan(rms(original) / 10);
    expect(rms(decoded)).toBeLessThan(rms(original) * 10);
    // frame-rate="3" on the compact element: ≈ 3 Hz of codes, far fewer bytes than 6 s at 12.5 Hz.
    await expect(compact.getByTestId('achieved-rate')).toHaveText(/^[23]\.\d\d$/);
    expect(coded.failure).toMatch(/fxc/i);
    expect(coded.events[0]).toEqual({ type: 'encoded', bytes: coded.fxcBytes, message: undefined });
    expect(coded.events[1].type).toBe('error');
    expect(coded.events[1].message).toBe(coded.failure);
    await expect(compact.getByTestId('status')).toHaveText(/^error: /);
  });
});

test('a page with only the script tag and the element loads models relative to the module, and decodes a .fxc', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(600_000);
  await withOfflineMicContext(playwright.chromium, { baseURL }, async (context) => {
    const page = await context.newPage();
    // A page elsewhere on the site that has nothing but the embed: no models path, no config.
    await page.route('**/somewhere/else/bare.html', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><script type="module" src="/lib/flexi-codec.js"></script><flexi-codec></flexi-codec>',
      }),
    );
    const loads = watchLoads(page);
    await page.goto('/somewhere/else/bare.html');
    const el = page.locator('flexi-codec');
    await readyIn(el);
    expect(loads.models.get('models.json')).toBe(1);

    // Open a .wav with the element's file input, then the .fxc it made.
    const speech = await readFile(SPEECH_WAV);
    await el
      .getByTestId('file-input')
      .setInputFiles({ name: 'speech.wav', mimeType: 'audio/wav', buffer: speech });
    await expect(el.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
    await expect(el.getByTestId('achieved-rate')).toHaveAttribute('data-target-hz', '6.25');
    const wav = await download(page, el, 'download-wav');
    expect(wavSamples(wav.bytes).samples.length).toBe(wavSamples(speech).samples.length);
    const fxc = await download(page, el, 'download-fxc');
    await el
      .getByTestId('file-input')
      .setInputFiles({ name: 'speech.fxc', mimeType: 'application/octet-stream', buffer: fxc.bytes });
    await expect(el.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
    await expect(el.getByTestId('play-original')).toBeDisabled();
    await expect(el.getByTestId('play-decoded')).toBeEnabled();
    expect(Number(await el.getByTestId('bytes').textContent())).toBe(fxc.bytes.length);
  });
});
