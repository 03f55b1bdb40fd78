/**
 * Loads the vocoder a models.json names (its `vocoder` section): picks the SIMD build where the
 * engine runs WASM SIMD (else the scalar one), fetches it and the weights blob through an injected
 * fetcher (the worker's fetch, Node's readFile), checks the blob's size and sha256, and starts it.
 */
import type { VocoderSection } from '../core/vocoder-section.ts';
import { Vocoder } from './vocoder.ts';
import { wasmSimdSupported } from './wasm.ts';

/** Reads one of the vocoder's files by its path relative to the models folder; rejects naming it. */
export type VocoderFetcher = (file: string) => Promise<Uint8Array>;

/** Options of `loadVocoder`. */
export interface VocoderLoadOptions {
  /** Which build to run; default: 'simd' where this engine runs WASM SIMD, else 'scalar'. */
  build?: 'simd' | 'scalar';
}

/** Lower-case hex sha256 (WebCrypto: a worker in a secure context, or Node 20's global crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws unless `bytes` are the weights the section pins (size, then sha256). */
export async function checkVocoderWeights(section: VocoderSection, bytes: Uint8Array): Promise<void> {
  const { file, sha256, bytes: expected } = section.weights;
  if (bytes.length !== expected)
    throw new Error(
      `${file}: ${bytes.length} bytes, models.json says ${expected}: not libopus 1.6.1's vocoder weights`,
    );
  const digest = await sha256Hex(bytes);
  if (digest !== sha256)
    throw new Error(
      `${file}: sha256 ${digest.slice(0, 12)}… does not match models.json (${sha256.slice(0, 12)}…): ` +
        'a corrupt or different weights file',
    );
}

/** The vocoder of a models.json `vocoder` section, its files read through `fetchFile`. */
export async function loadVocoder(
  section: VocoderSection,
  fetchFile: VocoderFetcher,
  options: VocoderLoadOptions = {},
): Promise<Vocoder> {
  const build = options.build ?? (wasmSimdSupported() ? 'simd' : 'scalar');
  const wasmFile = section.wasm[build].file;
  // Both files are fetched at once, but a failure is reported in a fixed order (the module first),
  // not whichever read happened to fail first: the same missing folder always gives the same error.
  const [wasmRead, weightsRead] = await Promise.allSettled([
    fetchFile(wasmFile),
    fetchFile(section.weights.file),
  ]);
  if (wasmRead.status === 'rejected') throw wasmRead.reason;
  if (weightsRead.status === 'rejected') throw weightsRead.reason;
  const [wasm, weights] = [wasmRead.value, weightsRead.value];
  await checkVocoderWeights(section, weights);
  return Vocoder.create(wasm as Uint8Array<ArrayBuffer>, weights, build, {
    wasm: wasmFile,
    weights: section.weights.file,
  });
}
