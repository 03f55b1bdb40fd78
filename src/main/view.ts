/** Writes a coded result into the page: figures, waveform, enabled buttons. */
import type { CodecResult } from '../worker/protocol';
import { ui } from './dom';
import { drawWaveform, type Trace } from './waveform';

/** What the page currently shows: the input audio (if any) and its coded result. */
export interface Shown {
  /** Input audio at its own rate; absent for a decoded .fxc. */
  original?: Trace;
  /** Samples of the 16 kHz signal given to the codec. */
  original16kSamples?: number;
  result?: CodecResult;
  /** The 12.5 Hz frame rate of the model, for the segment overlay. */
  frameRateHz: number;
}

/** Shows the status line: exactly 'ready' when idle, 'error: …' after a failure. */
export function setStatus(text: string): void {
  ui.status.textContent = text;
}

/** The notice shown when there is nothing else to say (e.g. that WASM runs instead of WebGPU). */
let standingNotice: string | undefined;

/** Sets the standing notice and shows it. */
export function setStandingNotice(text: string): void {
  standingNotice = text;
  setNotice(undefined);
}

/** Shows a notice; undefined brings back the standing one. Kind 'error' colours it red. */
export function setNotice(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  const shown = text ?? standingNotice;
  ui.notice.hidden = !shown;
  ui.notice.textContent = shown ?? '';
  ui.notice.classList.toggle('error', text !== undefined && kind === 'error');
}

/** Redraws every figure from `shown`. */
export function render(shown: Shown): void {
  const r = shown.result;
  ui.achievedRate.textContent = r ? r.achievedRateHz.toFixed(2) : '–';
  // The rate this result was coded for, so a reader can tell a fresh result from a stale one.
  ui.achievedRate.dataset.targetHz = r ? r.targetRateHz.toFixed(2) : '';
  ui.bitrate.textContent = r ? Math.round(r.bitrateBps).toString() : '–';
  ui.bytes.textContent = r ? r.fxc.byteLength.toString() : '–';
  ui.segments.textContent = r ? `${r.segmentLengths.length} / ${r.frames}` : '–';
  ui.duration.textContent = r ? (r.decoded.length / r.sampleRateHz).toFixed(2) : '–';
  ui.codeMs.textContent = r ? Math.round(r.timingsMs.total ?? 0).toString() : '–';
  // Where the time went (encoder, merge + quantizer, decoder), on hover and for the benchmark.
  ui.codeMs.title = r
    ? Object.entries(r.timingsMs)
        .map(([step, ms]) => `${step} ${Math.round(ms)} ms`)
        .join(', ')
    : '';
  ui.encoderRuns.textContent = r ? r.encoderRuns.toString() : '–';
  ui.originalSamples.textContent = shown.original16kSamples?.toString() ?? '–';
  ui.decodedSamples.textContent = r ? r.decoded.length.toString() : '–';
  ui.playOriginal.disabled = !shown.original;
  ui.playDecoded.disabled = !r;
  ui.downloadFxc.disabled = !r;
  ui.downloadWav.disabled = !r;
  drawWaveform(ui.waveform, {
    original: shown.original,
    decoded: r ? { samples: r.decoded, sampleRateHz: r.sampleRateHz } : undefined,
    segmentLengths: r?.segmentLengths,
    frameRateHz: shown.frameRateHz,
  });
}
