/**
 * FlexiCodec library API, browser-safe (no Node or DOM APIs): build a `Codec` from a
 * models.json, an InferenceBackend and a Merger, then `encode`, `decode` and `readHeader`.
 * Node users want `flexicodec/node`, which loads the bundled models with onnxruntime-node.
 */
import type { Codec, EncodeOptions, EncodeResult } from './core/codec.ts';

export { Codec, EncodedSession, type EncodeOptions, type EncodeResult } from './core/codec.ts';
export {
  FXC_VERSION,
  MAX_SAMPLE_COUNT,
  fileBitrateBps,
  layoutFromManifest,
  parseFxc,
  readHeader,
  writeFxc,
  type FxcFile,
  type FxcHeader,
  type FxcLayout,
} from './core/bitstream.ts';
export {
  DEFAULT_DECODE_PLAN,
  PITCH_DECODE_PLAN,
  defaultDecodePlan,
  DEFAULT_ENCODE_PLAN,
  type ChunkPlan,
  type DecodePlan,
} from './core/chunking.ts';
export { FxcFormatError, ModelUnavailableError, WavFormatError } from './core/errors.ts';
export {
  FxcLinkError,
  QR_MAX_LINK_CHARS,
  fitsQr,
  fxcLink,
  parseFxcFragment,
  type LinkedNote,
} from './core/fxc-link.ts';
export {
  ModelDecoders,
  parseArchiveIndex,
  type ArchiveEntry,
  type ArchiveIndex,
} from './core/model-archive.ts';
export {
  parseDecoderManifest,
  parseManifest,
  type DecoderManifest,
  type ModelManifest,
} from './core/manifest.ts';
export { resample, StreamingResampler } from './core/resample.ts';
export { searchTau, fixedRateLengths, type TauChoice } from './core/tau.ts';
export { TwinMerger } from './core/twin-merger.ts';
export type { EncodedFeatures, InferenceBackend, MergeResult, Merger } from './core/types.ts';
export { parseWav, writeWav, type MonoAudio } from './core/wav.ts';
export { checkVocoderSection, type VocoderSection } from './core/vocoder-section.ts';
export {
  FARGAN_DELAY_SAMPLES,
  ResynthesisStream,
  VOCODER_FEATURE_COUNT,
  VOCODER_FRAME_SAMPLES,
  Vocoder,
  VocoderError,
} from './vocoder/vocoder.ts';
export { loadVocoder, type VocoderFetcher, type VocoderLoadOptions } from './vocoder/load.ts';
export { wasmSimdSupported } from './vocoder/wasm.ts';

/** Encodes 16 kHz mono audio with a codec; same as `codec.encode`. */
export function encode(codec: Codec, audio16k: Float32Array, options: EncodeOptions): Promise<EncodeResult> {
  return codec.encode(audio16k, options);
}

/** Decodes a .fxc file to 16 kHz mono audio; same as `codec.decode`. */
export function decode(codec: Codec, fxc: Uint8Array): Promise<Float32Array> {
  return codec.decode(fxc);
}
