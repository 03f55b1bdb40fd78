/** A microphone recording, resampled to the codec's 16 kHz while it runs (shared by element and app). */
import { concatFloat32 } from '../core/concat';
import { StreamingResampler } from '../core/resample';
import { MicRecorder } from '../main/recorder';
import { CODEC_RATE_HZ, type Audio } from './audio-input';

/** What a finished capture holds: the device-rate original, for playback, and 16 kHz for the codec. */
export interface Captured {
  original: Audio;
  audio16k: Float32Array;
}

/** A running microphone capture; start() asks for the microphone and throws MicError if refused. */
export class Capture16k {
  private readonly pieces: Float32Array[] = [];
  private resampler?: StreamingResampler;
  private recorder!: MicRecorder;

  private constructor(private readonly onAudio16k?: (samples: Float32Array) => void) {}

  /**
   * Starts capturing; onSeconds reports the recorded length as it grows, and onAudio16k (if
   * given) each stretch of 16 kHz audio as it is resampled (the app saves these as it records).
   */
  static async start(
    onSeconds: (seconds: number) => void,
    onAudio16k?: (samples: Float32Array) => void,
  ): Promise<Capture16k> {
    const capture = new Capture16k(onAudio16k);
    let captured = 0;
    capture.recorder = await MicRecorder.start((chunk, rateHz) => {
      captured += chunk.length;
      onSeconds(captured / rateHz);
      capture.push(chunk, rateHz);
    });
    return capture;
  }

  private push(chunk: Float32Array, rateHz: number): void {
    this.resampler ??= new StreamingResampler(rateHz, CODEC_RATE_HZ);
    const piece = this.resampler.push(chunk);
    this.pieces.push(piece);
    this.onAudio16k?.(piece);
  }

  /** Stops the microphone and returns everything captured. */
  async stop(): Promise<Captured> {
    const samples = await this.recorder.stop();
    if (this.resampler) this.pieces.push(this.resampler.flush());
    return {
      original: { samples, sampleRateHz: this.recorder.sampleRateHz },
      audio16k: concatFloat32(this.pieces),
    };
  }

  /** Stops the microphone and drops the audio. */
  cancel(): void {
    void this.recorder.stop().catch(() => undefined);
  }
}
