/**
 * A one-pole DC-blocking high-pass (y[n] = x[n] - x[n-1] + a·y[n-1]), run on the input before the
 * encoder: a DC offset is inaudible but shifts every frame the encoder sees. Corner ≈ 10 Hz, far
 * below speech. Stateful, so a stream filtered in chunks equals the whole signal filtered at once.
 */

/** Corner frequency of the high-pass. */
export const DC_BLOCK_CORNER_HZ = 10;

/** Streaming DC blocker for one sample rate. */
export class DcBlocker {
  private readonly pole: number;
  private previousInput = 0;
  private previousOutput = 0;
  private started = false;

  constructor(sampleRateHz: number) {
    this.pole = Math.exp((-2 * Math.PI * DC_BLOCK_CORNER_HZ) / sampleRateHz);
  }

  /** Filters `samples` in place and returns them. */
  process(samples: Float32Array): Float32Array {
    // Starting from the first sample (not from 0) avoids a step transient when the file has DC.
    if (!this.started && samples.length > 0) {
      this.previousInput = samples[0];
      this.started = true;
    }
    let x1 = this.previousInput;
    let y1 = this.previousOutput;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i];
      y1 = x - x1 + this.pole * y1;
      x1 = x;
      samples[i] = y1;
    }
    this.previousInput = x1;
    this.previousOutput = y1;
    return samples;
  }
}
