/** `flexicodec info`: what a .fxc file holds, from its bytes and (when present) models.json. */
import {
  fileBitrateBps,
  framesForSamples,
  FXC_PACKED_VERSION,
  FXC_PITCH_VERSION,
  isCompactVersion,
  layoutFromManifest,
  parseFxc,
  readHeader,
  type FxcHeader,
  type FxcLayout,
} from '../core/bitstream.ts';
import type { ModelConstants, ModelManifest } from '../core/manifest.ts';
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
  /**
   * Whether the payload was read: always for version 1; a range-coded payload (version 2 and up)
   * needs its model's entropy tables, from the loaded or an archived models.json. Without them the
   * segment fields are null and only the header is reported.
   */
  payloadRead: boolean;
  loadedModelId: string | null;
  sampleRateHz: number;
  sampleCount: number;
  durationS: number;
  bytes: number;
  /** Whole-file bits per second. */
  bitrateBps: number;
  targetRateHz: number;
  achievedRateHz: number | null;
  frames: number;
  segments: number | null;
  /** histogram[L-1] = segments of length L. */
  segmentLengthHistogram: number[] | null;
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

/**
 * Parses a file (throws FxcFormatError) and summarises it. `archived`: the archived models.json of
 * the file's model where it is not the loaded one (its entropy tables read the payload).
 */
export function describeFxc(
  bytes: Uint8Array,
  manifest: ModelManifest | null,
  archive: ArchiveIndex = EMPTY_ARCHIVE,
  archived: ModelConstants | null = null,
): FxcInfo {
  const header = readHeader(bytes); // checks the CRC: a corrupt file fails here, model or not
  const modelLoaded = manifest?.modelId === header.modelId;
  const own = modelLoaded ? manifest : archived?.modelId === header.modelId ? archived : null;
  // A version 2+ payload is range-coded with its model's tables: without them, only the header.
  const layout: FxcLayout | null = own
    ? layoutFromManifest(own)
    : header.version === FXC_PACKED_VERSION
      ? layoutFromHeader(header)
      : null;
  const file = layout ? parseFxc(bytes, layout) : null;
  const maxSegmentFrames = layout?.maxSegmentFrames ?? 2 ** header.lengthBits;
  const frameSamples = layout?.frameSamples ?? Math.round(header.sampleRateHz / BASE_FRAME_RATE_HZ);
  const frames = file?.frames ?? framesForSamples(header.sampleCount, frameSamples);
  let histogram: number[] | null = null;
  if (file) {
    histogram = new Array<number>(maxSegmentFrames).fill(0);
    for (const len of file.lengths) histogram[len - 1]++;
  }
  const frameRateHz = header.sampleRateHz / frameSamples;
  return {
    version: header.version,
    entropyId: header.entropyId ?? null,
    pitchStride: file ? (file.pitchStride ?? null) : null,
    modelId: header.modelId,
    modelLoaded,
    modelArchived: !!findArchived(archive, header.modelId),
    payloadRead: file !== null,
    loadedModelId: manifest?.modelId ?? null,
    sampleRateHz: header.sampleRateHz,
    sampleCount: header.sampleCount,
    durationS: header.sampleCount / header.sampleRateHz,
    bytes: bytes.length,
    bitrateBps: fileBitrateBps(bytes.length, header.sampleCount, header.sampleRateHz),
    targetRateHz: header.targetRateHz,
    achievedRateHz: file ? (frameRateHz * file.segments) / file.frames : null,
    frames,
    segments: file ? file.segments : null,
    segmentLengthHistogram: histogram,
    codeGroups: header.codeGroups,
    bitsPerCode: header.bitsPerCode,
  };
}

/** What the payload holds, by version. */
function formatLine(info: FxcInfo): string {
  if (!info.payloadRead)
    return `range-coded; reading its segments needs model ${info.modelId}'s entropy tables`;
  if (isCompactVersion(info.version))
    return `range-coded with model ${info.modelId}'s entropy tables, a pitch level per ${info.pitchStride === 2 ? 'two frames' : 'frame'}`;
  if (!info.entropyId) return 'bit-packed';
  return `range-coded with entropy tables ${info.entropyId}${info.version >= FXC_PITCH_VERSION ? ', a pitch level per frame' : ''}`;
}

/** Human-readable lines for one file. */
export function formatInfo(name: string, info: FxcInfo): string {
  const model = info.modelLoaded
    ? `${info.modelId} (loaded)`
    : info.modelArchived
      ? `${info.modelId} (an earlier model: its archived decoder decodes it)`
      : `${info.modelId} (not the loaded model${info.loadedModelId ? ` ${info.loadedModelId}` : ''}: decoding needs model ${info.modelId})`;
  const rate =
    info.achievedRateHz === null
      ? `${info.targetRateHz} Hz target (${info.frames} frames)`
      : `${info.achievedRateHz.toFixed(3)} Hz achieved, ${info.targetRateHz} Hz target (${info.segments} segments / ${info.frames} frames)`;
  return [
    `${name}`,
    `  duration     ${info.durationS.toFixed(3)} s (${info.sampleCount} samples at ${info.sampleRateHz} Hz)`,
    `  size         ${info.bytes} bytes`,
    `  bitrate      ${info.bitrateBps.toFixed(1)} bit/s (whole file)`,
    `  format       version ${info.version}, ${formatLine(info)}`,
    `  frame rate   ${rate}`,
    `  model id     ${model}`,
    `  code layout  ${info.codeGroups} codes x ${info.bitsPerCode} bits per segment`,
    ...(info.segmentLengthHistogram ? histogramLines(info.segmentLengthHistogram) : []),
  ].join('\n');
}

/** The segment length histogram as text bars. */
function histogramLines(histogram: number[]): string[] {
  const maxCount = Math.max(1, ...histogram);
  return [
    `  segment lengths (frames: count)`,
    ...histogram.map(
      (n, i) =>
        `    ${String(i + 1).padStart(2)}  ${String(n).padStart(6)}  ${'#'.repeat(Math.round((40 * n) / maxCount))}`,
    ),
  ];
}
