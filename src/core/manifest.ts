/** Types and validation for `public/models/models.json`, the single source of model constants. */
import { parseEntropySection, type EntropySection } from './entropy.ts';
import { checkAsrWindow, type AsrWindow } from './asr-windows.ts';
import { checkReducedCodeGroups, type ReducedCodeGroups } from './code-groups.ts';
import { checkPitchSection, type PitchSection } from './pitch-code.ts';
import { checkVocoderSection, VOCODER_FEATURE_LAYOUT, type VocoderSection } from './vocoder-section.ts';

/** One tensor of a model's signature. Dimensions are numbers or symbolic names ("T", "K", "S"). */
export interface TensorSpec {
  type: 'float32' | 'int32';
  shape: (number | string)[];
}

/** One ONNX file and its signature. */
export interface ModelFileSpec {
  file: string;
  sha256: string;
  bytes: number;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

/** The merge features models.json may name. */
export const MERGE_FEATURES = [
  'semantic',
  'log-mel',
  'whisper-tiny.en',
  'lpcnet-cepstra',
  'v3-fine-stream',
] as const;
/** What the merge stream of a model is (models.json `mergeFeatures`). */
export type MergeFeatures = (typeof MERGE_FEATURES)[number];

/** What encoder.onnx reads (models.json `encoderInput`; absent means `audio`). */
export const ENCODER_INPUTS = ['audio', 'vocoder-features'] as const;
/**
 * `audio`: the 16 kHz samples (`audio` [1, S]); `vocoder-features`: the vocoder's LPCNet analysis of
 * them (`features` [1, F, 20], F = S / 160), which the runtime computes with the `vocoder` section's module.
 */
export type EncoderInput = (typeof ENCODER_INPUTS)[number];

/** What an encoder may read besides its `encoderInput` (models.json `semanticInput`). */
export const SEMANTIC_INPUTS = ['whisper-tiny.en'] as const;
/**
 * `whisper-tiny.en`: Whisper tiny.en's 12.5 Hz encoder features, asr.onnx's output run by the window
 * scheme of `asrWindow` (training/v3/model.py `V3Config.semantic`), fed to encoder.onnx as `asr`.
 */
export type SemanticInput = (typeof SEMANTIC_INPUTS)[number];

/** Width of each `semanticInput`'s rows: Whisper tiny.en's model width. */
const SEMANTIC_INPUT_DIMS: Record<SemanticInput, number> = { 'whisper-tiny.en': 384 };

/** The segmentations a model may be trained and shipped with (models.json `layout`). */
export const SEGMENT_LAYOUTS = ['threshold', 'spread'] as const;
/**
 * `threshold`: a segment ends where the adjacent-frame similarity falls to τ, τ searched per window
 * for the target rate (src/core/tau.ts); `spread`: exactly round(T · rate / 12.5) segments where the
 * least cosine spread is lost (src/core/spread-layout.ts). Twin of training/segments.py `LAYOUTS`.
 */
export type SegmentLayout = (typeof SEGMENT_LAYOUTS)[number];

/** The models.json formatVersions this runtime reads. */
export const FORMAT_VERSIONS = [1, 2, 3, 4] as const;

/** A point of the τ → average frame rate curve measured on held-out speech. */
export interface TauPoint {
  tau: number;
  rateHz: number;
}

/** The whole of models.json. */
export interface ModelManifest {
  /**
   * 1; 2 where quantizer.onnx also takes each segment's trend of both streams (`semantic_trend`,
   * `acoustic_trend`, src/core/merge.ts segmentTrends); 3 where it takes the window's frame rows of
   * the `acoustic` stream and the segment lengths, and pools each segment itself (the v3 family); 4
   * where, on top of all that 3 means, encoder.onnx also reads asr.onnx's features (`semanticInput`).
   * A runtime that reads fewer versions refuses a model rather than feed its models wrongly.
   */
  formatVersion: (typeof FORMAT_VERSIONS)[number];
  /**
   * 4: the encoder writes .fxc version 4 (compact header; the modelId then hashes the entropy
   * tables' id too, so it names them); 5: version 4 with the file's codeGroups in the header, for a
   * model with reducedCodeGroups. Absent: version 3, 2 or 1, by what the model codes.
   */
  fxcVersion?: 4 | 5;
  /** 8 hex digits; written into every .fxc header so a file names the model it needs. */
  modelId: string;
  sampleRateHz: number;
  frameSamples: number;
  frameRateHz: number;
  maxSegmentFrames: number;
  lengthBits: number;
  /**
   * Width of the encoder's `semantic` output: the merge stream, whose adjacent-frame cosine
   * similarity decides the merge (and whose segment means go to the quantizer).
   */
  semanticDim: number;
  /** Width of the encoder's `acoustic` output: the stream that is only mean-pooled per segment. */
  acousticDim: number;
  /** Codes per segment the quantizer gives and the decoder takes. */
  codeGroups: number;
  /**
   * Optional: below a target rate, each segment of a file carries only the first
   * `reducedCodeGroups.codeGroups` codes (src/core/code-groups.ts); the decoder gets the rest as
   * -1, "absent". Absent: every file carries all `codeGroups`.
   */
  reducedCodeGroups?: ReducedCodeGroups;
  bitsPerCode: number;
  fsqLevels: number[];
  semanticCodeGroups: number;
  /**
   * What the merge stream is: the phone-trained embedding (`semantic`, the first models),
   * 80 ms log-mel band means less a corpus mean (`log-mel`), with the phone embedding then carried
   * in the pooled stream, both from encoder.onnx; or a frozen Whisper tiny.en encoder's 12.5 Hz
   * features (`whisper-tiny.en`), from asr.onnx run by the window scheme of `asrWindow` (encoder.onnx
   * then gives `acoustic` alone; with `semanticInput` it also reads those rows). Absent means `semantic`.
   */
  mergeFeatures?: MergeFeatures;
  /**
   * How the encoder cuts each window's merge stream into segments (absent: `threshold`, every model
   * before it); the bitstream is the same either way. See SegmentLayout and docs/MODELS.md.
   */
  layout?: SegmentLayout;
  /**
   * The spread layout's length penalty: a segment of l frames costs its spread plus this · l², so the
   * decoder's error, which grows with a segment's length whatever its spread, keeps long segments for
   * the steady parts (training/segments.py `spread_costs`). Absent: 0. Only the spread layout reads it.
   */
  layoutLengthPenalty?: number;
  /**
   * What encoder.onnx reads: the audio (absent or `audio`), or the vocoder's LPCNet features of it
   * (`vocoder-features`, needs the `vocoder` section: the runtime analyses with its module).
   */
  encoderInput?: EncoderInput;
  /**
   * What encoder.onnx reads besides `encoderInput` (formatVersion 4, and only then): asr.onnx's
   * features (`whisper-tiny.en`), its second input `asr` [1, T, 384] for the T frames of its window,
   * context included. The merge stream is the encoder's `semantic` output, or with `mergeFeatures:
   * "whisper-tiny.en"` the same asr.onnx rows of the kept frames. Absent: none.
   */
  semanticInput?: SemanticInput;
  /**
   * How audio is cut into asr.onnx windows; present exactly when `models.asr` is, which is where
   * asr.onnx's rows are the merge stream (`mergeFeatures: "whisper-tiny.en"`), the encoder's `asr`
   * input (`semanticInput`), or both.
   */
  asrWindow?: AsrWindow;
  tauCalibration: TauPoint[];
  /**
   * Frequency tables of the range-coded .fxc version 2, measured on the training corpus
   * (training/entropy/measure.py). Absent: the encoder writes version 1 (bit-packed).
   */
  entropy?: EntropySection;
  /**
   * Present where the model codes a pitch level per 80 ms frame (0 unvoiced, 1 … levels − 1 quantised
   * log F0): its files are .fxc version 3, 4 or 5 (fxcVersion), and `entropy` needs a pitch table.
   */
  pitch?: PitchSection;
  /**
   * The neural vocoder (libopus 1.6.1's FARGAN, WebAssembly) and its feature layout. A decoder with a
   * `features` output (20 LPCNet features per 10 ms) decodes through it; the vocoder also runs on its
   * own (`flexicodec vocode`). Not part of `modelId`, which hashes the ONNX files.
   */
  vocoder?: VocoderSection;
  models: { encoder: ModelFileSpec; quantizer: ModelFileSpec; decoder: ModelFileSpec; asr?: ModelFileSpec };
  /** Free-form provenance: training steps, data, date. */
  training?: Record<string, unknown>;
}

/** A model's constants without its files: all the codec core needs to code, parse and decode. */
export type ModelConstants = Omit<ModelManifest, 'models' | 'training'>;

/** Whether quantizer.onnx takes the segment trends besides the means (formatVersion 2). */
export function quantizerTakesTrends(m: Pick<ModelConstants, 'formatVersion'>): boolean {
  return m.formatVersion === 2;
}

/**
 * Whether quantizer.onnx takes the window's frame rows of the acoustic stream and pools each segment
 * itself (formatVersion 3, and 4, which is 3 plus `semanticInput`): the merger then computes no
 * segment means or trends.
 */
export function quantizerPoolsFrames(m: Pick<ModelConstants, 'formatVersion'>): boolean {
  return m.formatVersion === 3 || m.formatVersion === 4;
}

/** The spread layout's length penalty (models.json `layoutLengthPenalty`; absent means 0). */
export function layoutLengthPenalty(m: Pick<ModelConstants, 'layoutLengthPenalty'>): number {
  return m.layoutLengthPenalty ?? 0;
}

/** The segmentation a model's encoder runs (models.json `layout`; absent means `threshold`). */
export function segmentLayout(m: Pick<ModelConstants, 'layout'>): SegmentLayout {
  return m.layout ?? 'threshold';
}

/** Whether encoder.onnx reads the vocoder's LPCNet features instead of audio (`encoderInput`). */
export function encoderReadsFeatures(m: Pick<ModelConstants, 'encoderInput'>): boolean {
  return m.encoderInput === 'vocoder-features';
}

/** Whether encoder.onnx reads asr.onnx's features as its `asr` input (`semanticInput`, formatVersion 4). */
export function encoderReadsAsr(m: Pick<ModelConstants, 'semanticInput'>): boolean {
  return m.semanticInput === 'whisper-tiny.en';
}

/**
 * Whether the merge stream is asr.onnx's output rather than encoder.onnx's `semantic`
 * (`mergeFeatures: "whisper-tiny.en"`: the earlier family, whose encoder does not read the rows, or a
 * formatVersion 4 model whose encoder reads them too, `semanticInput`). encoder.onnx then gives
 * `acoustic` alone.
 */
export function mergeFromAsr(m: Pick<ModelConstants, 'mergeFeatures'>): boolean {
  return m.mergeFeatures === 'whisper-tiny.en';
}

/**
 * Width of asr.onnx's rows: that of the encoder's `semanticInput` (384 for Whisper tiny.en), else the
 * merge stream's (`semanticDim`), which they are. Where they are both, the two agree (checkSemanticInput).
 */
export function asrFeatureDim(m: Pick<ModelConstants, 'semanticDim' | 'semanticInput'>): number {
  return m.semanticInput !== undefined ? SEMANTIC_INPUT_DIMS[m.semanticInput] : m.semanticDim;
}

/** The ONNX files a full model set has, in the order they are fetched: asr.onnx only where listed. */
export function modelRoles(m: ModelManifest): ('asr' | 'encoder' | 'quantizer' | 'decoder')[] {
  return [...(m.models.asr ? (['asr'] as const) : []), 'encoder', 'quantizer', 'decoder'];
}

/**
 * models.json of an archived model (public/models/archive/<modelId>/): the constants it was
 * shipped with and its decoder alone, enough to play the notes it made (docs/MODELS.md).
 */
export interface DecoderManifest extends ModelConstants {
  /** Marks a manifest that can decode but not encode. */
  decodeOnly: true;
  models: { decoder: ModelFileSpec };
  training?: Record<string, unknown>;
}

const positiveIntegerKeys = [
  'sampleRateHz',
  'frameSamples',
  'maxSegmentFrames',
  'lengthBits',
  'semanticDim',
  'acousticDim',
  'codeGroups',
  'bitsPerCode',
] as const;

/** Checks the constants every models.json has, full or decode-only; throws a clear error otherwise. */
function checkConstants(json: unknown): ModelConstants {
  if (typeof json !== 'object' || json === null) throw new Error('models.json: not a JSON object');
  const m = json as ModelConstants;
  if (!(FORMAT_VERSIONS as readonly unknown[]).includes(m.formatVersion))
    throw new Error(
      `models.json: formatVersion ${JSON.stringify(m.formatVersion)}; this runtime reads ` +
        `${FORMAT_VERSIONS.join(', ')}, update it`,
    );
  if (!/^[0-9a-f]{8}$/.test(m.modelId ?? '')) throw new Error('models.json: modelId must be 8 hex digits');
  for (const key of positiveIntegerKeys) {
    const v = m[key];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`models.json: ${key} must be a positive integer`);
  }
  if (m.mergeFeatures !== undefined && !(MERGE_FEATURES as readonly unknown[]).includes(m.mergeFeatures))
    throw new Error(`models.json: unknown mergeFeatures ${JSON.stringify(m.mergeFeatures)}`);
  if (m.encoderInput !== undefined && !(ENCODER_INPUTS as readonly unknown[]).includes(m.encoderInput))
    throw new Error(
      `models.json: unknown encoderInput ${JSON.stringify(m.encoderInput)}; this runtime reads ` +
        `${ENCODER_INPUTS.join(', ')}, update it`,
    );
  checkSemanticInput(m);
  if (m.layout !== undefined && !(SEGMENT_LAYOUTS as readonly unknown[]).includes(m.layout))
    throw new Error(
      `models.json: unknown layout ${JSON.stringify(m.layout)}; this runtime reads ` +
        `${SEGMENT_LAYOUTS.join(', ')}, update it`,
    );
  if (
    m.layoutLengthPenalty !== undefined &&
    !(
      typeof m.layoutLengthPenalty === 'number' &&
      Number.isFinite(m.layoutLengthPenalty) &&
      m.layoutLengthPenalty >= 0
    )
  )
    throw new Error(
      `models.json: layoutLengthPenalty ${JSON.stringify(m.layoutLengthPenalty)} is not a finite number ≥ 0`,
    );
  if (m.asrWindow !== undefined) checkAsrWindow(m.asrWindow);
  if (m.maxSegmentFrames > 2 ** m.lengthBits)
    throw new Error('models.json: maxSegmentFrames exceeds lengthBits');
  if (m.reducedCodeGroups !== undefined) checkReducedCodeGroups(m);
  if (m.pitch !== undefined) checkPitchSection(m.pitch);
  if (m.pitch !== undefined && m.entropy?.pitch === undefined)
    throw new Error(
      'models.json: a model with pitch needs entropy tables with a pitch table (.fxc version 3)',
    );
  if (m.entropy !== undefined) parseEntropySection(m.entropy, m);
  if (m.vocoder !== undefined) checkVocoderSection(m.vocoder);
  if (encoderReadsFeatures(m)) checkVocoderFrames(m, 'an encoder that reads vocoder features');
  if (m.fxcVersion !== undefined && m.fxcVersion !== 4 && m.fxcVersion !== 5)
    throw new Error(
      `models.json: fxcVersion ${JSON.stringify(m.fxcVersion)}; this runtime writes .fxc versions 4 and 5, update it`,
    );
  return m;
}

