/**
 * A models.json of formatVersion 4 (`semanticInput: "whisper-tiny.en"`, docs/MODELS.md): model
 * fd6b53bc's v3 manifest whose encoder also reads asr.onnx's features as its `asr` input [1, T, 384], with
 * asr.onnx listed and cut by Whisper's window scheme. Only the manifest: the files are not there.
 */
import { readFileSync } from 'node:fs';

/** asr.onnx's row width for `semanticInput: "whisper-tiny.en"`: Whisper tiny.en's model width. */
export const WHISPER_DIM = 384;

/** Whisper's 30 s window scheme (training/whisper/windows.py). */
export const WHISPER_WINDOW = { windowFrames: 375, marginFrames: 31, padShortToWindow: true };

/**
 * The whole models.json of fd6b53bc, the last model without Whisper's streams (formatVersion 3,
 * cepstral merge; test/fixtures/models/fd6b53bc/): the base of the stand-in manifests below, which
 * must not change with each shipped model.
 */
export function v3ManifestJson(): Record<string, unknown> {
  return JSON.parse(readFileSync('test/fixtures/models/fd6b53bc/models.json', 'utf8')) as Record<
    string,
    unknown
  >;
}

/** fd6b53bc's manifest (v3ManifestJson) turned into a formatVersion 4 one with `semanticInput`. */
export function semanticInputManifestJson(): Record<string, unknown> & {
  models: Record<
    string,
    Record<string, unknown> & { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
  >;
} {
  const m = v3ManifestJson() as ReturnType<typeof semanticInputManifestJson>;
  m.formatVersion = 4;
  m.semanticInput = 'whisper-tiny.en';
  m.asrWindow = { ...WHISPER_WINDOW };
  m.models.encoder.inputs.asr = { type: 'float32', shape: [1, 'T', WHISPER_DIM] };
  m.models.asr = {
    file: 'asr.onnx',
    sha256: '3db121a9e1554e77872d3f393d3c89d453cfb70ae0d57d7333e6c9f074596eaa',
    bytes: 17140988,
    inputs: { audio: { type: 'float32', shape: [1, 'S'] } },
    outputs: { asr: { type: 'float32', shape: [1, 'T', WHISPER_DIM] } },
  };
  return m;
}

/**
 * The formatVersion 4 manifest of a model that also merges on asr.onnx's rows (`mergeFeatures:
 * "whisper-tiny.en"`, training/v3/model.py `merge_on='whisper'`): the merge stream is 384 wide and
 * encoder.onnx gives `acoustic` alone.
 */
export function whisperMergeManifestJson(): ReturnType<typeof semanticInputManifestJson> {
  const m = semanticInputManifestJson();
  m.mergeFeatures = 'whisper-tiny.en';
  m.semanticDim = WHISPER_DIM;
  delete m.models.encoder.outputs.semantic;
  return m;
}
