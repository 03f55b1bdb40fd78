/**
 * Earlier models' decoders on Node: `<modelsDir>/archive/index.json` and each archived model's
 * folder, checked along the chain index → models.json → decoder (src/core/model-archive.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Codec } from '../core/codec.ts';
import {
  ARCHIVE_INDEX_PATH,
  EMPTY_ARCHIVE,
  ModelDecoders,
  parseArchiveIndex,
  type ArchiveEntry,
  type ArchiveIndex,
} from '../core/model-archive.ts';
import { parseDecoderManifest, type DecoderManifest } from '../core/manifest.ts';
import { TwinMerger } from '../core/twin-merger.ts';
import { OrtNodeBackend, type OrtLoadOptions } from './ort-backend.ts';

/** The archive index of a models folder; the empty archive where the folder has none. */
export async function loadArchiveIndexFile(modelsDir: string): Promise<ArchiveIndex> {
  const path = join(modelsDir, ARCHIVE_INDEX_PATH);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_ARCHIVE;
    throw err;
  }
  return parseArchiveIndex(JSON.parse(text));
}

/** The models.json of one archived model of `modelsDir`, checked against the index's sha256. */
export async function loadArchivedManifest(modelsDir: string, entry: ArchiveEntry): Promise<DecoderManifest> {
  const path = join(modelsDir, 'archive', entry.dir, 'models.json');
  const manifestBytes = await readFile(path);
  const digest = createHash('sha256').update(manifestBytes).digest('hex');
  if (digest !== entry.sha256) {
    throw new Error(`${path}: sha256 ${digest.slice(0, 12)}… does not match ${ARCHIVE_INDEX_PATH}`);
  }
  return parseDecoderManifest(JSON.parse(manifestBytes.toString('utf8')));
}

/** A decode-only codec of one archived model of `modelsDir`. */
export async function loadArchivedCodec(
  modelsDir: string,
  entry: ArchiveEntry,
  options: OrtLoadOptions = {},
): Promise<Codec> {
  const dir = join(modelsDir, 'archive', entry.dir);
  // the index's sha256 checks the models.json, which in turn holds the decoder's
  const backend = await OrtNodeBackend.loadDecoder(
    dir,
    // A decoder that predicts vocoder features uses the vocoder of the current models folder.
    { vocoderDir: modelsDir, ...options },
    await loadArchivedManifest(modelsDir, entry),
  );
  const m = backend.manifest;
  return new Codec(m, backend, TwinMerger.for(m));
}

/** The decoders of `current`'s models folder: the current model and, on demand, archived ones. */
export function archiveDecoders(
  current: Codec,
  modelsDir: string,
  options: OrtLoadOptions = {},
): ModelDecoders<Codec> {
  return new ModelDecoders(current, {
    index: () => loadArchiveIndexFile(modelsDir),
    load: (entry) => loadArchivedCodec(modelsDir, entry, options),
  });
}
