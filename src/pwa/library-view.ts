/**
 * Draws the library: one <li data-testid="recording"> per recording, with data-state 'ready', or
 * 'pending' / 'compressing' / 'failed' while its raw audio still waits. Clicks are delegated to
 * data-action buttons; names are set as text, never as markup.
 */
import type { ModelState } from '../worker/protocol';
import type { PendingRecording, Recording } from './library-db';
import { formatBytes } from './storage';

/** What happens to a pending recording right now. */
export interface Job {
  state: 'pending' | 'compressing' | 'failed';
  message?: string;
}

/** Everything the list shows. */
export interface LibraryState {
  recordings: Recording[];
  pending: PendingRecording[];
  jobs: Map<string, Job>;
  renamingId?: string;
  /** A recording whose delete button was pressed once and now asks for confirmation. */
  armedDeleteId?: string;
  /** Whether each model's notes can play here: the current model, an archived one, or neither. */
  models?: Map<string, ModelState>;
}

/** The list's buttons. */
export type LibraryAction =
  'play' | 'export' | 'link' | 'rename' | 'delete' | 'retry' | 'save-raw' | 'discard';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { testId?: string; text?: string; className?: string } = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.testId) node.dataset.testid = props.testId;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  return node;
}

function button(action: LibraryAction, text: string, label: string): HTMLButtonElement {
  const b = el('button', { testId: `recording-${action}`, text });
  b.type = 'button';
  b.dataset.action = action;
  b.setAttribute('aria-label', label);
  return b;
}

function nameLine(id: string, name: string, createdAt: number, renaming: boolean): HTMLElement {
  const line = el('div', { className: 'title' });
  if (renaming) {
    const input = el('input', { testId: 'rename-input' });
    input.value = name;
    input.dataset.id = id;
    input.setAttribute('aria-label', 'New name');
    line.append(input);
  } else {
    line.append(el('span', { testId: 'recording-name', text: name, className: 'name' }));
  }
  const time = el('time', {
    testId: 'recording-date',
    text: dateFormat.format(createdAt),
    className: 'muted',
  });
  time.dateTime = new Date(createdAt).toISOString();
  line.append(' ', time);
  return line;
}

function recordingItem(r: Recording, state: LibraryState): HTMLLIElement {
  const li = el('li', { testId: 'recording', className: 'item' });
  li.dataset.id = r.id;
  li.dataset.state = 'ready';
  li.append(nameLine(r.id, r.name, r.createdAt, state.renamingId === r.id));
  const figures = el('div', { className: 'figures muted' });
  figures.append(
    el('span', { testId: 'recording-duration', text: r.durationS.toFixed(1) }),
    ' s · ',
    el('span', { testId: 'recording-bytes', text: String(r.bytes) }),
    ' bytes · ',
    el('span', { testId: 'recording-bitrate', text: String(Math.round(r.bitrateBps)) }),
    ' bps · ',
    el('span', { testId: 'recording-rate', text: r.achievedRateHz.toFixed(2) }),
    ` Hz (asked ${r.targetRateHz.toFixed(2)})`,
    r.source === 'imported' ? ' · imported' : r.source === 'link' ? ' · from a link' : '',
  );
  const model = state.models?.get(r.modelId);
  li.dataset.modelState = model?.state ?? 'checking';
  li.dataset.modelId = r.modelId;
  const modelLine =
    model?.state === 'archived'
      ? el('div', {
          testId: 'recording-model',
          className: 'figures muted',
          text: `made with the earlier model ${r.modelId}, whose decoder is kept on this device`,
        })
      : model?.state === 'unavailable'
        ? el('div', { testId: 'recording-model', className: 'figures model-missing', text: model.message })
        : undefined;
  const actions = el('div', { className: 'actions' });
  const armed = state.armedDeleteId === r.id;
  actions.append(
    button('play', '▶ Play', `Play ${r.name}`),
    button('export', '⇪ Export .fxc', `Export ${r.name}`),
    button('link', '↗ Link', `Share ${r.name} as a link`),
    button('rename', '✎ Rename', `Rename ${r.name}`),
    button('delete', armed ? 'Really delete?' : '🗑 Delete', `Delete ${r.name}`),
  );
  li.append(figures, ...(modelLine ? [modelLine] : []), actions);
  return li;
}

function pendingItem(p: PendingRecording, job: Job): HTMLLIElement {
  const li = el('li', { testId: 'recording', className: `item ${job.state}` });
  li.dataset.id = p.id;
  li.dataset.state = job.state;
  li.append(nameLine(p.id, p.name, p.createdAt, false));
  const seconds = (p.audio16k.length / p.sampleRateHz).toFixed(1);
  const text =
    job.state === 'compressing'
      ? `${seconds} s of audio, compressing…`
      : job.state === 'pending'
        ? `${seconds} s of audio, waiting to be compressed`
        : `${seconds} s of audio, not compressed: ${job.message ?? 'failed'} (tried ${p.attempts}×)`;
  li.append(el('div', { testId: 'recording-progress', text, className: 'figures muted' }));
  if (job.state === 'failed') {
    const actions = el('div', { className: 'actions' });
    actions.append(
      button('retry', '↻ Try again', `Compress ${p.name} again`),
      button('save-raw', '⬇ Raw .wav', `Save the raw audio of ${p.name}`),
      button('discard', '🗑 Discard', `Discard ${p.name}`),
    );
    li.append(actions);
  }
  return li;
}

/** Redraws the list; the pending entry wins when an id is in both stores (its .fxc is unchecked). */
export function renderLibrary(list: HTMLElement, empty: HTMLElement, state: LibraryState): void {
  const pendingIds = new Set(state.pending.map((p) => p.id));
  const items: { createdAt: number; node: HTMLLIElement }[] = [
    ...state.pending.map((p) => ({
      createdAt: p.createdAt,
      node: pendingItem(p, state.jobs.get(p.id) ?? { state: 'pending' }),
    })),
    ...state.recordings
      .filter((r) => !pendingIds.has(r.id))
      .map((r) => ({ createdAt: r.createdAt, node: recordingItem(r, state) })),
  ];
  items.sort((a, b) => b.createdAt - a.createdAt);
  list.replaceChildren(...items.map((i) => i.node));
  empty.hidden = items.length > 0;
  const input = list.querySelector<HTMLInputElement>('[data-testid="rename-input"]');
  input?.focus();
  input?.select();
}

/** Total .fxc bytes in the library, for the space line. */
export function libraryBytes(recordings: Recording[]): string {
  return formatBytes(recordings.reduce((n, r) => n + r.bytes, 0));
}
