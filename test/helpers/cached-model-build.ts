/**
 * A model set put together once per checkout in node_modules/.cache from committed fixtures (and,
 * where a file is too big to commit, a command that makes it): reused while its stamp matches,
 * made in a private folder and moved into place whole, so a run that dies half-way leaves no
 * half-made set behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How one cached set is made. */
export interface CachedSet {
  /** The cache folder; the set's models.json lies in its `models/`. */
  cacheDir: string;
  /** What the set is made from (e.g. the sha256 of its fixture's models.json): another remakes it. */
  stamp: string;
  /** Makes the set in `work` (its `models/`, and anything beside it). */
  make: (work: string) => void;
}

/** The sha256 of a file, hex. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The folder of the set's models.json and ONNX files, making it on first use. */
export function cachedModelDir(set: CachedSet): string {
  const models = join(set.cacheDir, 'models');
  const stamp = join(set.cacheDir, 'stamp');
  if (
    existsSync(join(models, 'models.json')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === set.stamp
  )
    return models;
  const work = `${set.cacheDir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'models'), { recursive: true });
  set.make(work);
  writeFileSync(join(work, 'stamp'), set.stamp);
  rmSync(set.cacheDir, { recursive: true, force: true });
  renameSync(work, set.cacheDir);
  return models;
}
