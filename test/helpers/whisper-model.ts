/**
 * A model set that merges on Whisper features (models.json `models.asr`, docs/MODELS.md), for the
 * tests of the ASR stream: a tiny codec of the earlier family (test/fixtures/whisper-model/, 3.7 MB;
 * its README says how it was made) around the real Whisper tiny.en encoder as asr.onnx (fp16,
 * 17 MB: not committed). asr.onnx is training/runs/whisper/whisper-asr-fp16.onnx where present, else
 * exported on first use from the weights in the .venv by training/whisper/export_encoder.py (about
 * 10 s on two cores; FLEXI_VENV_PYTHON overrides the Python), and must have the sha256 models.json
 * names. Put together once per checkout in node_modules/.cache, with the fixture's export golden
 * beside `models/`. FLEXI_WHISPER_MODELS=DIR uses another exported set instead (e.g. a trained
 * stand-in).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedModelDir, fileSha256 } from './cached-model-build.ts';

/** Where the set is put together. */
export const WHISPER_MODEL_CACHE = resolve('node_modules/.cache/flexicodec-whisper-model');

/** The tiny codec: models.json, encoder, quantizer and decoder, and its export golden in `golden/`. */
const FIXTURE_DIR = resolve('test/fixtures/whisper-model');

/** The Whisper encoder exported by training/whisper/export_encoder.py, where one is. */
const EXPORTED_ASR = resolve('training/runs/whisper/whisper-asr-fp16.onnx');

/** Writes asr.onnx into `models`: the exported file where there is one, else a fresh export. */
function makeAsr(work: string, models: string): string {
  if (existsSync(EXPORTED_ASR)) {
    cpSync(EXPORTED_ASR, join(models, 'asr.onnx'));
    return EXPORTED_ASR;
  }
  const python = process.env.FLEXI_VENV_PYTHON ?? resolve('.venv/bin/python');
  execFileSync(python, ['-m', 'training.whisper.export_encoder', '--out', join(work, 'whisper')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' },
  });
  cpSync(join(work, 'whisper', 'whisper-asr-fp16.onnx'), join(models, 'asr.onnx'));
  rmSync(join(work, 'whisper'), { recursive: true }); // the fp32 and int8 exports: not needed
  return 'training.whisper.export_encoder';
}

/** The folder of a Whisper-merging model set (models.json and four ONNX files), put together on first use. */
export function whisperModelDir(): string {
  const override = process.env.FLEXI_WHISPER_MODELS;
  if (override) return resolve(override);
  const manifestPath = join(FIXTURE_DIR, 'models.json');
  return cachedModelDir({
    cacheDir: WHISPER_MODEL_CACHE,
    stamp: fileSha256(manifestPath),
    make: (work) => {
      const models = join(work, 'models');
      for (const file of ['models.json', 'encoder.onnx', 'quantizer.onnx', 'decoder.onnx'])
        cpSync(join(FIXTURE_DIR, file), join(models, file));
      cpSync(join(FIXTURE_DIR, 'golden'), join(work, 'golden'), { recursive: true });
      const from = makeAsr(work, models);
      const { asr } = (
        JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: { asr: { sha256: string } } }
      ).models;
      const got = fileSha256(join(models, 'asr.onnx'));
      if (got !== asr.sha256)
        throw new Error(
          `asr.onnx from ${from} has sha256 ${got}, not the ${asr.sha256} that ${manifestPath} names: ` +
            'the Whisper export changed (see test/fixtures/whisper-model/README.md), or point FLEXI_WHISPER_MODELS at another set',
        );
    },
  });
}