/**
 * Throws unless `semanticInput` and formatVersion 4 come together (so that a runtime without the
 * input refuses the model by its version), the value is one this runtime feeds, its rows have an
 * asrWindow to be computed by, and where they are the merge stream too (`mergeFeatures:
 * "whisper-tiny.en"`), `semanticDim` is their width.
 */
function checkSemanticInput(m: ModelConstants): void {
  const input = m.semanticInput;
  if (input !== undefined && !(SEMANTIC_INPUTS as readonly unknown[]).includes(input))
    throw new Error(
      `models.json: unknown semanticInput ${JSON.stringify(input)}; this runtime reads ` +
        `${SEMANTIC_INPUTS.join(', ')}, update it`,
    );
  if (m.formatVersion === 4 && input === undefined)
    throw new Error(
      'models.json: formatVersion 4 is a model whose encoder reads asr.onnx, but it names no semanticInput',
    );
  if (input !== undefined && m.formatVersion !== 4)
    throw new Error(
      `models.json: semanticInput needs formatVersion 4 (so that older runtimes refuse the model), ` +
        `not ${JSON.stringify(m.formatVersion)}`,
    );
  if (input !== undefined && mergeFromAsr(m) && m.semanticDim !== SEMANTIC_INPUT_DIMS[input])
    throw new Error(
      `models.json: semanticInput ${JSON.stringify(input)} with mergeFeatures "whisper-tiny.en" merges on ` +
        `asr.onnx's ${SEMANTIC_INPUT_DIMS[input]}-wide rows, but semanticDim is ${m.semanticDim}`,
    );
  if (input !== undefined && m.asrWindow === undefined)
    throw new Error(
      `models.json: semanticInput ${JSON.stringify(input)} needs an asrWindow (how audio is cut into asr.onnx windows)`,
    );
}

