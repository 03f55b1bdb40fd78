/**
 * Draws a link as a QR code with lean-qr (MIT, no dependencies): byte mode (the link is ASCII),
 * the smallest version that holds it and the strongest error correction that version allows.
 */
import { correction, generate, mode } from 'lean-qr';

/** Screen pixels per QR module; the canvas is scaled by CSS with crisp pixels. */
const MODULE_PX = 4;
/** Quiet zone around the code, in modules (ISO/IEC 18004 asks for 4). */
const QUIET_MODULES = 4;

/** Draws `link` on `canvas`; returns the QR version (1–40). Throws when it does not fit one code. */
export function drawQr(canvas: HTMLCanvasElement, link: string): number {
  const code = generate(mode.ascii(link), { minCorrectionLevel: correction.L, maxVersion: 40 });
  // Opaque black on white, whatever the page's colour scheme: scanners want dark on light.
  code.toCanvas(canvas, { pad: QUIET_MODULES, on: [0, 0, 0, 255], off: [255, 255, 255, 255] });
  canvas.style.width = `${canvas.width * MODULE_PX}px`;
  canvas.style.maxWidth = '100%';
  canvas.style.imageRendering = 'pixelated';
  return (code.size - 17) / 4;
}
