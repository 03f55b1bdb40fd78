/**
 * The window scheme of the ASR merge stream (asr.onnx, Whisper's 30 s window): the TypeScript twin
 * of training/whisper/windows.py, which the training and the golden tensors use. A file up to one
 * window is a single window, padded with zeros to the window's length as Whisper pads, whose own
 * frames are kept; a longer file is cut into windows every `windowFrames − 2·marginFrames` frames,
 * the last ending at the file's end, and each frame is taken from the window whose edge is farther
 * (overlaps split at their middle). `test/asr-windows.test.ts` checks plans against Python's.
 */

/** models.json `asrWindow`: how the runtime cuts audio for asr.onnx. */
export interface AsrWindow {
  /** Frames of one window (375 = 30 s at 12.5 Hz: Whisper's window). */
  windowFrames: number;
  /** Context frames kept on each side of the part of a window that is used. */
  marginFrames: number;
  /** Pad a file shorter than one window with zeros to a whole window (as Whisper does). */
  padShortToWindow: boolean;
}

/** One asr.onnx call: run frames [start, end) of the file, keep frames [keepFrom, keepTo) of the file. */
export interface AsrWindowPlan {
  start: number;
  end: number;
  keepFrom: number;
  keepTo: number;
}

/** Windows for a file of `frames` frames (windows.py `plan`); the kept ranges tile [0, frames). */
export function planAsrWindows(frames: number, w: AsrWindow): AsrWindowPlan[] {
  const { windowFrames: window, marginFrames: margin } = w;
  if (frames <= window) return [{ start: 0, end: frames, keepFrom: 0, keepTo: frames }];
  const hop = window - 2 * margin;
  const starts: number[] = [];
  for (let s = 0; s < frames - window; s += hop) starts.push(s);
  starts.push(frames - window);
  return starts.map((s, i) => ({
    start: s,
    end: s + window,
    // Middle of the overlap with the previous (next) window; Python's // on non-negative integers.
    keepFrom: i === 0 ? 0 : Math.floor((s + starts[i - 1] + window) / 2),
    keepTo: i === starts.length - 1 ? frames : Math.floor((starts[i + 1] + s + window) / 2),
  }));
}

/** Throws unless an asrWindow from models.json can be planned with. */
export function checkAsrWindow(w: unknown): AsrWindow {
  if (typeof w !== 'object' || w === null) throw new Error('models.json: asrWindow must be an object');
  const a = w as AsrWindow;
  if (!Number.isInteger(a.windowFrames) || a.windowFrames <= 0)
    throw new Error('models.json: asrWindow.windowFrames must be a positive integer');
  if (!Number.isInteger(a.marginFrames) || a.marginFrames < 0 || 2 * a.marginFrames >= a.windowFrames)
    throw new Error('models.json: asrWindow.marginFrames must be an integer in [0, windowFrames / 2)');
  if (typeof a.padShortToWindow !== 'boolean')
    throw new Error('models.json: asrWindow.padShortToWindow must be true or false');
  return a;
}
