/**
 * A model whose encoder reads Whisper's features (models.json formatVersion 4, `semanticInput`):
 * training/tests/semantic_model.py exports a tiny v3 model with the semantic stream and random weights
 * through training/v3/export.py's whole export (its tables measured on a synthetic corpus), with the
 * real Whisper tiny.en encoder as asr.onnx (the one test/helpers/whisper-model.ts puts together, so
 * a fresh checkout exports it once for both), into a temporary folder beside a `vocoder/` link to
 * public/vocoder. About 5 s on two loaded cores. Its audio is noise; what it is for is the contract.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { whisperModelDir } from './whisper-model.ts';

const PYTHON = process.env.FLEXI_VENV_PYTHON ?? resolve('.venv/bin/python');
/** What the export needs: the venv (also Whisper's weights), the native vocoder (its analysis), the vocoder module. */
const NEEDS: [string, string][] = [
  [PYTHON, 'the Python venv (.venv; FLEXI_VENV_PYTHON overrides it)'],
  [resolve('build/vocoder/libfxvocoder.so'), 'the native vocoder build (bash native/build.sh)'],
  [resolve('public/vocoder/fxvocoder.wasm'), 'the vocoder module (public/vocoder/)'],
];

/** Why the set cannot be made here, or null where it can. */
export const SEMANTIC_MODEL_SKIP: string | null = (() => {
  const missing = NEEDS.filter(([path]) => !existsSync(path)).map(([, what]) => what);
  return missing.length ? `semanticInput model export skipped: needs ${missing.join(', ')}` : null;
})();

/**
 * Exports the set; returns its models folder (the caller removes its parent when done). mergeOn
 * 'whisper': the model also merges on Whisper's features (models.json `mergeFeatures:
 * "whisper-tiny.en"`, V3Config.merge_on), its encoder.onnx giving `acoustic` alone.
 */
export function semanticModelDir(mergeOn: 'cepstra' | 'whisper' = 'cepstra'): string {
  if (SEMANTIC_MODEL_SKIP) throw new Error(SEMANTIC_MODEL_SKIP);
  const root = mkdtempSync(join(tmpdir(), 'flexicodec-semantic-model-'));
  symlinkSync(resolve('public/vocoder'), join(root, 'vocoder'));
  const asrOnnx = join(whisperModelDir(), 'asr.onnx');
  execFileSync(
    PYTHON,
    ['-m', 'training.tests.semantic_model', '--out', root, '--asr-onnx', asrOnnx, '--merge-on', mergeOn],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
    },
  );
  return join(root, 'models');
}
