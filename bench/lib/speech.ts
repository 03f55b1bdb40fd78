/**
 * Real speech of any length for the speed runs: the held-out English prompts (Asterisk en_US,
 * never trained on) concatenated in name order, found the way training/eval/heldout.py finds
 * them: the corpus builder's training/data/corpus/heldout.jsonl, else the evaluation cache
 * training/data/cache/eval_heldout/heldout.jsonl, else that cache built by heldout.py's
 * `build_cache` (decodes the installed asterisk-core-sounds-en-g722 prompts with ffmpeg).
 * Without any of them the speed runs stop with an error naming what to install: they never fall
 * back to a short fixture, whose numbers would not be comparable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { resample } from '../../src/core/resample.ts';
import { parseWav } from '../../src/core/wav.ts';

/** The corpus builder's held-out manifest (training/data/build_corpus.py). */
export const CORPUS_HELDOUT_JSONL = 'training/data/corpus/heldout.jsonl';
/** The evaluation cache of training/eval/heldout.py (built there when the corpus is not). */
export const CACHE_HELDOUT_JSONL = 'training/data/cache/eval_heldout/heldout.jsonl';
/** Rate of the models' input. */
const SAMPLE_RATE_HZ = 16000;

/** Speech samples and where they came from. */
export interface Speech {
  samples: Float32Array;
  source: string;
}

function read16k(path: string): Float32Array {
  const wav = parseWav(new Uint8Array(readFileSync(path)));
  return wav.sampleRateHz === SAMPLE_RATE_HZ
    ? wav.samples
    : resample(wav.samples, wav.sampleRateHz, SAMPLE_RATE_HZ);
}

/** The Python that runs training/ (the project's .venv where it exists). */
function python(): string {
  return existsSync('.venv/bin/python') ? '.venv/bin/python' : 'python3';
}

/** Builds the evaluation cache with training/eval/heldout.py; throws what to install when it cannot. */
function buildCache(): string {
  try {
    execFileSync(python(), ['-c', 'from training.eval.heldout import build_cache; print(build_cache())'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1) ?? '';
    throw new Error(
      `bench: the held-out speech set is missing (neither ${CORPUS_HELDOUT_JSONL} nor ${CACHE_HELDOUT_JSONL}), ` +
        'and training/eval/heldout.py could not build it' +
        (stderr ? ` (${stderr})` : '') +
        '. Install the prompts and the decoder: `apt-get install asterisk-core-sounds-en-g722 ' +
        'asterisk-core-sounds-en ffmpeg`, then rerun (or build the corpus: training/data/build_corpus.py).',
      { cause: err },
    );
  }
  if (!existsSync(CACHE_HELDOUT_JSONL))
    throw new Error(`bench: training/eval/heldout.py ran but ${CACHE_HELDOUT_JSONL} is not there`);
  return CACHE_HELDOUT_JSONL;
}

/** The manifest of the held-out set, as training/eval/heldout.py's heldout_manifest_path picks it. */
export function heldoutManifest(): string {
  if (existsSync(CORPUS_HELDOUT_JSONL)) return CORPUS_HELDOUT_JSONL;
  if (existsSync(CACHE_HELDOUT_JSONL)) return CACHE_HELDOUT_JSONL;
  return buildCache();
}

let heldoutFiles: { manifest: string; files: string[] } | undefined;

/** The held-out wavs in name order (paths in the manifest are relative to its folder). */
function heldout(): { manifest: string; files: string[] } {
  if (heldoutFiles) return heldoutFiles;
  const manifest = heldoutManifest();
  const files = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const file = (JSON.parse(line) as { file: string }).file;
      return file.startsWith('/') ? file : join(dirname(manifest), file);
    })
    .sort();
  const missing = files.filter((f) => !existsSync(f));
  if (files.length === 0 || missing.length > 0)
    throw new Error(
      `bench: ${manifest} lists ${files.length} files, ${missing.length} of them missing` +
        (missing[0] ? ` (first: ${missing[0]})` : '') +
        '; delete it and rerun to rebuild the cache (needs asterisk-core-sounds-en-g722, asterisk-core-sounds-en, ffmpeg)',
    );
  heldoutFiles = { manifest, files };
  return heldoutFiles;
}

/** `seconds` of real speech at 16 kHz, held-out files concatenated back to back (wrapping around if short). */
export function realSpeech(seconds: number): Speech {
  const { manifest, files } = heldout();
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE_HZ));
  let at = 0;
  let used = 0;
  for (let i = 0; at < out.length; i++) {
    const samples = read16k(files[i % files.length]);
    const take = Math.min(samples.length, out.length - at);
    out.set(samples.subarray(0, take), at);
    at += take;
    used = Math.min(files.length, i + 1);
  }
  return {
    samples: out,
    source: `${used} held-out en_US prompts (Asterisk, voice Allison) listed in ${relative('.', manifest)}`,
  };
}
