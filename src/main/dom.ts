/** The demo page's elements, by their stable data-testid. */
import { byTestId, sharedControls } from '../ui/by-test-id';

/** Every element main.ts drives. */
export const ui = {
  ...sharedControls(),
  dropOverlay: byTestId('drop-overlay'),
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
  linkPanel: byTestId('link-panel'),
};