/**
 * Throws unless a model whose encoder reads asr.onnx's features declares them alike at both ends:
 * asr.onnx's `asr` output and encoder.onnx's `asr` input, [1, T, asrFeatureDim].
 */
function checkSemanticInputShapes(m: ModelManifest): void {
  const dim = asrFeatureDim(m);
  for (const [what, shape] of [
    ['models.asr output', m.models.asr?.outputs?.asr?.shape],
    ['models.encoder input', m.models.encoder.inputs?.asr?.shape],
  ] as const) {
    if (shape?.length !== 3 || shape[2] !== dim)
      throw new Error(
        `models.json: ${what} "asr" must be [1, T, ${dim}] (semanticInput ${JSON.stringify(m.semanticInput)}), ` +
          `got ${JSON.stringify(shape)}`,
      );
  }
}

/** Throws unless models.json names each role's file with its sha256. */
function checkFiles(models: Record<string, ModelFileSpec> | undefined, roles: readonly string[]): void {
  for (const name of roles) {
    const spec = models?.[name];
    if (!spec || typeof spec.file !== 'string' || !/^[0-9a-f]{64}$/.test(spec.sha256 ?? '')) {
      throw new Error(`models.json: models.${name} needs a file name and a sha256`);
    }
  }
}

/** What decoder.onnx gives: the waveform (`audio`), or vocoder features (`features`) that FARGAN turns into it. */
export type DecoderOutput = 'audio' | 'features';

