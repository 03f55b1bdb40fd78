/**
 * A second, older model for the tests of model updates: the smoke-test model of training/ (a
 * tiny config, two steps of each stage on a synthetic corpus), exported by the project's own
 * export code. Built once per checkout into node_modules/.cache (4 s on two cores, 4 MB: too big
 * to commit), with /usr/bin/python3 and Debian's torch (DESIGN.md; FLEXI_PYTHON overrides).
 */
import { cachedModelDir } from './cached-model-build.ts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the exported smoke model is kept between runs. */
export const SMOKE_MODEL_CACHE = resolve('node_modules/.cache/flexicodec-smoke-model');

/** Bump to rebuild the cached model (e.g. after an export format change). */
const RECIPE_VERSION = '2';

/** The steps, as training/tests/test_smoke.py runs them (docs/MODELS.md, "An older model for tests"). */
function recipe(work: string): string[][] {
  const common = [
    '--run',
    join(work, 'run'),
    '--corpus',
    join(work, 'corpus'),
    '--tiny',
    '--crop-frames',
    '16',
    '--batch',
    '2',
  ];
  return [
    [
      '-c',
      `from training.tests.synthetic_corpus import write_corpus; write_corpus(${JSON.stringify(join(work, 'corpus'))}, utterances=4)`,
    ],
    ['-m', 'training.train', '--stage', 'semantic', '--max-steps', '2', ...common],
    ['-m', 'training.train', '--stage', 'codec', '--max-steps', '2', ...common],
    [
      '-m',
      'training.export',
      '--ckpt',
      join(work, 'run', 'codec.pt'),
      '--out',
      join(work, 'models'),
      '--calib-dir',
      join(work, 'corpus', 'wav', 'synth'),
      '--golden-out',
      join(work, 'golden'),
      // its synthetic corpus has no split to measure range-coder tables on: the smoke model writes
      // .fxc version 1, the format of the models shipped before entropy coding
      '--no-entropy',
    ],
  ];
}

/** The folder of the smoke model's models.json and three ONNX files, exporting it on first use. */
export function smokeModelDir(): string {
  return cachedModelDir({
    cacheDir: SMOKE_MODEL_CACHE,
    recipeVersion: RECIPE_VERSION,
    python: process.env.FLEXI_PYTHON ?? '/usr/bin/python3',
    recipe,
  });
}

/** The smoke model's id. */
export function smokeModelId(): string {
  return (JSON.parse(readFileSync(join(smokeModelDir(), 'models.json'), 'utf8')) as { modelId: string })
    .modelId;
}
