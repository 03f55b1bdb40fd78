/** Types and validation for `public/models/models.json`, the single source of model constants. */

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

/** A point of the τ → average frame rate curve measured on held-out speech. */
export interface TauPoint {
  tau: number;
  rateHz: number;
}

/** The whole of models.json. */
export interface ModelManifest {
  formatVersion: 1;
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
  codeGroups: number;
  bitsPerCode: number;
  fsqLevels: number[];
  semanticCodeGroups: number;
  /**
   * What the merge stream is: the phone-trained embedding (`semantic`, the first models), or
   * 80 ms log-mel band means less a corpus mean (`log-mel`), with the phone embedding then carried
   * in the pooled stream. Informational: the runtime treats both alike. Absent means `semantic`.
   */
  mergeFeatures?: 'semantic' | 'log-mel';
  tauCalibration: TauPoint[];
  models: { encoder: ModelFileSpec; quantizer: ModelFileSpec; decoder: ModelFileSpec };
  /** Free-form provenance: training steps, data, date. */
  training?: Record<string, unknown>;
}

/** A model's constants without its files: all the codec core needs to code, parse and decode. */
export type ModelConstants = Omit<ModelManifest, 'models' | 'training'>;

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
  if (m.formatVersion !== 1) throw new Error(`models.json: unsupported formatVersion ${m.formatVersion}`);
  if (!/^[0-9a-f]{8}$/.test(m.modelId ?? '')) throw new Error('models.json: modelId must be 8 hex digits');
  for (const key of positiveIntegerKeys) {
    const v = m[key];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`models.json: ${key} must be a positive integer`);
  }
  if (m.mergeFeatures !== undefined && m.mergeFeatures !== 'semantic' && m.mergeFeatures !== 'log-mel')
    throw new Error(`models.json: unknown mergeFeatures ${JSON.stringify(m.mergeFeatures)}`);
  if (m.maxSegmentFrames > 2 ** m.lengthBits)
    throw new Error('models.json: maxSegmentFrames exceeds lengthBits');
  return m;
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

/** Checks the parts of a parsed models.json the runtime relies on; throws a clear error otherwise. */
export function parseManifest(json: unknown): ModelManifest {
  const m = checkConstants(json) as ModelManifest;
  checkFiles(m.models, ['encoder', 'quantizer', 'decoder']);
  return m;
}

/** Checks an archived model's decode-only models.json (decoder file only). */
export function parseDecoderManifest(json: unknown): DecoderManifest {
  const m = checkConstants(json) as DecoderManifest;
  if (m.decodeOnly !== true) throw new Error('models.json: an archived model must say "decodeOnly": true');
  checkFiles(m.models, ['decoder']);
  return m;
}
