/**
 * Earlier models' decoders, so a new model loses no voice note. The current model sits in the
 * models folder (models.json); each model shipped before it keeps its decode-side files in
 * `archive/<modelId>/`, listed in `archive/index.json` (docs/MODELS.md). Decoding a file looks
 * up the model id in its header and loads that model's decoder on demand, once.
 * Pure: the places the codec runs (worker, Node) inject how files are fetched.
 */
import { readHeader } from './bitstream.ts';
import { ModelUnavailableError } from './errors.ts';

/** The archive's index, relative to the models folder. */
export const ARCHIVE_INDEX_PATH = 'archive/index.json';

/** One archived model: where its decode-only models.json is, and that file's sha256. */
export interface ArchiveEntry {
  /** 8 hex digits, as in the .fxc header. */
  modelId: string;
  /** Folder of its models.json and decoder, relative to the archive folder, ending in '/'. */
  dir: string;
  /** sha256 of that models.json, which holds the decoder's own sha256: a chain from this index. */
  sha256: string;
  /** Bytes of its decode-side files, so a page can say what fetching them costs. */
  bytes: number;
}

/** archive/index.json. */
export interface ArchiveIndex {
  formatVersion: 1;
  /** Models whose decoders are archived, oldest first. */
  models: ArchiveEntry[];
  /**
   * Every model id that has shipped (archived or current): users may hold notes of any of them,
   * so `test/model-archive.test.ts` fails when one is neither the current model nor archived.
   */
  shipped: string[];
}

/** An index with nothing archived: what a models folder without archive/ has. */
export const EMPTY_ARCHIVE: ArchiveIndex = { formatVersion: 1, models: [], shipped: [] };

const HEX8 = /^[0-9a-f]{8}$/;

/** Checks a parsed archive/index.json; throws an error that names the bad entry. */
export function parseArchiveIndex(json: unknown): ArchiveIndex {
  if (typeof json !== 'object' || json === null) throw new Error(`${ARCHIVE_INDEX_PATH}: not a JSON object`);
  const index = json as ArchiveIndex;
  if (index.formatVersion !== 1)
    throw new Error(`${ARCHIVE_INDEX_PATH}: unsupported formatVersion ${index.formatVersion}`);
  if (!Array.isArray(index.models) || !Array.isArray(index.shipped))
    throw new Error(`${ARCHIVE_INDEX_PATH}: needs "models" and "shipped" arrays`);
  for (const [i, e] of index.models.entries()) {
    const ok =
      HEX8.test(e?.modelId ?? '') &&
      typeof e.dir === 'string' &&
      /^[0-9a-zA-Z_.-]+\/$/.test(e.dir) &&
      /^[0-9a-f]{64}$/.test(e.sha256 ?? '') &&
      Number.isInteger(e.bytes);
    if (!ok)
      throw new Error(`${ARCHIVE_INDEX_PATH}: models[${i}] needs modelId, dir ("<id>/"), sha256, bytes`);
  }
  for (const id of index.shipped)
    if (!HEX8.test(id)) throw new Error(`${ARCHIVE_INDEX_PATH}: shipped id "${id}" is not 8 hex digits`);
  return index;
}

/** The archived entry of a model, if any. */
export function findArchived(index: ArchiveIndex, modelId: string): ArchiveEntry | undefined {
  return index.models.find((e) => e.modelId === modelId);
}

/** Megabytes, for messages. */
function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The message for a note whose model is neither loaded nor archived. */
export function unknownModelMessage(modelId: string, currentId: string): string {
  return (
    `this note was made with model ${modelId}, which is not here: the models folder has model ${currentId} ` +
    `and no archived decoder for ${modelId}. The note is kept as it is; decode it with the models ` +
    `whose models.json has "modelId": "${modelId}"`
  );
}

/** The message for a note whose archived decoder cannot be fetched now (offline, say). */
export function unfetchedModelMessage(entry: ArchiveEntry, reason: string): string {
  return (
    `this note needs the decoder of model ${entry.modelId} (${mb(entry.bytes)}), which is not on this ` +
    `device and cannot be fetched now (${reason}). The note is kept: connect to the network once and play it again`
  );
}

/** Something that decodes for one model: a Codec, or anything else bound to a model id. */
export interface ModelBound {
  readonly manifest: { readonly modelId: string };
}

/** How to reach the archive: the index, and an archived model's decoder. */
export interface ArchiveLoader<C> {
  /** The archive's index; EMPTY_ARCHIVE where the models folder has none. */
  index(): Promise<ArchiveIndex>;
  /** Loads (fetches, checks, starts) one archived model's decoder. */
  load(entry: ArchiveEntry): Promise<C>;
}

/**
 * The decoder for each model id: the current model, or an archived one loaded on first use and
 * kept. A failed load is forgotten, so the next call tries again (after going online, say).
 */
export class ModelDecoders<C extends ModelBound> {
  private readonly archived = new Map<string, Promise<C>>();
  private indexPromise?: Promise<ArchiveIndex>;

  constructor(
    /** The loaded current model, which also encodes. */
    readonly current: C,
    private readonly loader: ArchiveLoader<C>,
  ) {}

  /** The archive's index, read once (a failed read is retried next time). */
  index(): Promise<ArchiveIndex> {
    this.indexPromise ??= this.loader.index().catch((err: unknown) => {
      this.indexPromise = undefined;
      throw err;
    });
    return this.indexPromise;
  }

  /** The decoder for `modelId`; throws ModelUnavailableError saying which model is needed. */
  forModel(modelId: string): Promise<C> {
    if (modelId === this.current.manifest.modelId) return Promise.resolve(this.current);
    let pending = this.archived.get(modelId);
    if (!pending) {
      pending = this.loadArchived(modelId);
      this.archived.set(modelId, pending);
      pending.catch(() => this.archived.delete(modelId));
    }
    return pending;
  }

  /** The decoder for a .fxc file's model (its header is checked first: FxcFormatError). */
  forFile(fxc: Uint8Array): Promise<C> {
    return this.forModel(readHeader(fxc).modelId);
  }

  /** Whether a model's decoder is loaded already (no fetch needed to decode its notes). */
  isLoaded(modelId: string): boolean {
    return modelId === this.current.manifest.modelId || this.archived.has(modelId);
  }

  /** The archived decoders loaded so far, so their sessions can be released. */
  async loadedArchived(): Promise<C[]> {
    const settled = await Promise.allSettled(this.archived.values());
    return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  private async loadArchived(modelId: string): Promise<C> {
    const currentId = this.current.manifest.modelId;
    let index: ArchiveIndex;
    try {
      index = await this.index();
    } catch (err) {
      throw new ModelUnavailableError(
        modelId,
        `this note was made with model ${modelId}, not the loaded ${currentId}, and the archive of ` +
          `earlier models cannot be read (${messageOf(err)}). The note is kept: try again when online`,
      );
    }
    const entry = findArchived(index, modelId);
    if (!entry) throw new ModelUnavailableError(modelId, unknownModelMessage(modelId, currentId));
    let decoder: C;
    try {
      decoder = await this.loader.load(entry);
    } catch (err) {
      throw new ModelUnavailableError(modelId, unfetchedModelMessage(entry, messageOf(err)));
    }
    if (decoder.manifest.modelId !== modelId) {
      throw new ModelUnavailableError(
        modelId,
        `archive/${entry.dir} holds model ${decoder.manifest.modelId}, not ${modelId}: the archive is inconsistent`,
      );
    }
    return decoder;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
