/**
 * How close two LPCNet analyses must be (test/vocoder.test.ts: the WebAssembly build against the
 * native one, test/fixtures/vocoder/): the cepstra nearly exactly, the pitch features in all but a
 * few frames, where PitchDNN's int8 dot products round differently and the estimate flips.
 */
import { VOCODER_FEATURE_COUNT } from '../../src/vocoder/vocoder.ts';

/** Largest |WASM − native| allowed in the 18 cepstra (measured: 3.8e-6). */
export const CEPSTRUM_TOLERANCE = 1e-4;
/**
 * A pitch feature "differs" by more than this. PitchDNN runs int8 dot products on AVX2 natively and
 * on WASM SIMD (or plain C) here: the period code differs by > 1e-3 in 5 of 607 frames (0.8 %), the
 * correlation in 10 (1.6 %), by up to 0.3 where the pitch estimate flips.
 */
export const PITCH_TOLERANCE = 1e-3;
/** Share of frames whose pitch period or correlation may differ. */
export const PITCH_DIFFERING_SHARE = 0.03;
/** STOI may fall this far below the native build's resynthesis (FARGAN is autoregressive). */
export const STOI_MARGIN = 0.01;

/** Per feature column: max |a − b| (cepstra), and frames where |a − b| > PITCH_TOLERANCE (pitch). */
export function compare(a: Float32Array, b: Float32Array) {
  const frames = a.length / VOCODER_FEATURE_COUNT;
  let cepstrumMax = 0;
  let periodDiffering = 0;
  let correlationDiffering = 0;
  for (let k = 0; k < frames; k++) {
    const at = k * VOCODER_FEATURE_COUNT;
    for (let i = 0; i < 18; i++) cepstrumMax = Math.max(cepstrumMax, Math.abs(a[at + i] - b[at + i]));
    if (Math.abs(a[at + 18] - b[at + 18]) > PITCH_TOLERANCE) periodDiffering++;
    if (Math.abs(a[at + 19] - b[at + 19]) > PITCH_TOLERANCE) correlationDiffering++;
  }
  return {
    frames,
    cepstrumMax,
    periodShare: periodDiffering / frames,
    correlationShare: correlationDiffering / frames,
  };
}
