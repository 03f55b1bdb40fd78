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
};

/** Shows or hides the notice bar; kind 'error' colours it red. */
export function setNotice(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  ui.notice.hidden = !text;
  ui.notice.textContent = text ?? '';
  ui.notice.classList.toggle('error', kind === 'error');
}
