/** Plays Float32 audio through one shared AudioContext; a new play stops the previous one. */

let context: AudioContext | undefined;
let playing: AudioBufferSourceNode | undefined;

/** Plays mono samples at their own rate (the browser resamples to the output device). */
export async function play(samples: Float32Array, sampleRateHz: number): Promise<void> {
  context ??= new AudioContext();
  await context.resume();
  playing?.stop();
  const buffer = context.createBuffer(1, samples.length, sampleRateHz);
  buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  source.onended = () => {
    if (playing === source) playing = undefined;
  };
  playing = source;
  source.start();
}