/** Which output a decoder declares in models.json (features: [1, F, 20], F = 10 ms frames). */
export function decoderOutput(spec: Pick<ModelFileSpec, 'outputs'>): DecoderOutput {
  return spec.outputs && 'features' in spec.outputs ? 'features' : 'audio';
}

/**
 * Throws where a decoder declares both `audio` and `features`, or where a `features` decoder has no
 * vocoder to run it or one whose frames do not divide the model's.
 */
function checkDecoderOutput(m: ModelConstants, decoder: ModelFileSpec): void {
  const outputs = decoder.outputs ?? {};
  if (!('features' in outputs)) return;
  if ('audio' in outputs)
    throw new Error('models.json: models.decoder declares both "audio" and "features"; it gives one of them');
  checkVocoderFrames(m, 'a decoder with a "features" output');
  checkFeatureShape('decoder output', outputs.features.shape);
}

/**
 * Throws unless the model has a vocoder section whose frames divide the model's, for `what` (a
 * decoder that predicts vocoder features, an encoder that reads them).
 */
function checkVocoderFrames(m: ModelConstants, what: string): void {
  if (!m.vocoder) throw new Error(`models.json: ${what} needs a vocoder section`);
  if (m.frameSamples % m.vocoder.frameSamples !== 0 || m.sampleRateHz !== m.vocoder.sampleRateHz)
    throw new Error(
      `models.json: the vocoder's ${m.vocoder.frameSamples}-sample frames at ${m.vocoder.sampleRateHz} Hz ` +
        `do not divide the model's ${m.frameSamples}-sample frames at ${m.sampleRateHz} Hz`,
    );
}

