/**
 * A model set that merges on Whisper features (models.json `models.asr`, docs/MODELS.md), for the
 * tests of the ASR stream: the real Whisper tiny.en encoder as asr.onnx (fp16, 16 MB) with a tiny
 * codec (the smoke recipe with `--merge-on whisper`: two steps of each stage on a synthetic
 * corpus), exported by training/export.py. Built once per checkout into node_modules/.cache
 * (about 30 s on two cores; 20 MB: too big to commit), with the project's .venv (FLEXI_VENV_PYTHON
 * overrides). The Whisper ONNX file is training/runs/whisper/whisper-asr-fp16.onnx where present,
 * else exported here from the weights in the .venv (training/whisper/export_encoder.py).
 * FLEXI_WHISPER_MODELS=DIR uses another exported set instead (e.g. a trained stand-in).
 */
import { cachedModelDir } from './cached-model-build.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the exported set is kept between runs. */
export const WHISPER_MODEL_CACHE = resolve('node_modules/.cache/flexicodec-whisper-model');

/** Bump to rebuild the cached set (e.g. after an export format change). */
const RECIPE_VERSION = '3'; // 2: decoder weights stored as float16; 3: asr.onnx stores its position table

/** The Whisper encoder exported by training/whisper/export_encoder.py, where one is. */
const EXPORTED_ASR = resolve('training/runs/whisper/whisper-asr-fp16.onnx');

function recipe(work: string, asrOnnx: string): string[][] {
  const common = ['--run', join(work, 'run'), '--corpus', join(work, 'corpus'), '--tiny'];
  const train = [...common, '--crop-frames', '16', '--batch', '2', '--merge-on', 'whisper'];
  return [
    [
      '-c',
      `from training.tests.synthetic_corpus import write_corpus; write_corpus(${JSON.stringify(join(work, 'corpus'))}, utterances=4)`,
    ],
    ...(asrOnnx === EXPORTED_ASR
      ? []
      : [['-m', 'training.whisper.export_encoder', '--out', join(work, 'whisper')]]),
    [
      '-m',
      'training.whisper.corpus_features',
      '--corpus',
      join(work, 'corpus'),
      '--split',
      '',
      '--out',
      join(work, 'asr'),
      '--onnx',
      asrOnnx,
    ],
    ['-m', 'training.train', '--stage', 'semantic', '--max-steps', '2', ...train],
    [
      '-m',
      'training.train',
      '--stage',
      'codec',
      '--max-steps',
      '2',
      ...train,
      '--asr-features',
      join(work, 'asr'),
    ],
    [
      '-m',
      'training.export',
      '--ckpt',
      join(work, 'run', 'codec.pt'),
      '--out',
      join(work, 'models'),
      '--calib-dir',
      join(work, 'corpus', 'wav', 'synth'),
      '--golden-out',
      join(work, 'golden'),
      '--asr-onnx',
      asrOnnx,
      '--no-entropy', // entropy tables need a corpus with a valid split (and minutes of work)
    ],
  ];
}

/** The folder of a Whisper-merging model set (models.json and four ONNX files), built on first use. */
export function whisperModelDir(): string {
  const override = process.env.FLEXI_WHISPER_MODELS;
  if (override) return resolve(override);
  return cachedModelDir({
    cacheDir: WHISPER_MODEL_CACHE,
    recipeVersion: RECIPE_VERSION,
    python: process.env.FLEXI_VENV_PYTHON ?? resolve('.venv/bin/python'),
    recipe: (work) =>
      recipe(work, existsSync(EXPORTED_ASR) ? EXPORTED_ASR : join(work, 'whisper', 'whisper-asr-fp16.onnx')),
    scratch: ['whisper'], // the fp32 and int8 exports: not needed
  });
}
