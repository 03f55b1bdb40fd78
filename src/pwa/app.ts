/**
 * The offline voice-notes app (app.html): records, compresses into the IndexedDB library through
 * the crash-safe pipeline (compress.ts), plays, renames, exports, deletes and imports .fxc files,
 * shares a note as a link (#fxc=…) or QR code and opens such links. Notes of earlier models play
 * through their archived decoders (archived-models.ts). The codec is the same shared worker the
 * <flexi-codec> element uses.
 */
import { readHeader } from '../core/bitstream';
import { parseFxcFragment, type LinkedNote } from '../core/fxc-link';
import { writeWav } from '../core/wav';
import { CODEC_RATE_HZ, readAudioBytes, to16k } from '../component/audio-input';
import { Capture16k } from '../component/capture';
import { defaultModelsUrl } from '../component/models-url';
import { sharedCodec, type SharedCodec } from '../component/shared-codec';
import { download, sniffKind } from '../main/files';
import { play } from '../main/player';
import { MicError } from '../main/recorder';
import { LinkPanel } from '../ui/link-panel';
import type { BackendName, CodecResult, LoadInfo } from '../worker/protocol';
import { setNotice, ui } from './app-dom';
import { keepArchivedModels } from './archived-models';
import { compressPending, MAX_AUTO_ATTEMPTS, resumePending } from './compress';
import { DraftWriter, recoverDrafts } from './drafts';
import {
  deletePending,
  deleteRecording,
  getRecording,
  listPending,
  listRecordings,
  openLibrary,
  putRecording,
  renameRecording,
  savePending,
  type LibraryDb,
  type PendingRecording,
} from './library-db';
import { libraryBytes, renderLibrary, type LibraryAction, type LibraryState } from './library-view';
import { keepOrtBuilds } from './ort-builds';
import { acceptLaunchedFiles, fileNameFor, shareOrDownload } from './share';
import { formatBytes, requestPersistence, spaceUsed } from './storage';
import { registerServiceWorker, type OfflineState, type WorkerOutcome } from './sw-register';

let db: LibraryDb;
let codec: SharedCodec | undefined;
let capture: Capture16k | undefined;
/** Saves the recording in progress as it is captured. */
let draft: DraftWriter | undefined;
/** Jobs (compressions, imports, playback decodes) queued or running. */
let busy = 0;
const library: LibraryState = { recordings: [], pending: [], jobs: new Map() };
/** Compressions run one after another, in the order they were asked for. */
let compressions: Promise<void> = Promise.resolve();

const nameFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The link panel of one library note. */
const links = new LinkPanel(ui.linkPanel, 'Record at');
/** The note a link opened (#fxc=…), once checked, and its decoded audio once decoded. */
let linked: { note: LinkedNote; result?: CodecResult } | undefined;
/** A link opened before the codec loaded (#fxc=… at start, or a fragment changed while loading). */
let linkAtBoot: LinkedNote | undefined;

