/** `flexicodec info`: what a .fxc file holds, from its bytes and (when present) models.json. */
import {
  fileBitrateBps,
  FXC_PITCH_VERSION,
  FXC_VERSION,
  layoutFromManifest,
  parseFxc,
  readHeader,
  type FxcHeader,
  type FxcLayout,
} from '../core/bitstream.ts';
import type { ModelManifest } from '../core/manifest.ts';
import { EMPTY_ARCHIVE, findArchived, type ArchiveIndex } from '../core/model-archive.ts';

/** The 12.5 Hz base frame rate of format version 1. */
const BASE_FRAME_RATE_HZ = 12.5;

/** Everything `info` reports about one file. */
export interface FxcInfo {
  /** Container version: 1 bit-packed, 2 range-coded, 3 with pitch, 4 with the compact header. */
  version: number;
  /** Versions 2 and 3: the entropy tables the payload was coded with (version 4: the model's). */
  entropyId: string | null;
  /** Frames per coded pitch level (1 or 2); null where the file codes no pitch. */
  pitchStride: number | null;
  modelId: string;
  /** Whether the loaded models.json has this file's model id (decodable here). */
  modelLoaded: boolean;
  /** Whether the models folder's archive has this earlier model's decoder (decodable here too). */
  modelArchived: boolean;
  loadedModelId: string | null;
  sampleRateHz: number;
  sampleCount: number;
  durationS: number;
  bytes: number;
  /** Whole-file bits per second. */
  bitrateBps: number;
  targetRateHz: number;
  achievedRateHz: number;
  frames: number;
  segments: number;
  /** histogram[L-1] = segments of length L. */
  segmentLengthHistogram: number[];
  codeGroups: number;
  bitsPerCode: number;
}

/** The layout a header implies on its own, for files whose model is not loaded. */
function layoutFromHeader(h: FxcHeader): FxcLayout {
  return {
    modelId: h.modelId,
    sampleRateHz: h.sampleRateHz,
    frameSamples: Math.round(h.sampleRateHz / BASE_FRAME_RATE_HZ),
    maxSegmentFrames: 2 ** h.lengthBits,
    codeGroups: h.codeGroups,
    bitsPerCode: h.bitsPerCode,
    lengthBits: h.lengthBits,
  };
}

/** Parses a file fully (throws FxcFormatError) and summarises it. */
export function describeFxc(
  bytes: Uint8Array,
  manifest: ModelManifest | null,
  archive: ArchiveIndex = EMPTY_ARCHIVE,
): FxcInfo {
  const header = readHeader(bytes);
  const modelLoaded = manifest?.modelId === header.modelId;
  // The loaded model's layout carries its entropy tables, which a version 2 payload needs.
  const layout: FxcLayout = modelLoaded && manifest ? layoutFromManifest(manifest) : layoutFromHeader(header);
  const file = parseFxc(bytes, layout);
  const histogram = new Array<number>(layout.maxSegmentFrames).fill(0);
  for (const len of file.lengths) histogram[len - 1]++;
  const frameRateHz = layout.sampleRateHz / layout.frameSamples;
  return {
    version: header.version,
    entropyId: header.entropyId ?? null,
    pitchStride: file.pitchStride ?? null,
    modelId: header.modelId,
    modelLoaded,
    modelArchived: !!findArchived(archive, header.modelId),
    loadedModelId: manifest?.modelId ?? null,
    sampleRateHz: header.sampleRateHz,
    sampleCount: header.sampleCount,
    durationS: header.sampleCount / header.sampleRateHz,
    bytes: bytes.length,
    bitrateBps: fileBitrateBps(bytes.length, header.sampleCount, header.sampleRateHz),
    targetRateHz: header.targetRateHz,
    achievedRateHz: (frameRateHz * file.segments) / file.frames,
    frames: file.frames,
    segments: file.segments,
    segmentLengthHistogram: histogram,
    codeGroups: header.codeGroups,
    bitsPerCode: header.bitsPerCode,
  };
}

/** What the payload holds, by version. */
function formatLine(info: FxcInfo): string {
  if (info.version === FXC_VERSION)
    return `range-coded with model ${info.modelId}'s entropy tables, a pitch level per ${info.pitchStride === 2 ? 'two frames' : 'frame'}`;
  if (!info.entropyId) return 'bit-packed';
  return `range-coded with entropy tables ${info.entropyId}${info.version >= FXC_PITCH_VERSION ? ', a pitch level per frame' : ''}`;
}

/** Human-readable lines for one file. */
export function formatInfo(name: string, info: FxcInfo): string {
  const maxCount = Math.max(1, ...info.segmentLengthHistogram);
  const hist = info.segmentLengthHistogram
    .map(
      (n, i) =>
        `    ${String(i + 1).padStart(2)}  ${String(n).padStart(6)}  ${'#'.repeat(Math.round((40 * n) / maxCount))}`,
    )
    .join('\n');
  const model = info.modelLoaded
    ? `${info.modelId} (loaded)`
    : info.modelArchived
      ? `${info.modelId} (an earlier model: its archived decoder decodes it)`
      : `${info.modelId} (not the loaded model${info.loadedModelId ? ` ${info.loadedModelId}` : ''}: decoding needs model ${info.modelId})`;
  return [
    `${name}`,
    `  duration     ${info.durationS.toFixed(3)} s (${info.sampleCount} samples at ${info.sampleRateHz} Hz)`,
    `  size         ${info.bytes} bytes`,
    `  bitrate      ${info.bitrateBps.toFixed(1)} bit/s (whole file)`,
    `  format       version ${info.version}, ${formatLine(info)}`,
    `  frame rate   ${info.achievedRateHz.toFixed(3)} Hz achieved, ${info.targetRateHz} Hz target (${info.segments} segments / ${info.frames} frames)`,
    `  model id     ${model}`,
    `  code layout  ${info.codeGroups} codes x ${info.bitsPerCode} bits per segment`,
    `  segment lengths (frames: count)`,
    hist,
  ].join('\n');
}
