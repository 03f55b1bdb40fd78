/** Typed look-ups of the page's elements by their stable data-testid. */

/** The element with data-testid=id; throws if the page lacks it (a broken index.html). */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`index.html has no [data-testid="${id}"]`);
  return el;
}

/** Every element main.ts drives. */
export const ui = {
  status: byTestId('status'),
  backend: byTestId('backend'),
  progress: byTestId<HTMLProgressElement>('load-progress'),
  notice: byTestId('notice'),
  record: byTestId<HTMLButtonElement>('record'),
  stop: byTestId<HTMLButtonElement>('stop'),
  elapsed: byTestId('elapsed'),
  fileInput: byTestId<HTMLInputElement>('file-input'),
  dropOverlay: byTestId('drop-overlay'),
  frameRate: byTestId<HTMLInputElement>('frame-rate'),
  frameRateValue: byTestId('frame-rate-value'),
  achievedRate: byTestId('achieved-rate'),
  bitrate: byTestId('bitrate'),
  bytes: byTestId('bytes'),
  segments: byTestId('segments'),
  duration: byTestId('duration'),
  codeMs: byTestId('code-ms'),
  encoderRuns: byTestId('encoder-runs'),
  waveform: byTestId<HTMLCanvasElement>('waveform'),
  playOriginal: byTestId<HTMLButtonElement>('play-original'),
  playDecoded: byTestId<HTMLButtonElement>('play-decoded'),
  downloadFxc: byTestId<HTMLButtonElement>('download-fxc'),
  downloadWav: byTestId<HTMLButtonElement>('download-wav'),
  originalSamples: byTestId('original-samples'),
  decodedSamples: byTestId('decoded-samples'),
};
