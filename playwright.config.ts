import { defineConfig } from '@playwright/test';

/** Port of the Vite dev server the browser tests load. */
const PORT = 5179;
/**
 * Port of `vite preview` serving the production build (service workers and dist/lib need it).
 * Picked per run and passed to the test workers in the environment, so two runs never share
 * a server (a reused one could serve another run's build).
 */
export const PREVIEW_PORT = Number((process.env.FLEXI_PREVIEW_PORT ??= String(4200 + (process.pid % 700))));
/** Specs that run against the built app (the offline PWA, the embeddable module). */
const BUILD_SPECS = ['**/pwa.spec.ts', '**/embed.spec.ts', '**/links.spec.ts', '**/model-update.spec.ts'];

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
  projects: [
    { name: 'dev', testIgnore: BUILD_SPECS },
    { name: 'build', testMatch: BUILD_SPECS, use: { baseURL: `http://127.0.0.1:${PREVIEW_PORT}` } },
  ],
  webServer: [
    {
      // Vite without watching: edits elsewhere in the tree must not reload a page mid-test.
      command: `npx tsx e2e/fixtures/serve.ts ${PORT}`,
      url: `http://127.0.0.1:${PORT}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
    {
      // A private snapshot of the production build (npm test builds dist/ just before).
      command: `npx tsx e2e/fixtures/serve-build.ts ${PREVIEW_PORT}`,
      url: `http://127.0.0.1:${PREVIEW_PORT}/app.html`,
      reuseExistingServer: false,
      timeout: 300_000,
    },
  ],
});
