#!/usr/bin/env node
// Builds what the npm package ships (`npm run build:cli`, also run by `npm pack`):
//   pkg/cli/flexicodec.mjs  the CLI, one file (onnxruntime-node stays an external dependency)
//   pkg/lib/index.js        the browser-safe library API (src/index.ts)
//   pkg/lib/node.js         the Node library API (src/node/index.ts)
//   pkg/types/**.d.ts       their type declarations
// Both bundles sit two folders below the package root, like src/node/, so the relative path to
// public/models/ is the same from source and from an installed tarball.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'pkg'); // not dist/: vite build empties that
for (const sub of ['cli', 'lib', 'types']) rmSync(join(out, sub), { recursive: true, force: true });

const common = { bundle: true, format: 'esm', target: 'es2022', logLevel: 'warning', absWorkingDir: root };
await build({
  ...common,
  entryPoints: ['src/cli/run.ts'],
  outfile: 'pkg/cli/flexicodec.mjs',
  platform: 'node',
  external: ['onnxruntime-node'],
});
await build({
  ...common,
  entryPoints: ['src/node/index.ts'],
  outfile: 'pkg/lib/node.js',
  platform: 'node',
  external: ['onnxruntime-node'],
});
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'pkg/lib/index.js', platform: 'neutral' });

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(
  process.execPath,
  [
    tsc,
    '--ignoreConfig',
    'src/index.ts',
    'src/node/index.ts',
    '--declaration',
    '--emitDeclarationOnly',
    '--outDir',
    'pkg/types',
    '--rootDir',
    'src',
    '--target',
    'ES2022',
    '--module',
    'ESNext',
    '--moduleResolution',
    'bundler',
    '--allowImportingTsExtensions',
    '--types',
    'node',
    '--skipLibCheck',
    '--strict',
  ],
  { cwd: root, stdio: 'inherit' },
);
// Declarations keep the source's "./x.ts" specifiers; consumers resolve "./x.js" to x.d.ts.
const rewrite = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) rewrite(path);
    else if (name.endsWith('.d.ts')) {
      writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
    }
  }
};
rewrite(join(out, 'types'));
console.log('built pkg/cli, pkg/lib, pkg/types');
