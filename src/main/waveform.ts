/** Canvas drawing: original and decoded waveforms with the merged segments drawn over them. */

/** Audio to draw, at its own sample rate. */
export interface Trace {
  samples: Float32Array;
  sampleRateHz: number;
}

/** What the waveform view shows. */
export interface WaveformView {
  original?: Trace;
  decoded?: Trace;
  /** Frames per segment; each frame lasts 1 / frameRateHz seconds. */
  segmentLengths?: Uint32Array;
  frameRateHz?: number;
  /** Seconds the x axis spans; defaults to the longest trace. */
  durationS?: number;
}

/** Min/max envelope of a trace, one column per canvas pixel. */
function drawEnvelope(
  ctx: CanvasRenderingContext2D,
  trace: Trace,
  secondsPerPx: number,
  style: string,
): void {
  const { width, height } = ctx.canvas;
  const mid = height / 2;
  const samplesPerPx = secondsPerPx * trace.sampleRateHz;
  ctx.fillStyle = style;
  for (let x = 0; x < width; x++) {
    const from = Math.floor(x * samplesPerPx);
    if (from >= trace.samples.length) break;
    const to = Math.min(trace.samples.length, Math.max(from + 1, Math.floor((x + 1) * samplesPerPx)));
    let lo = 1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = trace.samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const top = mid - Math.min(1, hi) * mid;
    const bottom = mid - Math.max(-1, lo) * mid;
    ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}

/** Alternating bands, one per merged segment, with a line at each boundary. */
function drawSegments(
  ctx: CanvasRenderingContext2D,
  lengths: Uint32Array,
  frameRateHz: number,
  secondsPerPx: number,
): void {
  const { height } = ctx.canvas;
  let frame = 0;
  for (let k = 0; k < lengths.length; k++) {
    const x0 = frame / frameRateHz / secondsPerPx;
    const x1 = (frame + lengths[k]) / frameRateHz / secondsPerPx;
    ctx.fillStyle = k % 2 === 0 ? '#f59e0b22' : '#f59e0b0d';
    ctx.fillRect(x0, 0, x1 - x0, height);
    ctx.fillStyle = '#f59e0b';
    ctx.fillRect(Math.round(x0), 0, 1, lengths[k] > 1 ? height : height / 6);
    frame += lengths[k];
  }
}

/** Redraws the whole canvas, scaling it to its CSS width for sharp lines. */
export function drawWaveform(canvas: HTMLCanvasElement, view: WaveformView): void {
  const cssWidth = Math.max(1, Math.round(canvas.clientWidth || canvas.width));
  if (canvas.width !== cssWidth) canvas.width = cssWidth;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const traces = [view.original, view.decoded].filter((t): t is Trace => !!t);
  const duration = view.durationS ?? Math.max(0, ...traces.map((t) => t.samples.length / t.sampleRateHz));
  if (duration <= 0) return;
  const secondsPerPx = duration / canvas.width;
  if (view.segmentLengths && view.frameRateHz)
    drawSegments(ctx, view.segmentLengths, view.frameRateHz, secondsPerPx);
  if (view.original) drawEnvelope(ctx, view.original, secondsPerPx, '#9ca3afcc');
  if (view.decoded) drawEnvelope(ctx, view.decoded, secondsPerPx, '#2563eb99');
}
