/** app.html's elements, by their stable data-testid. */
import { byTestId, sharedControls } from '../ui/by-test-id';

/** Every element app.ts drives. */
export const ui = {
  ...sharedControls(),
  network: byTestId('network'),
  offlineReady: byTestId('offline-ready'),
  nowPlaying: byTestId('now-playing'),
  library: byTestId('library'),
  libraryEmpty: byTestId('library-empty'),
  storage: byTestId('storage'),
  persisted: byTestId('persisted'),
  modelId: byTestId('model-id'),
  sharedNote: byTestId('shared-note'),
  sharedFigures: byTestId('shared-figures'),
  sharedPlay: byTestId<HTMLButtonElement>('shared-play'),
  sharedSave: byTestId<HTMLButtonElement>('shared-save'),
  linkPanel: byTestId('link-panel'),
  linkName: byTestId('link-name'),
  linkClose: byTestId<HTMLButtonElement>('link-close'),
};

/** Shows or hides the notice bar; kind 'error' colours it red. */
export function setNotice(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  ui.notice.hidden = !text;
  ui.notice.textContent = text ?? '';
  ui.notice.classList.toggle('error', kind === 'error');
}
