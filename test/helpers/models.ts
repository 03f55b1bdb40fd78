/**
 * Access to the real exported models for tests. Tests that need them skip, with a message,
 * only while public/models/models.json is absent; once the models exist they always run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Codec } from '../../src/core/codec.ts';
import { parseWav } from '../../src/core/wav.ts';
import { loadCodec } from '../../src/node/index.ts';

/** The repository's models folder. */
export const MODELS_DIR = fileURLToPath(new URL('../../public/models/', import.meta.url));
/** True when the exported models are present. */
export const HAVE_MODELS = existsSync(`${MODELS_DIR}models.json`);
/** Shown by skipped tests. */
export const NO_MODELS_REASON =
  'public/models/models.json is absent: real-model tests skipped until the lead exports models';

/** 6 s of held-out English speech, 16 kHz mono. */
export const SPEECH_FIXTURE = fileURLToPath(new URL('../fixtures/speech-en-6s.wav', import.meta.url));

/** The fixture's samples. */
export function speechSamples(): Float32Array {
  const wav = parseWav(new Uint8Array(readFileSync(SPEECH_FIXTURE)));
  if (wav.sampleRateHz !== 16000) throw new Error('fixture must be 16 kHz');
  return wav.samples;
}

let codec: Promise<Codec> | null = null;

/** One codec on the real models, shared by the tests of a file (one thread: the machine is shared). */
export function realCodec(): Promise<Codec> {
  codec ??= loadCodec({ modelsDir: MODELS_DIR, intraOpThreads: 1 });
  return codec;
}

if (!HAVE_MODELS) console.warn(NO_MODELS_REASON);
