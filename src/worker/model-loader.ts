/**
 * Fetches models.json and its ONNX files (asr.onnx where listed, encoder, quantizer, decoder) once,
 * on a fetch worker (fetch.worker.ts), with progress and a sha256 check, handing each file on as
 * it is in so its session can start; and an archived model's decoder (archive/<id>/), checked along
 * the chain index → models.json → decoder.
 */
import {
  modelRoles,
  parseDecoderManifest,
  parseManifest,
  type DecoderManifest,
  type ModelManifest,
} from '../core/manifest';
import {
  ARCHIVE_INDEX_PATH,
  parseArchiveIndex,
  type ArchiveEntry,
  type ArchiveIndex,
} from '../core/model-archive';
import type { FetchReply, FetchRequest } from './fetch.worker';
import { measure, timed } from './load-timing';
import type { LoadProgress } from './protocol';

/** The model files of the contract; asr.onnx only in model sets whose models.json lists it. */
export const MODEL_ROLES = ['asr', 'encoder', 'quantizer', 'decoder'] as const;

/** One of the models. */
export type ModelRole = (typeof MODEL_ROLES)[number];

/** The manifest and the verified bytes of each model it lists. */
export interface LoadedModels {
  manifest: ModelManifest;
  bytes: Partial<Record<ModelRole, Uint8Array>>;
}

/** An archived model: its decode-only manifest and the verified decoder. */
export interface LoadedDecoder {
  manifest: DecoderManifest;
  bytes: { decoder: Uint8Array };
}

