/**
 * "Copy link" and "QR code" for one voice note, in the app and the demo: shows the link's length
 * before anything is copied, copies it, and draws it as a QR code, or says the note is too long for
 * one and which frame rate would fit. The panel's elements are found by data-testid in `root`.
 */
import { readHeader } from '../core/bitstream';
import { FXC_LINK_PARAM, QR_MAX_LINK_CHARS, fitsQr, fxcLink, maxQrRateHz } from '../core/fxc-link';
import { drawQr } from './qr';

/** Lowest rate the pages' sliders offer, in Hz. */
const MIN_SLIDER_RATE_HZ = 3;
/** The sliders' step, in Hz: the suggested rate is rounded down to it. */
const SLIDER_STEP_HZ = 0.25;

const count = new Intl.NumberFormat('en');

function part<T extends HTMLElement>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`the link panel has no [data-testid="${id}"]`);
  return el;
}

/** The sentence for a note too long for a QR code: how long, the limit, and a rate that fits. */
export function tooLongForQr(fxc: Uint8Array, link: string, lowerRate: string): string {
  const header = readHeader(fxc);
  const prefix = link.indexOf(`#${FXC_LINK_PARAM}=`) + FXC_LINK_PARAM.length + 2;
  const fitHz = Math.floor(maxQrRateHz(header, prefix) / SLIDER_STEP_HZ) * SLIDER_STEP_HZ;
  const head = `Too long for a QR code: the link has ${count.format(link.length)} characters, a QR code holds ${count.format(QR_MAX_LINK_CHARS)}.`;
  if (fitHz >= MIN_SLIDER_RATE_HZ)
    return `${head} ${lowerRate} ${fitHz.toFixed(2)} Hz or lower, and it fits.`;
  return `${head} Even at ${MIN_SLIDER_RATE_HZ} Hz it would not fit: share the .fxc file, or record shorter notes.`;
}

/** One note's link, its length, copy button and QR code. */
export class LinkPanel {
  private readonly length: HTMLElement;
  private readonly text: HTMLInputElement;
  private readonly copy: HTMLButtonElement;
  private readonly showQr: HTMLButtonElement;
  private readonly qr: HTMLCanvasElement;
  private readonly message: HTMLElement;
  private link = '';
  private fxc: Uint8Array = new Uint8Array();

  constructor(
    private readonly root: HTMLElement,
    /** What the "too long" sentence tells the person to do, before the rate: "Record at" or "Move the slider to". */
    private readonly lowerRate: string,
  ) {
    this.length = part(root, 'link-length');
    this.text = part<HTMLInputElement>(root, 'link-text');
    this.copy = part<HTMLButtonElement>(root, 'copy-link');
    this.showQr = part<HTMLButtonElement>(root, 'show-qr');
    this.qr = part<HTMLCanvasElement>(root, 'qr-code');
    this.message = part(root, 'link-message');
    this.copy.onclick = () => void this.copyLink();
    this.showQr.onclick = () => this.drawQr();
  }

  /** Shows the link of `fxc` as a fragment of `pageUrl` (the app, which opens such links). */
  show(fxc: Uint8Array, pageUrl: string): void {
    this.fxc = fxc;
    this.link = fxcLink(pageUrl, fxc);
    this.root.hidden = false;
    this.length.textContent = String(this.link.length);
    this.text.value = this.link;
    this.qr.hidden = true;
    this.say(
      fitsQr(this.link)
        ? `${count.format(fxc.length)} bytes of .fxc, ${count.format(this.link.length)} characters as a link: fits a QR code.`
        : tooLongForQr(fxc, this.link, this.lowerRate),
    );
    this.root.dataset.fitsQr = String(fitsQr(this.link));
  }

  hide(): void {
    this.root.hidden = true;
    this.link = '';
  }

  /** The link shown, or '' when hidden. */
  get current(): string {
    return this.link;
  }

  private say(text: string, kind: 'info' | 'error' = 'info'): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', kind === 'error');
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.link);
      this.say('Link copied. Opening it plays the note, offline too, and offers to save it.');
    } catch {
      // No clipboard permission (or an insecure page): the link stays selected for copying by hand.
      this.text.focus();
      this.text.select();
      this.say('The clipboard is not available here: copy the selected link by hand.', 'error');
    }
  }

  private drawQr(): void {
    if (!fitsQr(this.link)) {
      this.qr.hidden = true;
      this.say(tooLongForQr(this.fxc, this.link, this.lowerRate), 'error');
      return;
    }
    const version = drawQr(this.qr, this.link);
    this.qr.hidden = false;
    this.qr.dataset.version = String(version);
    this.say(`QR code, version ${version}: scan it to open the note.`);
  }
}
