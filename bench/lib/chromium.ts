/** Debian's Chromium for the benchmarks, launched as a server so its process tree can be measured. */
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, WEBGPU_ARGS } from '../../playwright.config.ts';
import { realSpeech } from './speech.ts';

/** The Chromium binary (override with CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A running browser and the pid of its main process. */
export interface BenchBrowser {
  browser: Browser;
  pid: number;
  close(): Promise<void>;
}

/** Launches headless Chromium with the test flags, plus WebGPU (SwiftShader) when `webgpu`. */
export async function launchChromium(webgpu: boolean): Promise<BenchBrowser> {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Eager measureUserAgentSpecificMemory: without it the promise waits for the next GC (up to 20 s).
    args: [
      ...CHROMIUM_ARGS,
      ...(webgpu ? WEBGPU_ARGS : []),
      '--enable-blink-features=ForceEagerMeasureMemory',
    ],
  });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error('chromium: no pid');
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    pid,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

const speechBodies = new Map<number, Buffer>();

/** Serves `/__bench/speech-SECONDS.f32` (see bench/browser/main.ts) to `page` from realSpeech. */
export async function serveSpeech(page: Page): Promise<void> {
  await page.route(/\/__bench\/speech-(\d+(?:\.\d+)?)\.f32$/, async (route) => {
    const seconds = Number(/speech-([\d.]+)\.f32$/.exec(route.request().url())?.[1]);
    let body = speechBodies.get(seconds);
    if (!body) {
      const { samples } = realSpeech(seconds);
      body = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      speechBodies.set(seconds, body);
    }
    await route.fulfill({
      status: 200,
      body,
      headers: { 'Content-Type': 'application/octet-stream', 'Cross-Origin-Resource-Policy': 'same-origin' },
    });
  });
}