/** Reads a response body chunk by chunk so the page can show progress. */
async function readWithProgress(response: Response, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    onChunk(value.byteLength);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Lower-case hex sha256 of bytes (WebCrypto; needs a secure context such as localhost). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fetches a URL or throws an error that names it (offline and uncached: a network error). */
export async function fetchOk(url: URL): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`cannot fetch ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (!response.ok) throw new Error(`cannot fetch ${url.pathname}: HTTP ${response.status}`);
  return response;
}

/** Throws unless bytes have the sha256 their manifest states. */
async function checkSha(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const digest = await sha256Hex(bytes);
  if (digest !== expected) {
    throw new Error(`${name}: sha256 ${digest.slice(0, 12)}… does not match (${expected.slice(0, 12)}…)`);
  }
}

/** archive/index.json of a models folder; an empty archive where the folder has none (HTTP 404). */
export async function loadArchiveIndex(modelsUrl: string): Promise<ArchiveIndex> {
  const url = new URL(ARCHIVE_INDEX_PATH, modelsUrl);
  const response = await fetch(url);
  if (response.status === 404) return { formatVersion: 1, models: [], shipped: [] };
  if (!response.ok) throw new Error(`cannot fetch ${url.pathname}: HTTP ${response.status}`);
  return parseArchiveIndex(await response.json());
}

/** Fetches and checks one archived model's decode-only models.json and decoder. */
export async function loadArchivedDecoder(modelsUrl: string, entry: ArchiveEntry): Promise<LoadedDecoder> {
  const dir = new URL(`archive/${entry.dir}`, modelsUrl);
  const manifestBytes = await readWithProgress(await fetchOk(new URL('models.json', dir)), () => undefined);
  await checkSha(`archive/${entry.dir}models.json`, manifestBytes, entry.sha256);
  const manifest = parseDecoderManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
  const spec = manifest.models.decoder;
  const decoder = await readWithProgress(await fetchOk(new URL(spec.file, dir)), () => undefined);
  await checkSha(`archive/${entry.dir}${spec.file}`, decoder, spec.sha256);
  return { manifest, bytes: { decoder } };
}

/**
 * Fetches one file, reporting bytes as they arrive; downloads run one at a time, in the order they
 * were asked for. `close` ends it: once every file is in, or to give up the rest after a failure.
 */
type Downloader = ((url: URL, onBytes: (bytes: number) => void) => Promise<Uint8Array>) & { close(): void };

/** Downloads on this thread, one at a time. */
function inThread(): Downloader {
  let queue: Promise<unknown> = Promise.resolve();
  const here = (url: URL, onBytes: (bytes: number) => void) => {
    const file = queue.then(() =>
      timed(`fetch ${url.pathname.split('/').pop()}`, async () =>
        readWithProgress(await fetchOk(url), onBytes),
      ),
    );
    queue = file.catch(() => undefined);
    return file;
  };
  return Object.assign(here, { close: () => undefined });
}

/**
 * Downloads on a fetch worker of their own (fetch.worker.ts) where this scope can start one, so
 * they go on while a session being created blocks this thread; else here.
 */
function downloader(): Downloader {
  if (typeof Worker === 'undefined') return inThread();
  const worker = new Worker(new URL('./fetch.worker.ts', import.meta.url), { type: 'module' });
  const pending = new Map<
    number,
    { url: URL; onBytes: (n: number) => void; resolve: (b: Uint8Array) => void; reject: (e: Error) => void }
  >();
  let next = 0;
  worker.onmessage = (e: MessageEvent<FetchReply>) => {
    const reply = e.data;
    const p = pending.get(reply.id);
    if (!p) return;
    if (reply.kind === 'progress') return p.onBytes(reply.bytes);
    pending.delete(reply.id);
    if (reply.kind === 'error') return p.reject(new Error(reply.message));
    const origin = performance.timeOrigin; // the fetch worker's clock starts elsewhere: go by the epoch
    measure(`fetch ${p.url.pathname.split('/').pop()}`, reply.startedAtMs - origin, reply.endedAtMs - origin);
    p.resolve(new Uint8Array(reply.body));
  };
  // A fetch worker that cannot start (or dies) leaves its downloads to this thread.
  let fallback: Downloader | undefined;
  worker.onerror = (e) => {
    e.preventDefault();
    fallback ??= inThread();
    for (const p of pending.values()) fallback(p.url, p.onBytes).then(p.resolve, p.reject);
    pending.clear();
  };
  const get = (url: URL, onBytes: (bytes: number) => void) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (fallback) return fallback(url, onBytes).then(resolve, reject);
      const id = next++;
      pending.set(id, { url, onBytes, resolve, reject });
      worker.postMessage({ id, url: url.href } satisfies FetchRequest);
    });
  const close = () => {
    worker.terminate();
    for (const p of pending.values()) p.reject(new Error(`download of ${p.url.pathname} given up`));
    pending.clear();
  };
  return Object.assign(get, { close });
}

/**
 * The order the worker fetches the models and creates their sessions in, so that each session is
 * built while the next files arrive: the quantizer first (the smallest file; its session also
 * starts onnxruntime's wasm, a few hundred ms, while the encoder downloads), then the others
 * (bench/ready-model-set.ts measured the order).
 */
export const LOAD_ORDER: readonly ModelRole[] = ['quantizer', 'encoder', 'asr', 'decoder'];

/** models.json and, per model it lists, a promise of the verified bytes (see `fetchModels`). */
export interface FetchingModels {
  manifest: ModelManifest;
  bytes: Partial<Record<ModelRole, Promise<Uint8Array>>>;
}

/**
 * Fetches models.json from modelsUrl (a folder URL ending in '/'), then starts fetching each model
 * file, one after another in LOAD_ORDER, reporting bytes as they arrive; each file's promise
 * resolves once its sha256 matches the manifest and rejects, naming the file, where it does not
 * or where its download fails. Returns as soon as the manifest is read.
 */
export async function fetchModels(
  modelsUrl: string,
  onProgress: (p: LoadProgress) => void,
): Promise<FetchingModels> {
  const base = new URL(modelsUrl);
  const manifest = await timed('fetch models.json', async () =>
    parseManifest(await (await fetchOk(new URL('models.json', base))).json()),
  );
  const roles = modelRoles(manifest);
  const totalBytes = roles.reduce((sum, role) => sum + (manifest.models[role]?.bytes ?? 0), 0);
  let loadedBytes = 0;
  const download = downloader();
  let failed = false;
  const get = (role: ModelRole): Promise<Uint8Array> => {
    const spec = manifest.models[role]!;
    return download(new URL(spec.file, base), (n) => {
      loadedBytes += n;
      if (!failed) onProgress({ phase: 'download', file: spec.file, loadedBytes, totalBytes });
    });
  };
  const verify = async (role: ModelRole, data: Uint8Array): Promise<Uint8Array> => {
    const spec = manifest.models[role]!;
    const digest = await timed(`sha256 ${spec.file}`, () => sha256Hex(data));
    if (digest !== spec.sha256) {
      throw new Error(
        `${spec.file}: sha256 ${digest.slice(0, 12)}… does not match models.json (${spec.sha256.slice(0, 12)}…)`,
      );
    }
    return data;
  };
  const bytes: FetchingModels['bytes'] = {};
  const order = LOAD_ORDER.filter((r) => roles.includes(r));
  onProgress({ phase: 'download', file: manifest.models[order[0]]!.file, loadedBytes, totalBytes });
  const downloads = order.map((role) => {
    const data = get(role);
    const file = data.then((d) => verify(role, d)); // beside the next download
    // After a failure the load is over: the rest is given up, and no progress follows its error.
    file.catch(() => {
      failed = true;
      download.close();
    });
    bytes[role] = file;
    return data;
  });
  void Promise.allSettled(downloads).then(download.close);
  return { manifest, bytes };
}

/** `fetchModels`, waiting for every file: the manifest and the verified bytes of each model it lists. */
export async function loadModels(
  modelsUrl: string,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadedModels> {
  const { manifest, bytes: pending } = await fetchModels(modelsUrl, onProgress);
  const bytes: LoadedModels['bytes'] = {};
  for (const role of LOAD_ORDER) if (pending[role]) bytes[role] = await pending[role];
  return { manifest, bytes };
}
