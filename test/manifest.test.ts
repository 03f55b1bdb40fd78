/** models.json validation: the shipped manifest passes, and each broken field gets its own error. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  asrFeatureDim,
  encoderReadsAsr,
  layoutLengthPenalty,
  mergeFromAsr,
  parseDecoderManifest,
  parseManifest,
  quantizerPoolsFrames,
  segmentLayout,
} from '../src/core/manifest.ts';
import { checkSessionNames, modelTensorNames, quantizerInputNames } from '../src/core/model-io.ts';
import { PITCH_SECTION } from './helpers/pitch-section.ts';
import {
  semanticInputManifestJson,
  v3ManifestJson,
  whisperMergeManifestJson,
} from './helpers/semantic-input.ts';

const shipped = JSON.parse(readFileSync('public/models/models.json', 'utf8')) as Record<string, unknown>;
/** The base the field-by-field checks mutate: a whole formatVersion 3 manifest that stays put as models ship. */
const base = v3ManifestJson();

function withField(key: string, value: unknown): Record<string, unknown> {
  return { ...structuredClone(base), [key]: value };
}

describe('parseManifest', () => {
  it('accepts the shipped models.json and keeps its merge stream description', () => {
    const m = parseManifest(structuredClone(shipped));
    expect(m.modelId).toBe(shipped.modelId);
    expect([
      undefined,
      'semantic',
      'log-mel',
      'lpcnet-cepstra',
      'v3-fine-stream',
      'whisper-tiny.en',
    ]).toContain(m.mergeFeatures);
  });

  it('accepts both merge streams and a manifest that predates the field', () => {
    expect(parseManifest(withField('mergeFeatures', 'semantic')).mergeFeatures).toBe('semantic');
    expect(parseManifest(withField('mergeFeatures', 'log-mel')).mergeFeatures).toBe('log-mel');
    const old = structuredClone(base);
    delete old.mergeFeatures;
    expect(parseManifest(old).mergeFeatures).toBeUndefined();
  });

  it('formatVersion 2 is a quantizer that also takes the segment trends', () => {
    const base = ['semantic_mean', 'acoustic_mean', 'segment_length'];
    const v1 = parseManifest(withField('formatVersion', 1));
    const v2 = parseManifest(withField('formatVersion', 2));
    expect(quantizerInputNames(v1)).toEqual(base);
    expect(quantizerInputNames(v2)).toEqual([...base, 'semantic_trend', 'acoustic_trend']);
    expect(modelTensorNames('quantizer', v2).inputs).toEqual(quantizerInputNames(v2));
  });

  it('formatVersion 3 (v3): the encoder reads vocoder features, the quantizer pools frames, the decoder takes no phase', () => {
    const v3 = parseManifest(structuredClone(base));
    expect(v3.formatVersion).toBe(3);
    expect(v3.encoderInput).toBe('vocoder-features');
    expect(modelTensorNames('encoder', v3)).toEqual({
      inputs: ['features'],
      outputs: ['semantic', 'acoustic'],
    });
    expect(modelTensorNames('quantizer', v3).inputs).toEqual(['acoustic', 'segment_length']);
    expect(modelTensorNames('decoder', v3)).toEqual({
      inputs: ['codes', 'segment_length', 'frame_segment', 'frame_position', 'f0'],
      outputs: ['features'],
    });
    // The earlier pitch models' decoders declare a phase and are fed one.
    const old = parseDecoderManifest(
      JSON.parse(readFileSync('public/models/archive/a78344e1/models.json', 'utf8')),
    );
    expect(old.formatVersion).toBe(2);
    expect(modelTensorNames('encoder', old).inputs).toEqual(['audio']);
    expect(modelTensorNames('decoder', old).inputs).toEqual([
      'codes',
      'segment_length',
      'frame_segment',
      'frame_position',
      'f0',
      'phase',
    ]);
  });

  it('a model file is refused at load when its graph and models.json disagree on what is fed', () => {
    const m = parseManifest(structuredClone(base));
    const decoder = m.models.decoder;
    const inputs = Object.keys(decoder.inputs);
    const outputNames = ['features'];
    expect(() => checkSessionNames('decoder', decoder, { inputNames: inputs, outputNames }, m)).not.toThrow();
    // A graph that wants a phase that models.json does not declare would run without it: refused.
    expect(() =>
      checkSessionNames('decoder', decoder, { inputNames: [...inputs, 'phase'], outputNames }, m),
    ).toThrow(/decoder.onnx: the ONNX graph takes "phase", which this runtime does not feed/);
    expect(() =>
      checkSessionNames('decoder', decoder, { inputNames: inputs.filter((n) => n !== 'f0'), outputNames }, m),
    ).toThrow(/decoder.onnx: the ONNX graph has no input "f0"/);
    const encoder = m.models.encoder;
    expect(() =>
      checkSessionNames(
        'encoder',
        encoder,
        { inputNames: ['audio'], outputNames: ['semantic', 'acoustic'] },
        m,
      ),
    ).toThrow(/encoder.onnx: the ONNX graph has no input "features"/);
  });

  it('an encoder that reads vocoder features needs the vocoder and a [1, F, 20] input', () => {
    expect(() => parseManifest(withField('vocoder', undefined))).toThrow(
      /an encoder that reads vocoder features needs a vocoder section/,
    );
    const m = structuredClone(base) as {
      models: { encoder: { inputs: { features: { shape: unknown[] } } } };
    };
    m.models.encoder.inputs.features.shape = [1, 'F', 18];
    expect(() => parseManifest(m)).toThrow(/encoder input "features" must be \[1, F, 20\]/);
    expect(parseManifest(withField('encoderInput', 'audio')).encoderInput).toBe('audio');
  });

  it('reads the segment layout: threshold (also when absent) or spread, nothing else', () => {
    expect(parseManifest(withField('layout', 'spread')).layout).toBe('spread');
    expect(segmentLayout(parseManifest(withField('layout', 'spread')))).toBe('spread');
    expect(segmentLayout(parseManifest(withField('layout', 'threshold')))).toBe('threshold');
    const old = structuredClone(base);
    delete old.layout;
    delete old.layoutLengthPenalty;
    expect(segmentLayout(parseManifest(old))).toBe('threshold');
    expect(layoutLengthPenalty(parseManifest(old))).toBe(0);
    expect(() => parseManifest(withField('layout', 'fixed'))).toThrow(
      /models.json: unknown layout "fixed"; this runtime reads threshold, spread, update it/,
    );
    expect(() => parseManifest(withField('layout', null))).toThrow(/unknown layout null/);
    expect(layoutLengthPenalty(parseManifest(withField('layoutLengthPenalty', 0.25)))).toBe(0.25);
    for (const bad of [-1, '0.05', Infinity, null])
      expect(() => parseManifest(withField('layoutLengthPenalty', bad))).toThrow(
        /layoutLengthPenalty .* is not a finite number ≥ 0/,
      );
  });

  it('names the field that is wrong', () => {
    expect(() => parseManifest(withField('mergeFeatures', 'mfcc'))).toThrow(/unknown mergeFeatures "mfcc"/);
    expect(() => parseManifest(withField('semanticDim', 0))).toThrow(
      /semanticDim must be a positive integer/,
    );
    expect(() => parseManifest(withField('formatVersion', 5))).toThrow(
      /formatVersion 5; this runtime reads 1, 2, 3, 4, update it/,
    );
    expect(() => parseManifest(withField('encoderInput', 'mel'))).toThrow(
      /unknown encoderInput "mel"; this runtime reads audio, vocoder-features, update it/,
    );
    expect(() => parseManifest(withField('modelId', 'xyz'))).toThrow(/modelId must be 8 hex digits/);
    expect(() => parseManifest(withField('maxSegmentFrames', 9))).toThrow(/exceeds lengthBits/);
    expect(() => parseManifest(null)).toThrow(/not a JSON object/);
  });

  it('formatVersion 4: the encoder also reads asr.onnx\'s features as "asr"; the merge stream stays its own', () => {
    const v4 = parseManifest(semanticInputManifestJson());
    expect(v4.formatVersion).toBe(4);
    expect(encoderReadsAsr(v4)).toBe(true);
    expect(mergeFromAsr(v4)).toBe(false);
    expect(asrFeatureDim(v4)).toBe(384);
    // All that formatVersion 3 means holds for 4.
    expect(quantizerPoolsFrames(v4)).toBe(true);
    expect(modelTensorNames('encoder', v4)).toEqual({
      inputs: ['features', 'asr'],
      outputs: ['semantic', 'acoustic'],
    });
    expect(modelTensorNames('quantizer', v4).inputs).toEqual(['acoustic', 'segment_length']);
    expect(modelTensorNames('asr', v4)).toEqual({ inputs: ['audio'], outputs: ['asr'] });
    // A v4 encoder graph without its asr input is refused at load, and a v3 model's graph with one.
    const encoder = v4.models.encoder;
    const outputNames = ['semantic', 'acoustic'];
    expect(() =>
      checkSessionNames('encoder', encoder, { inputNames: ['features', 'asr'], outputNames }, v4),
    ).not.toThrow();
    expect(() =>
      checkSessionNames('encoder', encoder, { inputNames: ['features'], outputNames }, v4),
    ).toThrow(/encoder.onnx: the ONNX graph has no input "asr"/);
    const v3 = parseManifest(structuredClone(base));
    expect(encoderReadsAsr(v3)).toBe(false);
    expect(() =>
      checkSessionNames('encoder', v3.models.encoder, { inputNames: ['features', 'asr'], outputNames }, v3),
    ).toThrow(
      /the ONNX graph takes "asr", which this runtime does not feed a model of models.json formatVersion 3/,
    );
  });

  it('formatVersion 4 and semanticInput come together, with asr.onnx, its window scheme and 384-wide rows', () => {
    const v4 = () => semanticInputManifestJson();
    const without = (key: string) => {
      const m = v4();
      delete m[key];
      return m;
    };
    expect(() => parseManifest(without('semanticInput'))).toThrow(
      /formatVersion 4 is a model whose encoder reads asr.onnx, but it names no semanticInput/,
    );
    expect(() => parseManifest({ ...v4(), formatVersion: 3 })).toThrow(
      /semanticInput needs formatVersion 4 \(so that older runtimes refuse the model\), not 3/,
    );
    expect(() => parseManifest({ ...v4(), semanticInput: 'hubert' })).toThrow(
      /unknown semanticInput "hubert"; this runtime reads whisper-tiny.en, update it/,
    );
    // Merging on the rows too is valid (below), but then the merge stream is 384 wide.
    expect(() => parseManifest({ ...v4(), mergeFeatures: 'whisper-tiny.en' })).toThrow(
      /semanticInput "whisper-tiny.en" with mergeFeatures "whisper-tiny.en" merges on asr.onnx's 384-wide rows, but semanticDim is 18/,
    );
    expect(() => parseManifest(without('asrWindow'))).toThrow(
      /semanticInput "whisper-tiny.en" needs an asrWindow/,
    );
    const noAsr = v4();
    delete noAsr.models.asr;
    expect(() => parseManifest(noAsr)).toThrow(/semanticInput "whisper-tiny.en" needs models.asr \(asr.onnx/);
    const noInput = v4();
    delete noInput.models.encoder.inputs.asr;
    expect(() => parseManifest(noInput)).toThrow(
      /models.encoder input "asr" must be \[1, T, 384\].*got undefined/,
    );
    const narrow = v4();
    narrow.models.asr.outputs.asr = { type: 'float32', shape: [1, 'T', 18] };
    expect(() => parseManifest(narrow)).toThrow(/models.asr output "asr" must be \[1, T, 384\]/);
    // A decode-only archive of a v4 model keeps its constants and needs no asr.onnx.
    const full = v4();
    const archived = { ...full, decodeOnly: true, models: { decoder: full.models.decoder } };
    expect(parseDecoderManifest(archived).semanticInput).toBe('whisper-tiny.en');
  });

  it("formatVersion 4 with mergeFeatures whisper-tiny.en: asr.onnx's rows are the encoder's input and the merge stream", () => {
    const both = parseManifest(whisperMergeManifestJson());
    expect([encoderReadsAsr(both), mergeFromAsr(both), asrFeatureDim(both)]).toEqual([true, true, 384]);
    expect(both.semanticDim).toBe(384);
    // The encoder reads the rows and gives the fine stream alone; its graph is checked for exactly that.
    expect(modelTensorNames('encoder', both)).toEqual({ inputs: ['features', 'asr'], outputs: ['acoustic'] });
    const encoder = both.models.encoder;
    const graph = { inputNames: ['features', 'asr'], outputNames: ['acoustic'] };
    expect(() => checkSessionNames('encoder', encoder, graph, both)).not.toThrow();
    expect(() => checkSessionNames('encoder', encoder, { ...graph, inputNames: ['features'] }, both)).toThrow(
      /encoder.onnx: the ONNX graph has no input "asr"/,
    );
    const noAcoustic = whisperMergeManifestJson();
    delete noAcoustic.models.encoder.outputs.acoustic;
    expect(() => checkSessionNames('encoder', parseManifest(noAcoustic).models.encoder, graph, both)).toThrow(
      /models.json: encoder.onnx lacks output "acoustic"/,
    );
    // The earlier family still merges on the rows without reading them (formatVersion 1, no semanticInput).
    expect(mergeFromAsr({ mergeFeatures: 'whisper-tiny.en' })).toBe(true);
    expect(encoderReadsAsr({})).toBe(false);
    // Still refused: a merge stream of another width than the rows, the rows without formatVersion 4
    // and semanticInput's asr input, and asr.onnx listed with nothing to read its rows.
    expect(() => parseManifest({ ...whisperMergeManifestJson(), semanticDim: 18 })).toThrow(
      /merges on asr.onnx's 384-wide rows, but semanticDim is 18/,
    );
    expect(() => parseManifest({ ...whisperMergeManifestJson(), formatVersion: 3 })).toThrow(
      /semanticInput needs formatVersion 4/,
    );
    const noAsrInput = whisperMergeManifestJson();
    delete noAsrInput.models.encoder.inputs.asr;
    expect(() => parseManifest(noAsrInput)).toThrow(/models.encoder input "asr" must be \[1, T, 384\]/);
    const unread: Record<string, unknown> = { ...semanticInputManifestJson(), formatVersion: 3 };
    delete unread.semanticInput;
    expect(() => parseManifest(unread)).toThrow(
      /models.asr is listed but nothing reads its rows: a set with asr.onnx merges on them/,
    );
  });

  it('checks the pitch section: values this runtime implements, and a pitch table to code it with', () => {
    const m = parseManifest(structuredClone(base));
    expect(m.pitch).toEqual(PITCH_SECTION); // the shipped model codes pitch (docs/PITCH.md)
    expect(() => parseManifest(withField('pitch', { ...PITCH_SECTION, levels: 32 }))).toThrow(
      /models.json: pitch.*levels/,
    );
    const noTable = structuredClone(base) as { entropy: Record<string, unknown> };
    delete noTable.entropy.pitch;
    expect(() => parseManifest(noTable)).toThrow(/needs entropy tables with a pitch table/);
  });

  it('refuses a model entry without its sha256', () => {
    const m = structuredClone(base) as { models: { decoder: { sha256?: string } } };
    delete m.models.decoder.sha256;
    expect(() => parseManifest(m)).toThrow(/models.decoder needs a file name and a sha256/);
  });

  it('an archived model needs "decodeOnly" and its decoder, and nothing else', () => {
    const m = structuredClone(base) as Record<string, unknown> & { models: Record<string, unknown> };
    const archived = { ...m, decodeOnly: true, models: { decoder: m.models.decoder } };
    expect(parseDecoderManifest(archived).models.decoder).toEqual(m.models.decoder);
    expect(() => parseDecoderManifest({ ...archived, decodeOnly: undefined })).toThrow(/"decodeOnly": true/);
    expect(() => parseDecoderManifest({ ...archived, models: {} })).toThrow(
      /models.decoder needs a file name/,
    );
    expect(() => parseManifest(archived)).toThrow(/models.encoder needs a file name/);
  });
});
