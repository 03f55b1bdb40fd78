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

/** Checks the parts of a parsed models.json the runtime relies on; throws a clear error otherwise. */
export function parseManifest(json: unknown): ModelManifest {
  if (typeof json !== 'object' || json === null) throw new Error('models.json: not a JSON object');
  const m = json as ModelManifest;
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
  for (const name of ['encoder', 'quantizer', 'decoder'] as const) {
    const spec = m.models?.[name];
    if (!spec || typeof spec.file !== 'string' || !/^[0-9a-f]{64}$/.test(spec.sha256 ?? '')) {
      throw new Error(`models.json: models.${name} needs a file name and a sha256`);
    }
  }
  return m;
}
