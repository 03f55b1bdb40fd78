/**
 * A model set whose decoder predicts vocoder features (test/helpers/features_decoder.py): the
 * shipped encoder and quantizer, and a stand-in decoder.onnx with the shipped decoder's inputs that
 * gives the real LPCNet features of the
 * speech fixture (analysed by the vocoder, with silence after it), so decoding runs decoder →
 * vocoder on real features. Built in a temporary folder beside a `vocoder/` link to public/vocoder.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseManifest, type ModelManifest } from '../../src/core/manifest.ts';
import type { Vocoder } from '../../src/vocoder/vocoder.ts';
import { MODELS_DIR } from './models.ts';

/** The stand-in model's id (not a hash of its files: it names a test set, never a shipped one). */
export const FEATURES_MODEL_ID = 'fea70001';

/**
 * Builds the set: `vocoder` analyses `audio` followed by `padSamples` of silence, and the decoder
 * gives those features. Returns the models folder.
 */
export function featuresModelDir(vocoder: Vocoder, audio: Float32Array, padSamples: number): string {
  const root = mkdtempSync(join(tmpdir(), 'flexicodec-features-model-'));
  const dir = join(root, 'models');
  mkdirSync(dir);
  symlinkSync(resolve('public/vocoder'), join(root, 'vocoder'));
  const padded = new Float32Array(audio.length + padSamples);
  padded.set(audio);
  const features = vocoder.analyse(padded);
  writeFileSync(join(root, 'features.f32'), new Uint8Array(features.buffer));
  const shipped = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
  const onnx = join(dir, 'decoder-features.onnx');
  const python = process.env.FLEXI_VENV_PYTHON ?? resolve('.venv/bin/python');
  execFileSync(python, [
    resolve('test/helpers/features_decoder.py'),
    join(root, 'features.f32'),
    String(shipped.codeGroups),
    onnx,
    ...('phase' in shipped.models.decoder.inputs ? ['--phase'] : []),
  ]);
  // The shipped files but the decoder (asr.onnx too, where the model has one).
  for (const [role, spec] of Object.entries(shipped.models))
    if (role !== 'decoder') symlinkSync(join(MODELS_DIR, spec.file), join(dir, spec.file));
  const manifest: ModelManifest = {
    ...shipped,
    modelId: FEATURES_MODEL_ID,
    models: {
      ...shipped.models,
      decoder: {
        file: 'decoder-features.onnx',
        sha256: createHash('sha256').update(readFileSync(onnx)).digest('hex'),
        bytes: statSync(onnx).size,
        inputs: shipped.models.decoder.inputs,
        outputs: { features: { type: 'float32', shape: [1, 'F', 20] } },
      },
    },
  };
  writeFileSync(join(dir, 'models.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
