/** Per-frame statistics of audio, for the frame-local stand-in models of the codec tests. */

/** Each `frameSamples`-sample frame's sample sum and RMS (audio.length a whole number of frames). */
export function frameStats(
  audio: Float32Array,
  frameSamples: number,
): { sum: Float32Array; rms: Float32Array } {
  const frames = audio.length / frameSamples;
  const sum = new Float32Array(frames);
  const rms = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    let s = 0;
    let q = 0;
    for (let i = 0; i < frameSamples; i++) {
      s += audio[t * frameSamples + i];
      q += audio[t * frameSamples + i] ** 2;
    }
    sum[t] = s;
    rms[t] = Math.sqrt(q / frameSamples);
  }
  return { sum, rms };
}
