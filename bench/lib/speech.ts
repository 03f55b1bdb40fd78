/**
 * Real speech of any length for the speed runs: the held-out English prompts
 * (training/data/corpus/heldout/, never trained on) concatenated in name order, or, where the
 * corpus is not built, the committed fixture test/fixtures/speech-en-6s.wav repeated.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resample } from '../../src/core/resample.ts';
import { parseWav } from '../../src/core/wav.ts';

/** The held-out prompts (Asterisk en_US, 16 kHz). */
export const HELDOUT_DIR = 'training/data/corpus/heldout';
/** The committed 6 s English fixture. */
export const FIXTURE_WAV = 'test/fixtures/speech-en-6s.wav';
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

/** The source files in order, read lazily until `samples` are covered. */
function* sources(): Generator<{ name: string; samples: Float32Array }> {
  const files = existsSync(HELDOUT_DIR)
    ? readdirSync(HELDOUT_DIR)
        .filter((f) => f.endsWith('.wav'))
        .sort()
    : [];
  if (files.length === 0) {
    const fixture = read16k(FIXTURE_WAV);
    for (;;) yield { name: FIXTURE_WAV, samples: fixture };
  }
  for (;;)
    for (const f of files) yield { name: join(HELDOUT_DIR, f), samples: read16k(join(HELDOUT_DIR, f)) };
}

/** `seconds` of real speech at 16 kHz, files concatenated back to back (wrapping around if short). */
export function realSpeech(seconds: number): Speech {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE_HZ));
  const names = new Set<string>();
  let at = 0;
  for (const { name, samples } of sources()) {
    if (at >= out.length) break;
    const take = Math.min(samples.length, out.length - at);
    out.set(samples.subarray(0, take), at);
    at += take;
    names.add(name);
  }
  const held = [...names].some((n) => n.startsWith(HELDOUT_DIR));
  return {
    samples: out,
    source: held ? `${names.size} held-out en_US prompts from ${HELDOUT_DIR}` : `${FIXTURE_WAV} repeated`,
  };
}