/** Throws unless a `features` tensor is declared [1, F, 20] (the vocoder's feature layout). */
function checkFeatureShape(what: string, shape: TensorSpec['shape'] | undefined): void {
  if (shape?.length !== 3 || shape[2] !== VOCODER_FEATURE_LAYOUT.count)
    throw new Error(
      `models.json: ${what} "features" must be [1, F, ${VOCODER_FEATURE_LAYOUT.count}], got ${JSON.stringify(shape)}`,
    );
}

/** Checks the parts of a parsed models.json the runtime relies on; throws a clear error otherwise. */
export function parseManifest(json: unknown): ModelManifest {
  const m = checkConstants(json) as ModelManifest;
  checkFiles(m.models, ['encoder', 'quantizer', 'decoder']);
  const asr = m.models.asr !== undefined;
  if (asr) checkFiles(m.models as unknown as Record<string, ModelFileSpec>, ['asr']);
  if (encoderReadsAsr(m) && !asr)
    throw new Error(
      `models.json: semanticInput ${JSON.stringify(m.semanticInput)} needs models.asr (asr.onnx, which computes the encoder's asr input)`,
    );
  if (asr && m.asrWindow === undefined)
    throw new Error('models.json: models.asr needs an asrWindow (how audio is cut into asr.onnx windows)');
  if (!asr && m.asrWindow !== undefined) throw new Error('models.json: asrWindow given but no models.asr');
  if (mergeFromAsr(m) && !asr)
    throw new Error('models.json: mergeFeatures "whisper-tiny.en" needs models.asr (asr.onnx)');
  if (asr && !mergeFromAsr(m) && !encoderReadsAsr(m))
    throw new Error(
      'models.json: models.asr is listed but nothing reads its rows: a set with asr.onnx merges on them ' +
        '(mergeFeatures "whisper-tiny.en"), feeds them to its encoder (semanticInput), or both',
    );
  checkDecoderOutput(m, m.models.decoder);
  if (encoderReadsFeatures(m)) checkFeatureShape('encoder input', m.models.encoder.inputs?.features?.shape);
  if (encoderReadsAsr(m)) checkSemanticInputShapes(m);
  return m;
}

/** Checks an archived model's decode-only models.json (decoder file only). */
export function parseDecoderManifest(json: unknown): DecoderManifest {
  const m = checkConstants(json) as DecoderManifest;
  if (m.decodeOnly !== true) throw new Error('models.json: an archived model must say "decodeOnly": true');
  checkFiles(m.models, ['decoder']);
  checkDecoderOutput(m, m.models.decoder);
  return m;
}
