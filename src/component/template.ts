/**
 * The element's shadow DOM: the same controls and data-testids as the demo page, themed by CSS
 * custom properties (--flexi-*) and ::part() names, with a one-row layout under [compact].
 */

/** Styles of the shadow root; every colour and size comes from a custom property with a default. */
const STYLE = `
:host {
  --flexi-accent: #2563eb;
  --flexi-fg: inherit;
  --flexi-bg: transparent;
  --flexi-muted: #6b7280;
  --flexi-border: color-mix(in srgb, currentColor 20%, transparent);
  --flexi-radius: 0.5rem;
  --flexi-gap: 0.5rem;
  --flexi-font: system-ui, sans-serif;
  display: block;
  font-family: var(--flexi-font);
  color: var(--flexi-fg);
}
:host([hidden]) { display: none; }
.box {
  display: flex;
  flex-direction: column;
  gap: var(--flexi-gap);
  padding: calc(var(--flexi-gap) * 1.5);
  border: 1px solid var(--flexi-border);
  border-radius: var(--flexi-radius);
  background: var(--flexi-bg);
}
.row { display: flex; flex-wrap: wrap; align-items: center; gap: var(--flexi-gap); }
.muted, .label { color: var(--flexi-muted); }
button, .file {
  font: inherit;
  padding: 0.3rem 0.75rem;
  border: 1px solid var(--flexi-border);
  border-radius: calc(var(--flexi-radius) * 0.75);
  background: transparent;
  color: inherit;
  cursor: pointer;
}
button:not(:disabled):hover, .file:hover { border-color: var(--flexi-accent); }
button:disabled { opacity: 0.45; cursor: default; }
button[data-testid='record']:not(:disabled) { background: var(--flexi-accent); color: white; border-color: var(--flexi-accent); }
.file input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.file:focus-within { outline: 2px solid var(--flexi-accent); }
.rate { display: flex; align-items: center; gap: var(--flexi-gap); }
.rate input { flex: 1; min-width: 6rem; accent-color: var(--flexi-accent); }
progress { width: 100%; height: 0.3rem; accent-color: var(--flexi-accent); }
progress[value='1'] { display: none; }
.status.error { color: #dc2626; }
:host([compact]) .box { flex-direction: row; flex-wrap: nowrap; align-items: center; padding: var(--flexi-gap); overflow-x: auto; }
:host([compact]) .row { flex-wrap: nowrap; }
:host([compact]) .label, :host([compact]) .wide { display: none; }
:host([compact]) button, :host([compact]) .file { padding: 0.2rem 0.5rem; }
:host([compact]) progress { width: 4rem; }
:host([compact]) .row > span { white-space: nowrap; }
:host([compact]) [data-testid='backend'] { display: none; }
`;

/** Markup of the shadow root; ids are data-testids, the ones the demo page uses. */
const MARKUP = `
<div class="box" part="box">
  <div class="row" part="controls">
    <button data-testid="record" part="button record" type="button" disabled>● <span class="wide">Record</span></button>
    <button data-testid="stop" part="button stop" type="button" disabled>■ <span class="wide">Stop</span></button>
    <label class="file" part="button file">⇪ <span class="wide">Open .wav / .fxc</span>
      <input data-testid="file-input" type="file" accept=".wav,.fxc,audio/*" disabled />
    </label>
    <span class="muted wide" data-testid="elapsed"></span>
  </div>
  <label class="rate" part="rate">
    <span class="label">frame rate</span>
    <input data-testid="frame-rate" type="range" min="3" max="12.5" step="0.25" aria-label="Target frame rate in Hz" />
    <span><b data-testid="frame-rate-value">6.25</b> Hz</span>
  </label>
  <div class="row" part="stats">
    <span><span class="label">achieved </span><b data-testid="achieved-rate">–</b> Hz</span>
    <span><b data-testid="bitrate">–</b> bps</span>
    <span><b data-testid="bytes">–</b> bytes</span>
  </div>
  <div class="row" part="outputs">
    <button data-testid="play-original" part="button" type="button" disabled title="Play the original">▶ <span class="wide">Original</span></button>
    <button data-testid="play-decoded" part="button" type="button" disabled title="Play the decoded audio">▶ <span class="wide">Decoded</span></button>
    <button data-testid="download-fxc" part="button" type="button" disabled title="Download the .fxc file">⬇ .fxc</button>
    <button data-testid="download-wav" part="button" type="button" disabled title="Download the decoded audio">⬇ <span class="wide">decoded </span>.wav</button>
  </div>
  <div class="row muted" part="footer">
    <span class="label">backend</span><b data-testid="backend">…</b>
    <span class="status" data-testid="status" role="status" aria-live="polite">starting</span>
  </div>
  <progress data-testid="load-progress" part="progress" max="1" value="0"></progress>
</div>
`;

/** Every element the component drives, looked up once in its shadow root. */
export interface Parts {
  record: HTMLButtonElement;
  stop: HTMLButtonElement;
  fileInput: HTMLInputElement;
  elapsed: HTMLElement;
  frameRate: HTMLInputElement;
  frameRateValue: HTMLElement;
  achievedRate: HTMLElement;
  bitrate: HTMLElement;
  bytes: HTMLElement;
  playOriginal: HTMLButtonElement;
  playDecoded: HTMLButtonElement;
  downloadFxc: HTMLButtonElement;
  downloadWav: HTMLButtonElement;
  backend: HTMLElement;
  status: HTMLElement;
  progress: HTMLProgressElement;
}

/** Fills a shadow root with the element's markup and returns its parts; throws if one is missing. */
export function renderShadow(root: ShadowRoot): Parts {
  const style = document.createElement('style');
  style.textContent = STYLE;
  const template = document.createElement('template');
  template.innerHTML = MARKUP;
  root.replaceChildren(style, template.content);
  const get = <T extends HTMLElement>(id: string): T => {
    const el = root.querySelector<T>(`[data-testid="${id}"]`);
    if (!el) throw new Error(`flexi-codec template has no [data-testid="${id}"]`);
    return el;
  };
  return {
    record: get('record'),
    stop: get('stop'),
    fileInput: get('file-input'),
    elapsed: get('elapsed'),
    frameRate: get('frame-rate'),
    frameRateValue: get('frame-rate-value'),
    achievedRate: get('achieved-rate'),
    bitrate: get('bitrate'),
    bytes: get('bytes'),
    playOriginal: get('play-original'),
    playDecoded: get('play-decoded'),
    downloadFxc: get('download-fxc'),
    downloadWav: get('download-wav'),
    backend: get('backend'),
    status: get('status'),
    progress: get('load-progress'),
  };
}
