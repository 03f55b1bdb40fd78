/**
 * The app as a person uses it, in Debian Chromium: record speech from a (fake) microphone,
 * code it at several frame rates, download and reopen the .fxc, on WebGPU and on WASM; a note of
 * the model before v3 still plays; and a denied microphone. The fake microphone plays a real speech recording in a loop.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, test, type BrowserContextOptions, type BrowserType, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, WEBGPU_ARGS } from '../playwright.config.ts';
import {
  CODE_TIMEOUT_MS,
  download,
  dropFile,
  maxAbsDiff,
  numberIn,
  openApp,
  record,
  rms,
  setRate,
  wavSamples,
} from './fixtures/app-page.ts';

/** Real speech, 16 kHz mono PCM16 (test/fixtures/README.md). */
const SPEECH_WAV = resolve('test/fixtures/speech-en-6s.wav');
const CODEC_RATE_HZ = 16000;
/** Chromium plays SPEECH_WAV as the microphone and grants it without a prompt. */
const FAKE_MIC_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${SPEECH_WAV}`,
];
const RECORD_SECONDS = 5;
/** The slider positions the issue names. */
const RATES_HZ = [3, 6.25, 12.5];
/** How close the achieved average rate must come to the slider. */
const RATE_TOLERANCE_HZ = 0.25;

/**
 * Runs fn on a page of a Chromium launched with extra flags (each case needs its own: WebGPU
 * on or off, microphone granted or not), and closes the browser afterwards.
 */
async function withPage(
  chromium: BrowserType,
  baseURL: string | undefined,
  args: string[],
  fn: (page: Page) => Promise<void>,
  options: BrowserContextOptions = {},
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
  });
  try {
    const context = await browser.newContext({ baseURL, acceptDownloads: true, ...options });
    await fn(await context.newPage());
  } finally {
    await browser.close();
  }
}

/**
 * Records ≈5 s, checks the decoded length, the rate at each slider position (re-coded without
 * the encoder), then downloads the .fxc and decoded .wav at 6.25 Hz.
 */
async function recordAndCode(page: Page): Promise<{ fxc: Buffer; wav: Buffer }> {
  await record(page, RECORD_SECONDS);
  const originalSamples = await numberIn(page, 'original-samples');
  // The fake microphone runs in real time; allow for the time recording takes to start and stop.
  expect(originalSamples / CODEC_RATE_HZ).toBeGreaterThan(RECORD_SECONDS - 1);
  expect(originalSamples / CODEC_RATE_HZ).toBeLessThan(RECORD_SECONDS + 4);
  expect(await numberIn(page, 'decoded-samples')).toBe(originalSamples);
  const encoderRuns = await numberIn(page, 'encoder-runs');

  for (const rateHz of RATES_HZ) {
    const achieved = await setRate(page, rateHz);
    expect(Math.abs(achieved - rateHz), `achieved ${achieved} Hz at slider ${rateHz} Hz`).toBeLessThanOrEqual(
      RATE_TOLERANCE_HZ,
    );
    expect(await numberIn(page, 'decoded-samples')).toBe(originalSamples);
  }
  // Slider moves re-code from cached encoder features: the encoder did not run again.
  expect(await numberIn(page, 'encoder-runs')).toBe(encoderRuns);

  await setRate(page, 6.25);
  const fxc = await download(page, 'download-fxc');
  expect(fxc.name).toMatch(/\.fxc$/);
  expect(fxc.bytes.length).toBe(await numberIn(page, 'bytes'));
  // Bitrate counts the whole file: bytes · 8 / seconds of audio.
  const seconds = originalSamples / CODEC_RATE_HZ;
  expect(Math.abs((await numberIn(page, 'bitrate')) - (fxc.bytes.length * 8) / seconds)).toBeLessThanOrEqual(
    1,
  );

  const wav = await download(page, 'download-wav');
  const decoded = wavSamples(wav.bytes);
  expect(decoded.sampleRateHz).toBe(CODEC_RATE_HZ);
  expect(decoded.samples.length).toBe(originalSamples);
  // Speech in, speech-level audio out (not silence, not noise at full scale).
  const speechRms = rms(
    wavSamples(await import('node:fs/promises').then((fs) => fs.readFile(SPEECH_WAV))).samples,
  );
  expect(rms(decoded.samples)).toBeGreaterThan(speechRms / 10);
  expect(rms(decoded.samples)).toBeLessThan(speechRms * 10);
  return { fxc: fxc.bytes, wav: wav.bytes };
}

/** Opens a .fxc through the file input and returns the decoded .wav the page then offers. */
async function reopen(page: Page, name: string, fxc: Buffer): Promise<Buffer> {
  await page
    .getByTestId('file-input')
    .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: fxc });
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
  return (await download(page, 'download-wav')).bytes;
}

test('on WebGPU: records, codes at 3–12.5 Hz, and a downloaded .fxc decodes to the same audio', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withPage(playwright.chromium, baseURL, [...WEBGPU_ARGS, ...FAKE_MIC_ARGS], async (page) => {
    await openApp(page);
    await expect(page.getByTestId('backend')).toHaveText('webgpu');
    const { fxc, wav } = await recordAndCode(page);

    // Kept for the CLI's test, which decodes the browser's file in Node and compares.
    await mkdir('test-results', { recursive: true });
    await writeFile('test-results/e2e-browser.fxc', fxc);
    await writeFile('test-results/e2e-browser.wav', wav);

    const reopened = wavSamples(await reopen(page, 'speech.fxc', fxc));
    const first = wavSamples(wav);
    expect(reopened.samples.length).toBe(first.samples.length);
    expect(maxAbsDiff(reopened.samples, first.samples)).toBeLessThanOrEqual(2 / 32768);

    // A damaged file: a clear error, and the decoded result stays as it was.
    const bytesBefore = await page.getByTestId('bytes').textContent();
    const corrupt = Buffer.from(fxc);
    corrupt[Math.floor(corrupt.length / 2)] ^= 0x5a;
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'damaged.fxc', mimeType: 'application/octet-stream', buffer: corrupt });
    await expect(page.getByTestId('status')).toHaveText(/^error: .*(CRC|corrupt|fxc)/i, {
      timeout: CODE_TIMEOUT_MS,
    });
    await expect(page.getByTestId('notice')).toBeVisible();
    await expect(page.getByTestId('bytes')).toHaveText(bytesBefore ?? '');
    await expect(page.getByTestId('play-decoded')).toBeEnabled();
  });
});

// No --enable-unsafe-webgpu: Chromium on this machine then offers no WebGPU adapter.
test('with WebGPU disabled: falls back to WASM, says so, and codes the same way', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(600_000);
  await withPage(playwright.chromium, baseURL, FAKE_MIC_ARGS, async (page) => {
    await openApp(page);
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    await expect(page.getByTestId('notice')).toContainText('WebGPU is not available');
    // The server isolates the page (COOP/COEP), so ORT's WASM gets every core up to 4 (wasm-threads.ts).
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => Math.min(4, navigator.hardwareConcurrency));
    await expect(page.getByTestId('notice')).toContainText(`(CPU, ${cores} thread`);
    const { fxc, wav } = await recordAndCode(page);
    // The page keeps saying so after a recording, not only at load.
    await expect(page.getByTestId('notice')).toContainText('WebGPU is not available');
    await mkdir('test-results', { recursive: true });
    await writeFile('test-results/e2e-browser-wasm.fxc', fxc);
    const reopened = wavSamples(await reopen(page, 'speech-wasm.fxc', fxc));
    expect(maxAbsDiff(reopened.samples, wavSamples(wav).samples)).toBeLessThanOrEqual(2 / 32768);

    // A note of model a78344e1, the last model before v3 (test/fixtures/notes/, made with the CLI
    // while it was the shipped model): the archived decoder plays it as it played then.
    const note = await readFile('test/fixtures/notes/a78344e1.fxc');
    const played = wavSamples(await reopen(page, 'a78344e1.fxc', note));
    const before = wavSamples(await readFile('test/fixtures/notes/a78344e1-decoded.wav'));
    expect(played.samples.length).toBe(before.samples.length);
    // onnxruntime-web's WASM kernels and Node's CPU ones round differently (test/browser-node.test.ts).
    expect(maxAbsDiff(played.samples, before.samples)).toBeLessThan(1e-3);
  });
});

// A fake device exists, but without --use-fake-ui-for-media-stream and with no permission
// granted, Chromium refuses getUserMedia (NotAllowedError), as when a person clicks "Block".
test('with the microphone denied: says so clearly and stays usable with a dropped file', async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(600_000);
  const args = ['--use-fake-device-for-media-stream'];
  await withPage(
    playwright.chromium,
    baseURL,
    args,
    async (page) => {
      await openApp(page, '?backend=wasm');
      await page.getByTestId('record').click();
      await expect(page.getByTestId('status')).toContainText('error: Microphone permission denied');
      await expect(page.getByTestId('notice')).toBeVisible();
      await expect(page.getByTestId('notice')).toContainText('Microphone permission denied');
      await expect(page.getByTestId('stop')).toBeDisabled();
      await expect(page.getByTestId('record')).toBeEnabled();

      const speech = await readFile(SPEECH_WAV);
      await dropFile(page, 'speech.wav', speech);
      await expect(page.getByTestId('status')).toHaveText('ready', { timeout: CODE_TIMEOUT_MS });
      expect(await numberIn(page, 'decoded-samples')).toBe(wavSamples(speech).samples.length);
    },
    { permissions: [] },
  );
});

test('?threads=N sets the WASM threads, and a bad value is refused with what is accepted', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openApp(page, '?backend=wasm&threads=1');
  await expect(page.getByTestId('notice')).toContainText('(CPU, 1 thread)');
  await page.goto('/?backend=wasm&threads=9');
  await expect(page.getByTestId('status')).toContainText('error: ?threads=9: give a whole number');
  await expect(page.getByTestId('notice')).toContainText('from 1 to 4');
});
