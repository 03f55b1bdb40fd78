/**
 * The vocoder's WebAssembly module (native/vocoder_glue.c, built by native/build.sh): its exports,
 * instantiation with the one import it has, the ABI check, and whether this engine runs WASM SIMD.
 * No DOM and no Node APIs: the browser worker and Node share it.
 */

/** The glue's ABI version this code was written against (FXV_ABI_VERSION of native/vocoder_glue.c). */
export const VOCODER_ABI_VERSION = 1;

/** Pointers into the module's memory are plain numbers (wasm32). */
type Ptr = number;

/** What native/vocoder_glue.c exports (ABI version 1). */
export interface VocoderExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  fxv_abi_version(): number;
  fxv_frame_samples(): number;
  fxv_feature_count(): number;
  fxv_alloc(bytes: number): Ptr;
  fxv_free(p: Ptr): void;
  /** An analysis state reading the blob at `blob`, or 0 where the blob lacks PitchDNN's weights. */
  fxv_analysis_new(blob: Ptr, len: number): Ptr;
  /** One 10 ms frame: 160 samples in [-1, 1] at `pcm` → 20 features at `out`; frames in order. */
  fxv_analysis_frame(st: Ptr, pcm: Ptr, out: Ptr): void;
  fxv_analysis_free(st: Ptr): void;
  /** A FARGAN state reading the blob at `blob`, or 0 where the blob lacks FARGAN's weights. */
  fxv_fargan_new(blob: Ptr, len: number): Ptr;
  /** Warm-up on the first frame's features (five copies over 20 ms of silence, as fargan_demo). */
  fxv_fargan_start(st: Ptr, features: Ptr): void;
  /** One 10 ms frame: 20 features → 160 samples in [-1, 1]. */
  fxv_fargan_frame(st: Ptr, features: Ptr, pcm: Ptr): void;
  fxv_fargan_free(st: Ptr): void;
}

/**
 * A function returning `i8x16.popcnt(i8x16.splat(0))`, wasm-feature-detect's `simd()` probe: an
 * engine without fixed-width WASM SIMD refuses to validate it.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01,
  0x00, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b,
]);

/** Whether this engine runs WebAssembly SIMD (fixed-width, 128-bit). */
export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const REQUIRED_EXPORTS = [
  'memory',
  '_initialize',
  'fxv_abi_version',
  'fxv_frame_samples',
  'fxv_feature_count',
  'fxv_alloc',
  'fxv_free',
  'fxv_analysis_new',
  'fxv_analysis_frame',
  'fxv_analysis_free',
  'fxv_fargan_new',
  'fxv_fargan_start',
  'fxv_fargan_frame',
  'fxv_fargan_free',
] as const;

/**
 * Instantiates the module (bytes or a compiled module), runs its `_initialize`, and checks that it
 * exports the ABI this code knows; `name` names it in errors.
 */
export async function instantiateVocoder(
  wasm: BufferSource | WebAssembly.Module,
  name: string,
): Promise<VocoderExports> {
  let instance: WebAssembly.Instance;
  // The module's only import: a callback when its memory grows. Views are made afresh per call, so
  // nothing needs to hear of it.
  const imports = { env: { emscripten_notify_memory_growth: () => undefined } };
  try {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    instance = await WebAssembly.instantiate(module, imports);
  } catch (err) {
    throw new Error(
      `${name}: not a vocoder WebAssembly module this engine can run (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
  const exports = instance.exports as unknown as VocoderExports;
  const missing = REQUIRED_EXPORTS.filter((e) => !(e in instance.exports));
  if (missing.length > 0)
    throw new Error(`${name}: not the vocoder module (no export ${missing.join(', ')}); rebuild it`);
  exports._initialize();
  const abi = exports.fxv_abi_version();
  if (abi !== VOCODER_ABI_VERSION)
    throw new Error(
      `${name}: vocoder ABI version ${abi}, this runtime knows ${VOCODER_ABI_VERSION}; ` +
        'rebuild it with native/build.sh from this checkout',
    );
  return exports;
}
