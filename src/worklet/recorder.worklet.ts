/**
 * AudioWorklet that captures the microphone: it gathers the first input channel into
 * chunks and posts each chunk's buffer to the page as a transfer (no copy). On 'flush'
 * it posts what is left and then 'flushed', so the page knows it has every sample.
 */

// The AudioWorkletGlobalScope is not in TypeScript's DOM lib; these are the parts we use.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

/** Samples per posted chunk: about 43 ms at 48 kHz, few messages and little latency. */
const CHUNK_SAMPLES = 2048;

/** Messages the worklet posts: audio chunks and the end-of-recording mark. */
export type RecorderMessage =
  { type: 'chunk'; samples: Float32Array; sampleRateHz: number } | { type: 'flushed' };

class RecorderProcessor extends AudioWorkletProcessor {
  private chunk = new Float32Array(CHUNK_SAMPLES);
  private filled = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<{ type: string }>) => {
      if (event.data.type !== 'flush') return;
      this.post(this.filled);
      this.port.postMessage({ type: 'flushed' } satisfies RecorderMessage);
      this.stopped = true;
    };
  }

  /** Posts the first `samples` samples of the current chunk and starts a new one. */
  private post(samples: number): void {
    if (samples === 0) return;
    const out = samples === CHUNK_SAMPLES ? this.chunk : this.chunk.slice(0, samples);
    this.port.postMessage(
      { type: 'chunk', samples: out, sampleRateHz: sampleRate } satisfies RecorderMessage,
      [out.buffer],
    );
    this.chunk = new Float32Array(CHUNK_SAMPLES);
    this.filled = 0;
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    let offset = 0;
    while (offset < channel.length) {
      const n = Math.min(channel.length - offset, CHUNK_SAMPLES - this.filled);
      this.chunk.set(channel.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === CHUNK_SAMPLES) this.post(CHUNK_SAMPLES);
    }
    return true;
  }
}

registerProcessor('recorder', RecorderProcessor);
