/** Typed look-ups of app.html's elements by data-testid. */

function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`app.html has no [data-testid="${id}"]`);
  return el;
}

/** Every element app.ts drives. */
export const ui = {
  status: byTestId('status'),
  backend: byTestId('backend'),
  network: byTestId('network'),
  offlineReady: byTestId('offline-ready'),
  progress: byTestId<HTMLProgressElement>('load-progress'),
  notice: byTestId('notice'),
  record: byTestId<HTMLButtonElement>('record'),
  stop: byTestId<HTMLButtonElement>('stop'),
  elapsed: byTestId('elapsed'),
  fileInput: byTestId<HTMLInputElement>('file-input'),
  frameRate: byTestId<HTMLInputElement>('frame-rate'),
  frameRateValue: byTestId('frame-rate-value'),
  nowPlaying: byTestId('now-playing'),
  library: byTestId('library'),
  libraryEmpty: byTestId('library-empty'),
  storage: byTestId('storage'),
  persisted: byTestId('persisted'),
};

/** Shows or hides the notice bar; kind 'error' colours it red. */
export function setNotice(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  ui.notice.hidden = !text;
  ui.notice.textContent = text ?? '';
  ui.notice.classList.toggle('error', kind === 'error');
}
