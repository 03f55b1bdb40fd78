import { defineConfig } from '@playwright/test';

/** Port of the Vite dev server the browser tests load. */
const PORT = 5179;

// Debian's Chromium, headless, WebGPU on SwiftShader (see DESIGN.md). Specs that need other
// flags (fake microphone, WebGPU off) launch their own browser with these plus theirs.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Flags that give headless Chromium a WebGPU adapter (SwiftShader). */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  // Two cores shared with everything else: one browser at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS],
    },
  },
  webServer: {
    // Vite without watching: edits elsewhere in the tree must not reload a page mid-test.
    command: `npx tsx e2e/fixtures/serve.ts ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
  },
});
