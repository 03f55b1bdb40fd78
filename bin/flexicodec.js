#!/usr/bin/env node
// Entry of the `flexicodec` command. In a checkout (src/ present, tsx installed as a
// devDependency) it runs the TypeScript source, so `npx flexicodec` is never a stale build;
// in an installed package it runs the bundle pkg/cli/flexicodec.mjs that `npm pack` builds.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/run.ts', import.meta.url);
const bundle = new URL('../pkg/cli/flexicodec.mjs', import.meta.url);

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return null;
  }
}

const register = existsSync(source) && !process.env.FLEXICODEC_USE_BUNDLE ? await tsxRegister() : null;
if (register) {
  register();
  await import(source.href);
} else if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  process.stderr.write('flexicodec: no build found; run `npm run build:cli` (needs the devDependencies)\n');
  process.exitCode = 1;
}