/** The app's own address, which links point to: no query, no fragment. */
function appUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}app.html`, location.origin).href;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The last failure, shown in the status line until the next action starts. */
let lastError: string | undefined;

/** The status line: exactly 'ready' when idle, as on the demo page. */
function syncStatus(): void {
  if (!codec) return;
  if (capture) ui.status.textContent = 'recording';
  else if (busy) ui.status.textContent = 'working';
  else ui.status.textContent = lastError ? `error: ${lastError}` : 'ready';
}

/** Clears the last failure when the person starts something new. */
function freshAction(): void {
  lastError = undefined;
  setNotice(undefined);
}

function syncButtons(): void {
  const loaded = !!codec;
  ui.record.disabled = !loaded || !!capture;
  ui.stop.disabled = !capture;
  ui.fileInput.disabled = !loaded;
}

function fail(err: unknown): void {
  lastError = messageOf(err);
  ui.status.textContent = `error: ${lastError}`;
  setNotice(lastError, 'error');
}

/** Runs a job counted as busy; a failure is shown and swallowed. */
async function job(work: () => Promise<void>): Promise<void> {
  busy++;
  syncStatus();
  try {
    await work();
  } catch (err) {
    fail(err);
  } finally {
    busy--;
    syncStatus();
  }
}

/** Re-reads both stores and redraws the list and the space line. */
async function refresh(): Promise<void> {
  [library.recordings, library.pending] = await Promise.all([listRecordings(db), listPending(db)]);
  renderLibrary(ui.library, ui.libraryEmpty, library);
  void showSpace();
  if (library.recordings.some((r) => !library.models?.has(r.modelId))) void checkModels();
}

/**
 * Makes sure every note's model can decode here: earlier models' decoders are fetched while
 * online (the service worker then keeps them for offline use); a note whose model cannot be had
 * says which one it needs.
 */
async function checkModels(): Promise<void> {
  const shared = codec;
  if (!shared) return;
  const states = await keepArchivedModels(
    shared,
    library.recordings.map((r) => r.modelId),
  );
  library.models = new Map(states.map((s) => [s.modelId, s]));
  renderLibrary(ui.library, ui.libraryEmpty, library);
}

async function showSpace(): Promise<void> {
  const space = await spaceUsed();
  const parts = [`library ${libraryBytes(library.recordings)}`];
  if (space?.cacheBytes !== undefined) parts.push(`app and models ${formatBytes(space.cacheBytes)}`);
  if (space) parts.push(`${formatBytes(space.totalBytes)} used in all`);
  ui.storage.textContent = `storage: ${parts.join(', ')}`;
}

/** Queues the compression of saved raw audio; `resume` when an earlier page left it. */
function compress(pending: PendingRecording, resume: boolean): void {
  const shared = codec;
  if (!shared) return;
  library.jobs.set(pending.id, { state: 'pending' });
  busy++;
  syncStatus();
  compressions = compressions.then(async () => {
    const onCompressing = () => {
      library.jobs.set(pending.id, { state: 'compressing' });
      renderLibrary(ui.library, ui.libraryEmpty, library);
    };
    try {
      await (resume ? resumePending : compressPending)(db, shared, pending, onCompressing);
      library.jobs.delete(pending.id);
    } catch (err) {
      library.jobs.set(pending.id, { state: 'failed', message: messageOf(err) });
      fail(`“${pending.name}” was not compressed: ${messageOf(err)}. Its audio is kept.`);
    }
    busy--;
    await refresh();
    syncStatus();
  });
}

async function startRecording(): Promise<void> {
  freshAction();
  const createdAt = Date.now();
  const writer = new DraftWriter(db, {
    id: crypto.randomUUID(),
    name: `Voice note, ${nameFormat.format(createdAt)}`,
    createdAt,
    targetRateHz: Number(ui.frameRate.value),
  });
  try {
    capture = await Capture16k.start(
      (s) => (ui.elapsed.textContent = `${s.toFixed(1)} s`),
      (samples) => writer.push(samples),
    );
    draft = writer;
  } catch (err) {
    void writer.discard();
    fail(err instanceof MicError ? err.message : err);
    return;
  } finally {
    syncButtons();
  }
  syncStatus();
}

async function stopRecording(): Promise<void> {
  const active = capture;
  const writer = draft;
  if (!active || !writer) return;
  capture = undefined;
  draft = undefined;
  syncButtons();
  await job(async () => {
    const { audio16k } = await active.stop();
    if (audio16k.length === 0) {
      await writer.discard();
      throw new Error('nothing was recorded');
    }
    const { id, name, createdAt, targetRateHz } = writer.meta;
    await saveAndCompress(audio16k, name, { id, createdAt, targetRateHz, save: (p) => writer.finish(p) });
  });
}

/**
 * Saves raw 16 kHz audio first (a recording's through its draft, in the transaction that drops
 * the draft), then queues its compression.
 */
async function saveAndCompress(
  audio16k: Float32Array,
  name: string,
  from: {
    id?: string;
    createdAt?: number;
    targetRateHz?: number;
    save?: (p: PendingRecording) => Promise<void>;
  } = {},
): Promise<void> {
  const pending: PendingRecording = {
    id: from.id ?? crypto.randomUUID(),
    name,
    createdAt: from.createdAt ?? Date.now(),
    targetRateHz: from.targetRateHz ?? Number(ui.frameRate.value),
    audio16k,
    sampleRateHz: CODEC_RATE_HZ,
    attempts: 0,
  };
  await (from.save ?? ((p: PendingRecording) => savePending(db, p)))(pending);
  library.jobs.set(pending.id, { state: 'pending' });
  await refresh();
  compress(pending, false);
}

/** Imports a .fxc (checked by decoding, stored, then played) or an audio file (compressed). */
async function importFile(file: File): Promise<void> {
  freshAction();
  await job(async () => {
    const shared = codec;
    if (!shared) throw new Error('the codec is not loaded yet');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const baseName = file.name.replace(/\.[^.]*$/, '') || 'Imported';
    if (sniffKind(bytes) !== 'fxc') {
      await saveAndCompress(to16k(await readAudioBytes(bytes)), baseName);
      return;
    }
    const header = readHeader(bytes);
    const decoded = await shared.decode(bytes);
    const id = crypto.randomUUID();
    await putRecording(db, {
      id,
      name: baseName,
      createdAt: Date.now(),
      durationS: header.sampleCount / header.sampleRateHz,
      bytes: bytes.byteLength,
      bitrateBps: decoded.bitrateBps,
      targetRateHz: header.targetRateHz,
      achievedRateHz: decoded.achievedRateHz,
      modelId: header.modelId,
      source: 'imported',
      fxc: bytes,
    });
    await refresh();
    // Opening a shared file plays it.
    showPlaying(id, baseName, decoded.decoded, decoded.sampleRateHz);
    await play(decoded.decoded, decoded.sampleRateHz);
  });
}

function showPlaying(id: string, name: string, samples: Float32Array, sampleRateHz: number): void {
  ui.nowPlaying.hidden = false;
  ui.nowPlaying.textContent = `▶ ${name} (${(samples.length / sampleRateHz).toFixed(1)} s)`;
  ui.nowPlaying.dataset.id = id;
  ui.nowPlaying.dataset.samples = String(samples.length);
}

async function onAction(action: LibraryAction, id: string): Promise<void> {
  freshAction();
  if (action !== 'delete') library.armedDeleteId = undefined;
  const shared = codec;
  switch (action) {
    case 'play':
      return job(async () => {
        const recording = await getRecording(db, id);
        if (!recording || !shared) return;
        const result = await shared.decode(recording.fxc);
        showPlaying(id, recording.name, result.decoded, result.sampleRateHz);
        await play(result.decoded, result.sampleRateHz);
      });
    case 'export':
      return job(async () => {
        const recording = await getRecording(db, id);
        if (recording) await shareOrDownload(recording.fxc, fileNameFor(recording.name, '.fxc'));
      });
    case 'link': {
      const recording = await getRecording(db, id);
      if (!recording) return;
      ui.linkName.textContent = recording.name;
      links.show(recording.fxc, appUrl());
      ui.linkPanel.scrollIntoView({ block: 'nearest' });
      return;
    }
    case 'rename':
      library.renamingId = id;
      break;
    case 'delete':
      if (library.armedDeleteId !== id) {
        library.armedDeleteId = id;
        break;
      }
      library.armedDeleteId = undefined;
      await deleteRecording(db, id);
      links.hide();
      break;
    case 'retry': {
      const pending = library.pending.find((p) => p.id === id);
      if (pending) compress(pending, true);
      break;
    }
    case 'save-raw': {
      const pending = library.pending.find((p) => p.id === id);
      if (pending)
        download(
          writeWav(pending.audio16k, pending.sampleRateHz),
          fileNameFor(pending.name, '.wav'),
          'audio/wav',
        );
      return;
    }
    case 'discard':
      await deletePending(db, id);
      library.jobs.delete(id);
      break;
  }
  await refresh();
}

async function finishRename(input: HTMLInputElement, save: boolean): Promise<void> {
  const id = input.dataset.id;
  if (!id || library.renamingId !== id) return;
  library.renamingId = undefined;
  const name = input.value.trim();
  if (save && name) await renameRecording(db, id, name);
  await refresh();
}

/** Whether two byte strings are equal (a note saved twice). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Reads the note in the address's fragment (#fxc=…). A cut or altered link is refused with a
 * message, and nothing else happens: the library is not touched.
 */
function readLink(): LinkedNote | null {
  try {
    return parseFxcFragment(location.hash);
  } catch (err) {
    freshAction();
    fail(err);
    ui.sharedNote.hidden = true;
    return null;
  }
}

/** Shows, decodes and plays the note a link carries, and offers to save it. */
async function openLink(note: LinkedNote): Promise<void> {
  linked = { note };
  const { header } = note;
  const seconds = (header.sampleCount / header.sampleRateHz).toFixed(1);
  ui.sharedNote.hidden = false;
  ui.sharedPlay.disabled = true;
  ui.sharedSave.disabled = true;
  ui.sharedFigures.textContent = `${seconds} s · ${note.fxc.length} bytes · model ${header.modelId} · decoding…`;
  await job(async () => {
    const shared = codec;
    if (!shared) throw new Error('the codec is not loaded yet');
    const result = await shared.decode(note.fxc);
    if (linked?.note !== note) return;
    linked.result = result;
    const saved = library.recordings.find((r) => sameBytes(r.fxc, note.fxc));
    ui.sharedFigures.textContent =
      `${seconds} s · ${note.fxc.length} bytes · ${Math.round(result.bitrateBps)} bps · ` +
      `${result.achievedRateHz.toFixed(2)} Hz · model ${header.modelId}` +
      (saved ? ` · in your library as “${saved.name}”` : '');
    ui.sharedPlay.disabled = false;
    ui.sharedSave.disabled = !!saved;
    showPlaying('link', 'Voice note from a link', result.decoded, result.sampleRateHz);
    await play(result.decoded, result.sampleRateHz);
  });
}

/** Saves the linked note to the library and drops it from the address. */
async function saveLinked(): Promise<void> {
  const note = linked?.note;
  const result = linked?.result;
  if (!note || !result) return;
  freshAction();
  await job(async () => {
    const id = crypto.randomUUID();
    const name = `Voice note from a link, ${nameFormat.format(Date.now())}`;
    await putRecording(db, {
      id,
      name,
      createdAt: Date.now(),
      durationS: note.header.sampleCount / note.header.sampleRateHz,
      bytes: note.fxc.byteLength,
      bitrateBps: result.bitrateBps,
      targetRateHz: note.header.targetRateHz,
      achievedRateHz: result.achievedRateHz,
      modelId: note.header.modelId,
      source: 'link',
      fxc: note.fxc,
    });
    linked = undefined;
    // Saved: a reload should not offer it again.
    history.replaceState(null, '', location.pathname + location.search);
    ui.sharedNote.hidden = true;
    await refresh();
    setNotice(`Saved “${name}” to the library.`);
  });
}

function wire(): void {
  ui.record.onclick = () => void startRecording();
  ui.stop.onclick = () => void stopRecording();
  ui.frameRate.addEventListener('input', () => {
    ui.frameRateValue.textContent = Number(ui.frameRate.value).toFixed(2);
  });
  ui.fileInput.addEventListener('change', () => {
    const file = ui.fileInput.files?.[0];
    ui.fileInput.value = '';
    if (file) void importFile(file);
  });
  ui.library.addEventListener('click', (e) => {
    const target = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    const id = target?.closest<HTMLElement>('[data-id]')?.dataset.id;
    if (target && id) void onAction(target.dataset.action as LibraryAction, id).catch(fail);
  });
  ui.sharedPlay.onclick = () =>
    linked?.result && void play(linked.result.decoded, linked.result.sampleRateHz);
  ui.sharedSave.onclick = () => void saveLinked();
  ui.linkClose.onclick = () => links.hide();
  window.addEventListener('hashchange', () => {
    const note = readLink();
    // Before the codec has loaded, boot() opens it once it has.
    if (note && codec) void openLink(note);
    else if (note) linkAtBoot = note;
  });
  ui.library.addEventListener('keydown', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.dataset.testid !== 'rename-input') return;
    if (e.key === 'Enter') void finishRename(input, true);
    if (e.key === 'Escape') void finishRename(input, false);
  });
  ui.library.addEventListener('focusout', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.dataset.testid === 'rename-input') void finishRename(input, true);
  });
  const showNetwork = () => (ui.network.textContent = navigator.onLine ? 'online' : 'offline');
  window.addEventListener('online', () => {
    showNetwork();
    // A fallback build that could not be stored offline can be now.
    if (ui.offlineReady.dataset.state === 'failed') retryOffline?.();
    // Decoders that could not be fetched offline can be now.
    if ([...(library.models?.values() ?? [])].some((m) => m.state === 'unavailable')) void checkModels();
  });
  window.addEventListener('offline', showNetwork);
  showNetwork();
}

const offlineText: Record<OfflineState, string> = {
  unsupported: 'unavailable',
  installing: 'saving the app for offline use…',
  checking: 'checking…',
  ready: 'ready',
  failed: 'failed',
};

function showOffline(state: OfflineState, detail?: string): void {
  ui.offlineReady.textContent = offlineText[state];
  ui.offlineReady.dataset.state = state;
  ui.offlineReady.title = detail ?? '';
}

/** Runs the offline check again (when the network comes back after it failed). */
let retryOffline: (() => void) | undefined;

/**
 * Says "ready" only once everything this device runs offline is stored: the precache (app, models,
 * vocoder; the worker is active only once it holds every file) and the onnxruntime-web build of
 * the backend the codec runs on, with the build it falls back to (ort-builds.ts).
 */
async function confirmOffline(worker: Promise<WorkerOutcome>, backend: BackendName): Promise<void> {
  const outcome = await worker;
  if (!outcome.active) {
    showOffline(outcome.state, outcome.reason);
    return;
  }
  try {
    await keepOrtBuilds(backend);
    showOffline('ready');
  } catch (err) {
    showOffline('failed', messageOf(err));
    retryOffline = () => void confirmOffline(worker, backend);
  }
  void showSpace();
}

async function loadCodec(): Promise<LoadInfo> {
  const forceWasm = new URLSearchParams(location.search).get('backend') === 'wasm';
  ui.status.textContent = 'loading models';
  const shared = sharedCodec(defaultModelsUrl(), { forceWasm }, (p) => {
    ui.progress.value = p.totalBytes ? p.loadedBytes / p.totalBytes : 0;
    ui.status.textContent =
      p.phase === 'download'
        ? `loading models ${Math.floor((100 * p.loadedBytes) / Math.max(1, p.totalBytes))}%`
        : p.phase === 'compile'
          ? 'starting the inference sessions'
          : 'warming up';
  });
  const info = await shared.ready;
  ui.progress.value = 1;
  ui.backend.textContent = info.backend;
  ui.modelId.textContent = info.modelId;
  console.info(`codec on ${info.backend}: ready in ${Math.round(info.loadMs)} ms`);
  codec = shared;
  return info;
}

async function boot(): Promise<void> {
  wire();
  const firstVisit = !navigator.serviceWorker?.controller;
  showOffline(firstVisit ? 'installing' : 'checking');
  const worker = registerServiceWorker();
  // A link's note is checked before anything loads, so a broken link says so at once.
  linkAtBoot = readLink() ?? undefined;
  db = await openLibrary();
  // A recording cut off by a crash or a closed tab becomes pending, and is compressed below.
  const recovered = await recoverDrafts(db, CODEC_RATE_HZ);
  await refresh();
  void requestPersistence().then((granted) => {
    ui.persisted.textContent = granted
      ? 'persistent storage: granted'
      : 'persistent storage: not granted (the browser may clear the library when space runs low)';
    ui.persisted.dataset.granted = String(granted);
  });
  acceptLaunchedFiles((file) => void importFile(file));
  let info: LoadInfo;
  try {
    // On a first visit the codec waits until the service worker has stored the app: its files
    // (the models, the ORT build it runs) then come once, through the worker, which keeps them.
    if (firstVisit) {
      ui.status.textContent = 'saving the app for offline use';
      ui.progress.removeAttribute('value');
      await worker;
    }
    info = await loadCodec();
  } catch (err) {
    fail(`The codec could not load: ${messageOf(err)}`);
    showOffline('failed', 'the codec could not load, so what it runs is not known');
    return;
  } finally {
    syncButtons();
  }
  syncStatus();
  void confirmOffline(worker, info.backend);
  void checkModels();
  if (linkAtBoot) void openLink(linkAtBoot);
  // Whatever an earlier page left half-done: resume it, unless it keeps failing.
  const left = library.pending;
  for (const pending of left) {
    if (pending.attempts >= MAX_AUTO_ATTEMPTS) {
      library.jobs.set(pending.id, {
        state: 'failed',
        message: `stopped after ${pending.attempts} attempts`,
      });
    } else {
      compress(pending, true);
    }
  }
  if (left.length) {
    const cut = recovered.length ? ` (${recovered.length} cut off while recording)` : '';
    setNotice(
      `Resuming ${left.length} recording${left.length > 1 ? 's' : ''} left unfinished last time${cut}.`,
    );
    renderLibrary(ui.library, ui.libraryEmpty, library);
  }
}

void boot();
