/**
 * Fetches models.json and its ONNX files (asr.onnx where listed, encoder, quantizer, decoder) once, with progress and a sha256 check; and an
 * archived model's decoder (archive/<id>/), checked along the chain index → models.json → decoder.
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
async function fetchOk(url: URL): Promise<Response> {
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
 * Loads models.json from modelsUrl (a folder URL ending in '/'), then each model file,
 * reporting bytes as they arrive and rejecting a file whose sha256 differs from the manifest.
 */
export async function loadModels(
  modelsUrl: string,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadedModels> {
  const base = new URL(modelsUrl);
  const manifest = parseManifest(await (await fetchOk(new URL('models.json', base))).json());
  const roles = modelRoles(manifest);
  const totalBytes = roles.reduce((sum, role) => sum + (manifest.models[role]?.bytes ?? 0), 0);
  let loadedBytes = 0;
  const bytes: Partial<Record<ModelRole, Uint8Array>> = {};
  for (const role of roles) {
    const spec = manifest.models[role];
    if (!spec) continue;
    onProgress({ phase: 'download', file: spec.file, loadedBytes, totalBytes });
    const data = await readWithProgress(await fetchOk(new URL(spec.file, base)), (n) => {
      loadedBytes += n;
      onProgress({ phase: 'download', file: spec.file, loadedBytes, totalBytes });
    });
    const digest = await sha256Hex(data);
    if (digest !== spec.sha256) {
      throw new Error(
        `${spec.file}: sha256 ${digest.slice(0, 12)}… does not match models.json (${spec.sha256.slice(0, 12)}…)`,
      );
    }
    bytes[role] = data;
  }
  return { manifest, bytes };
}
