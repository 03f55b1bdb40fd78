/** Microphone capture: getUserMedia → AudioWorklet → transferred Float32 chunks on the page. */
import workletUrl from '../worklet/recorder.worklet.ts?worker&url';
import type { RecorderMessage } from '../worklet/recorder.worklet';

/** A microphone failure worded for the person at the page. */
export class MicError extends Error {
  override readonly name = 'MicError';
}

/** Turns getUserMedia's DOMException into a sentence that says what to do next. */
function explain(err: unknown): MicError {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new MicError(
      'Microphone permission denied. Allow the microphone, or open a .wav or .fxc file instead.',
    );
  }
  if (name === 'NotFoundError') return new MicError('No microphone found. Open a .wav or .fxc file instead.');
  if (name === 'NotReadableError') return new MicError('The microphone is in use by another application.');
  return new MicError(`Cannot start the microphone: ${err instanceof Error ? err.message : String(err)}`);
}

/** A recording in progress; stop() returns every captured sample at the device rate. */
export class MicRecorder {
  private readonly chunks: Float32Array[] = [];
  private flushed?: () => void;

  private constructor(
    private readonly context: AudioContext,
    private readonly stream: MediaStream,
    private readonly node: AudioWorkletNode,
    onChunk: (chunk: Float32Array, sampleRateHz: number) => void,
  ) {
    node.port.onmessage = (event: MessageEvent<RecorderMessage>) => {
      if (event.data.type === 'chunk') {
        this.chunks.push(event.data.samples);
        onChunk(event.data.samples, event.data.sampleRateHz);
      } else {
        this.flushed?.();
      }
    };
  }

  /** Asks for the microphone and starts capturing; throws MicError with a readable message. */
  static async start(onChunk: (chunk: Float32Array, sampleRateHz: number) => void): Promise<MicRecorder> {
    if (!navigator.mediaDevices?.getUserMedia)
      throw new MicError('This page cannot use a microphone here (no secure context).');
    let stream: MediaStream;
    try {
      // Raw speech: the codec should hear what the microphone hears.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      throw explain(err);
    }
    const context = new AudioContext();
    await context.audioWorklet.addModule(workletUrl);
    const source = context.createMediaStreamSource(stream);
    // No outputs: the node is a sink that the audio graph still pulls every render quantum.
    const node = new AudioWorkletNode(context, 'recorder', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
    });
    source.connect(node);
    await context.resume();
    return new MicRecorder(context, stream, node, onChunk);
  }

  /** The capture rate of the audio context, e.g. 48000. */
  get sampleRateHz(): number {
    return this.context.sampleRate;
  }

  /** Stops the microphone and returns all samples, mono, at sampleRateHz. */
  async stop(): Promise<Float32Array> {
    const done = new Promise<void>((resolve) => (this.flushed = resolve));
    this.node.port.postMessage({ type: 'flush' });
    await done;
    for (const track of this.stream.getTracks()) track.stop();
    this.node.disconnect();
    await this.context.close();
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const samples = new Float32Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      samples.set(c, offset);
      offset += c.length;
    }
    return samples;
  }
}
