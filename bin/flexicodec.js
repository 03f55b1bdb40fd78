#!/usr/bin/env node
// Entry of the `flexicodec` command. Runs the bundled CLI (pkg/cli/flexicodec.mjs, made by
// `npm run build:cli` and shipped in the npm tarball); in a checkout that has not built it,
// runs the TypeScript source through tsx (a devDependency) so `npx flexicodec` works after
// `npm install`.
import { existsSync } from 'node:fs';

const bundle = new URL('../pkg/cli/flexicodec.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/run.ts', import.meta.url).href);
}
