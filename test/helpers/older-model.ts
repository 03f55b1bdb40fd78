/**
 * The model that shipped before today's, whole, for the tests of model updates: a78344e1, the last
 * model of the earlier family (docs/MODELS.md). Its decoder is the one public/models/archive/
 * keeps; its encoder, quantizer and full models.json are in test/fixtures/models/a78344e1/ (the
 * files public/models/ shipped; test/fixtures/README.md). Put together once per checkout in
 * node_modules/.cache (copies, each checked against models.json's sha256), beside a link to the
 * vocoder folder its models.json names (../vocoder/).
 */
import { copyFileSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedModelDir, fileSha256 } from './cached-model-build.ts';

/** The older model's id. */
export const OLDER_MODEL_ID = 'a78344e1';

/** Where the whole older model is put together. */
export const OLDER_MODEL_CACHE = resolve('node_modules/.cache/flexicodec-older-model');

/** Its encoder, quantizer and models.json. */
const FIXTURE_DIR = resolve('test/fixtures/models', OLDER_MODEL_ID);
/** Its decoder, as the shipped archive keeps it. */
const ARCHIVED_DIR = resolve('public/models/archive', OLDER_MODEL_ID);

/** The folder of the older model's models.json and three ONNX files. */
export function olderModelDir(): string {
  const manifestPath = join(FIXTURE_DIR, 'models.json');
  return cachedModelDir({
    cacheDir: OLDER_MODEL_CACHE,
    stamp: fileSha256(manifestPath),
    make: (work) => {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        models: Record<string, { file: string; sha256: string }>;
      };
      for (const { file, sha256 } of Object.values(manifest.models)) {
        const from = [FIXTURE_DIR, ARCHIVED_DIR]
          .map((dir) => join(dir, file))
          .find((path) => existsSync(path) && fileSha256(path) === sha256);
        if (!from)
          throw new Error(
            `model ${OLDER_MODEL_ID}'s ${file}: neither ${FIXTURE_DIR} nor ${ARCHIVED_DIR} holds it with the sha256 of its models.json`,
          );
        copyFileSync(from, join(work, 'models', file));
      }
      copyFileSync(manifestPath, join(work, 'models', 'models.json'));
      symlinkSync(resolve('public/vocoder'), join(work, 'vocoder'));
    },
  });
}
