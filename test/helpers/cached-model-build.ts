/**
 * A model set built once per checkout by a chain of Python commands (the project's own training and
 * export code) into node_modules/.cache: reused while its recipe version matches, built in a private
 * folder and moved into place whole, so a run that dies half-way leaves no half-built set behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How one cached set is made. */
export interface CachedBuild {
  /** The cache folder; the set's models.json lies in its `models/`. */
  cacheDir: string;
  /** Bump to rebuild (e.g. after an export format change). */
  recipeVersion: string;
  /** The Python interpreter that runs the recipe. */
  python: string;
  /** The argument lists of each Python command, given the private build folder. */
  recipe: (work: string) => string[][];
  /** Subfolders of the build folder to drop before it moves into place (scratch files). */
  scratch?: string[];
}

/** The folder of the set's models.json and ONNX files, building it on first use. */
export function cachedModelDir(build: CachedBuild): string {
  const models = join(build.cacheDir, 'models');
  const stamp = join(build.cacheDir, 'recipe');
  if (
    existsSync(join(models, 'models.json')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === build.recipeVersion
  )
    return models;
  const work = `${build.cacheDir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const args of build.recipe(work)) {
    execFileSync(build.python, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' },
    });
  }
  for (const sub of build.scratch ?? []) rmSync(join(work, sub), { recursive: true, force: true });
  writeFileSync(join(work, 'recipe'), build.recipeVersion);
  rmSync(build.cacheDir, { recursive: true, force: true });
  renameSync(work, build.cacheDir);
  return models;
}
