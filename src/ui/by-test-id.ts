/** Typed look-ups of a page's elements by their stable data-testid (the e2e tests use the same ids). */

/** The element with data-testid=id; throws if the page lacks it (a broken index.html or app.html). */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`${location.pathname} has no [data-testid="${id}"]`);
  return el;
}

/** The controls both the demo page and the recorder app have, under the same ids. */
export function sharedControls() {
  return {
    status: byTestId('status'),
    backend: byTestId('backend'),
    progress: byTestId<HTMLProgressElement>('load-progress'),
    notice: byTestId('notice'),
    record: byTestId<HTMLButtonElement>('record'),
    stop: byTestId<HTMLButtonElement>('stop'),
    elapsed: byTestId('elapsed'),
    fileInput: byTestId<HTMLInputElement>('file-input'),
    frameRate: byTestId<HTMLInputElement>('frame-rate'),
    frameRateValue: byTestId('frame-rate-value'),
  };
}
