/**
 * models.json's `vocoder` section: libopus 1.6.1's FARGAN vocoder and LPCNet feature analysis
 * (WebAssembly, src/vocoder/), what its files are and the feature layout a decoder with a
 * `features` output predicts. Pure data checks, no loading.
 */

/** What the runtime implements: a section naming anything else is refused, naming what differs. */
export const VOCODER_IMPLEMENTED = {
  formatVersion: 1,
  kind: 'libopus-1.6.1-fargan',
  abiVersion: 1,
  sampleRateHz: 16000,
  frameSamples: 160,
} as const;

/**
 * The 20 features of each 10 ms frame: index ranges [first, end) of the 18 Bark-scale cepstra,
 * and the index of the pitch period code and of the pitch correlation.
 */
export const VOCODER_FEATURE_LAYOUT = {
  count: 20,
  barkCepstra: [0, 18],
  pitchPeriod: 18,
  pitchCorrelation: 19,
} as const;

/** One file of the vocoder, its path relative to the models folder. */
export interface VocoderFile {
  file: string;
  /** sha256 of the file; required for the weights, whose bytes are third-party data. */
  sha256?: string;
  bytes?: number;
}

/** The whole `vocoder` section. */
export interface VocoderSection {
  formatVersion: 1;
  /** Which vocoder: libopus 1.6.1's FARGAN with its LPCNet analysis (PitchDNN pitch). */
  kind: 'libopus-1.6.1-fargan';
  /** Free text: what it is, for people. */
  description?: string;
  /** SPDX id of the vocoder's code and weights (BSD-3-Clause, Xiph.Org and contributors). */
  license: string;
  /** Where the code and weights come from. */
  source?: string;
  /** FXV_ABI_VERSION of native/vocoder_glue.c the module must report. */
  abiVersion: 1;
  sampleRateHz: 16000;
  /** Samples per vocoder frame (10 ms). */
  frameSamples: 160;
  features: typeof VOCODER_FEATURE_LAYOUT;
  /**
   * The WebAssembly module, built from this repository's glue by native/build.sh (not pinned by
   * sha256: its identity is the ABI version it reports): with WASM SIMD, and without for engines
   * that lack it.
   */
  wasm: { simd: VocoderFile; scalar: VocoderFile };
  /** The PitchDNN and FARGAN records of libopus 1.6.1's weights blob, pinned by sha256 and size. */
  weights: Required<VocoderFile>;
}

/** A relative path inside the site or package: no scheme, no absolute path, no backslash. */
function checkRelativeFile(where: string, spec: unknown): string {
  const file = (spec as VocoderFile | undefined)?.file;
  if (typeof file !== 'string' || file === '' || /^[a-z]+:|^\/|\\/i.test(file))
    throw new Error(`models.json: ${where}.file must be a relative path`);
  return file;
}

/** Checks the `vocoder` section; throws a clear error naming what differs from what this runtime runs. */
export function checkVocoderSection(json: unknown): VocoderSection {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error('models.json: vocoder must be an object');
  const v = json as Record<string, unknown>;
  const differs = Object.entries(VOCODER_IMPLEMENTED)
    .filter(([key, value]) => v[key] !== value)
    .map(([key]) => `${key} ${JSON.stringify(v[key]) ?? 'missing'}`);
  const f = (v.features ?? {}) as Record<string, unknown>;
  if (JSON.stringify(f) !== JSON.stringify(VOCODER_FEATURE_LAYOUT))
    differs.push(`features ${JSON.stringify(v.features) ?? 'missing'}`);
  if (differs.length)
    throw new Error(
      `models.json: vocoder ${differs.join(', ')}; this runtime implements ` +
        `${JSON.stringify({ ...VOCODER_IMPLEMENTED, features: VOCODER_FEATURE_LAYOUT })}`,
    );
  if (typeof v.license !== 'string' || v.license === '')
    throw new Error('models.json: vocoder.license missing');
  const wasm = v.wasm as VocoderSection['wasm'] | undefined;
  checkRelativeFile('vocoder.wasm.simd', wasm?.simd);
  checkRelativeFile('vocoder.wasm.scalar', wasm?.scalar);
  const weights = v.weights as VocoderFile | undefined;
  checkRelativeFile('vocoder.weights', weights);
  if (
    !/^[0-9a-f]{64}$/.test(weights?.sha256 ?? '') ||
    !Number.isInteger(weights?.bytes) ||
    weights!.bytes! <= 0
  )
    throw new Error('models.json: vocoder.weights needs its sha256 and bytes');
  return v as unknown as VocoderSection;
}
