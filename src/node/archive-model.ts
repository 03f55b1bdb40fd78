/**
 * `npm run models:archive`: keeps the shipped model's decoder before a new model replaces it, so
 * every note it made still plays (docs/MODELS.md). Copies the decode-side files of
 * `<models>/models.json` to `<archive>/<modelId>/`, writes a decode-only models.json there, and
 * lists it (id, folder, sha256, bytes) in `<archive>/index.json`. Run it before each export.
 * Usage: tsx src/node/archive-model.ts [--models public/models] [--archive <models>/archive]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DecoderManifest } from '../core/manifest.ts';
import { EMPTY_ARCHIVE, parseArchiveIndex, type ArchiveEntry } from '../core/model-archive.ts';
import { loadManifest } from './ort-backend.ts';

/** Where the runtime looks for the archive and its index: `archive/` of the models folder. */
const ARCHIVE_DIR = 'archive';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What one run did. */
export interface ArchiveResult {
  entry: ArchiveEntry;
  /** False when this model was archived already, byte for byte. */
  added: boolean;
  archiveDir: string;
}

/**
 * Archives the decoder of the model in `modelsDir` into `archiveDir` (default
 * `<modelsDir>/archive`). Idempotent; refuses to overwrite a different archive of the same id.
 */
export async function archiveModel(
  modelsDir: string,
  archiveDir = join(modelsDir, ARCHIVE_DIR),
): Promise<ArchiveResult> {
  const manifest = await loadManifest(modelsDir);
  const spec = manifest.models.decoder;
  const decoder = readFileSync(join(modelsDir, spec.file));
  if (sha256(decoder) !== spec.sha256) {
    throw new Error(
      `${join(modelsDir, spec.file)} does not match the sha256 in its models.json: nothing archived`,
    );
  }
  const dir = `${manifest.modelId}/`;
  const target = join(archiveDir, dir);
  const archived: DecoderManifest = {
    ...manifest,
    decodeOnly: true,
    models: { decoder: spec },
  };
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(archived, null, 2)}\n`);
  const existing = join(target, spec.file);
  if (existsSync(existing) && sha256(readFileSync(existing)) !== spec.sha256) {
    throw new Error(
      `${existing} holds another decoder than model ${manifest.modelId}'s: remove it by hand first`,
    );
  }
  mkdirSync(target, { recursive: true });
  copyFileSync(join(modelsDir, spec.file), existing);
  writeFileSync(join(target, 'models.json'), manifestBytes);

  const indexPath = join(archiveDir, 'index.json');
  const index = existsSync(indexPath)
    ? parseArchiveIndex(JSON.parse(readFileSync(indexPath, 'utf8')))
    : structuredClone(EMPTY_ARCHIVE);
  const entry: ArchiveEntry = {
    modelId: manifest.modelId,
    dir,
    sha256: sha256(manifestBytes),
    bytes: statSync(existing).size + manifestBytes.length,
  };
  const before = index.models.find((e) => e.modelId === entry.modelId);
  const added = !before || before.sha256 !== entry.sha256;
  index.models = [...index.models.filter((e) => e.modelId !== entry.modelId), entry];
  if (!index.shipped.includes(entry.modelId)) index.shipped.push(entry.modelId);
  writeFileSync(indexPath, `${JSON.stringify(index, null, 2)}\n`);
  return { entry, added, archiveDir };
}

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const modelsDir = option(argv, '--models') ?? 'public/models';
  archiveModel(modelsDir, option(argv, '--archive')).then(
    ({ entry, added, archiveDir }) => {
      const verb = added ? 'archived' : 'already archived:';
      console.log(
        `${verb} model ${entry.modelId}'s decoder in ${join(archiveDir, entry.dir)} (${(entry.bytes / 1e6).toFixed(2)} MB); ` +
          `${join(archiveDir, 'index.json')} lists it. Now export the new model.`,
      );
    },
    (err: unknown) => {
      console.error(`models:archive: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
