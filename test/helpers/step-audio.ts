/** Synthetic audio for the codec tests that run frame-local stand-ins of the models. */
import { seededRandom } from './random.ts';

/** Audio whose level jumps at some 80 ms frame starts (1280 samples), like phones changing. */
export function stepAudio(samples: number, seed: number, frameSamples = 1280): Float32Array {
  const random = seededRandom(seed);
  const x = new Float32Array(samples);
  let level = 0.3;
  for (let i = 0; i < samples; i++) {
    if (i % frameSamples === 0 && random() < 0.25) level = (random() - 0.5) * 0.8;
    x[i] = level + 0.01 * (random() - 0.5);
  }
  return x;
}
