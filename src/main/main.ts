/**
 * The page: loads the codec, records or opens audio, codes it, and re-codes on slider moves;
 * shares the result as a link to the offline app (#fxc=…) or a QR code, and opens such links.
 */
import { concatFloat32 } from '../core/concat';
import { parseFxcFragment } from '../core/fxc-link';
import { resample, StreamingResampler } from '../core/resample';
import { parseWav, writeWav } from '../core/wav';
import type { CodecResult } from '../worker/protocol';
import { CodecClient } from './codec-client';
import { ui } from './dom';
import { acceptFiles, download, sniffKind } from './files';
import { play } from './player';
import { MicError, MicRecorder } from './recorder';
import { LinkPanel } from '../ui/link-panel';
import { render, setNotice, setStandingNotice, setStatus, type Shown } from './view';
import { parseThreadsParam } from '../worker/wasm-threads';

/** The codec's input rate; models.json says the same and the worker checks it. */
const CODEC_RATE_HZ = 16000;

const client = new CodecClient();
/** The shown result as a link; the slider's re-codes update it. */
const links = new LinkPanel(ui.linkPanel, 'Move the slider to');
/** Links open the offline app, which can save the note to its library. */
const appUrl = () => new URL(`${import.meta.env.BASE_URL}app.html`, location.origin).href;
let shown: Shown = { frameRateHz: 12.5 };
let ready = false;
let busy = false;
let recorder: MicRecorder | undefined;

/** Whether the slider can re-code what is shown (encoder features are cached in the worker). */
const recodable = () => !!shown.result?.recodable;

function targetRateHz(): number {
  return Number(ui.frameRate.value);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a job with the page marked busy; on failure shows the error and keeps what was shown. */
async function runBusy(statusText: string, job: () => Promise<void>): Promise<void> {
  busy = true;
  syncButtons();
  setStatus(statusText);
  let ok = false;
  try {
    await job();
    ok = true;
    setStatus('ready');
  } catch (err) {
    const message = errorText(err);
    setStatus(`error: ${message}`);
    setNotice(message, 'error');
  } finally {
    busy = false;
    syncButtons();
  }
  // The slider moved while this job ran: bring the result up to date.
  if (ok && recodable() && shown.result?.targetRateHz !== targetRateHz()) void onSlider();
}

function syncButtons(): void {
  ui.record.disabled = !ready || busy || !!recorder;
  ui.stop.disabled = !recorder;
  ui.fileInput.disabled = !ready || !!recorder;
}

function showResult(result: CodecResult, input: Omit<Shown, 'result' | 'frameRateHz'>): void {
  shown = { ...input, result, frameRateHz: shown.frameRateHz };
  render(shown);
  links.show(result.fxc, appUrl());
}

/** Decodes a .fxc and shows it, as opening the file does. */
async function showFxc(bytes: Uint8Array, what: string): Promise<void> {
  setStatus('decoding');
  const result = await client.decode(bytes);
  ui.frameRate.value = String(result.targetRateHz);
  ui.frameRateValue.textContent = result.targetRateHz.toFixed(2);
  showResult(result, {});
  setNotice(`Decoded ${what}: it holds codes only, so the slider re-codes recordings and .wav files.`);
}

/** Opens the note of a #fxc= link; a cut or altered link says so and changes nothing. */
async function openLink(): Promise<void> {
  let note: ReturnType<typeof parseFxcFragment>;
  try {
    note = parseFxcFragment(location.hash);
  } catch (err) {
    setStatus(`error: ${errorText(err)}`);
    setNotice(errorText(err), 'error');
    return;
  }
  if (!note) return;
  const fxc = note.fxc;
  await runBusy('decoding the linked note', async () => {
    await showFxc(fxc, 'the note of this link');
    const r = shown.result;
    if (r) await play(r.decoded, r.sampleRateHz);
  });
}

/** Codes 16 kHz audio at the slider's rate; `original` is what the play button plays. */
async function codeAudio(audio16k: Float32Array, original: Shown['original']): Promise<void> {
  const samples = audio16k.length;
  const result = await client.encode(audio16k, targetRateHz());
  showResult(result, { original, original16kSamples: samples });
  performance.mark('flexi:decoded');
}

async function startRecording(): Promise<void> {
  setNotice(undefined);
  const pieces: Float32Array[] = [];
  let resampler: StreamingResampler | undefined;
  let capturedSamples = 0;
  try {
    recorder = await MicRecorder.start((chunk, rateHz) => {
      resampler ??= new StreamingResampler(rateHz, CODEC_RATE_HZ);
      pieces.push(resampler.push(chunk));
      capturedSamples += chunk.length;
      ui.elapsed.textContent = `${(capturedSamples / rateHz).toFixed(1)} s`;
    });
  } catch (err) {
    const message = err instanceof MicError ? err.message : errorText(err);
    setStatus(`error: ${message}`);
    setNotice(message, 'error');
    syncButtons();
    return;
  }
  setStatus('recording');
  syncButtons();
  ui.stop.onclick = async () => {
    performance.mark('flexi:stop');
    const active = recorder;
    if (!active) return;
    recorder = undefined;
    await runBusy('encoding', async () => {
      const all = await active.stop();
      if (resampler) pieces.push(resampler.flush());
      const audio16k = concatFloat32(pieces);
      if (audio16k.length === 0) throw new Error('nothing was recorded');
      await codeAudio(audio16k, { samples: all, sampleRateHz: active.sampleRateHz });
    });
  };
}

/** Opens a .wav (encode it) or a .fxc (decode it); a bad file leaves the page as it was. */
async function openFile(file: File): Promise<void> {
  if (busy || recorder) return;
  setNotice(undefined);
  await runBusy(`opening ${file.name}`, async () => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const kind = sniffKind(bytes);
    if (kind === 'wav') {
      const wav = parseWav(bytes);
      setStatus('encoding');
      await codeAudio(resample(wav.samples, wav.sampleRateHz, CODEC_RATE_HZ), {
        samples: wav.samples,
        sampleRateHz: wav.sampleRateHz,
      });
    } else if (kind === 'fxc') {
      await showFxc(bytes, 'a .fxc file');
    } else {
      throw new Error(`${file.name} is neither a WAV nor a .fxc file`);
    }
  });
}

/**
 * Re-codes at the slider's rate. Moves during a re-code coalesce into one more re-code; moves
 * during recording or encoding are picked up when that ends (see runBusy).
 */
async function onSlider(): Promise<void> {
  ui.frameRateValue.textContent = targetRateHz().toFixed(2);
  if (!recodable() || busy || recorder || shown.result?.targetRateHz === targetRateHz()) return;
  await runBusy('re-coding', async () => {
    for (;;) {
      const rate = targetRateHz();
      performance.mark('flexi:slider');
      const result = await client.recode(rate);
      showResult(result, shown);
      performance.mark('flexi:recoded');
      if (targetRateHz() === rate) break;
    }
  });
}

function baseName(): string {
  return `flexicodec-${(shown.result?.targetRateHz ?? targetRateHz()).toFixed(2)}hz`;
}

function wire(): void {
  ui.record.onclick = () => void startRecording();
  ui.frameRate.addEventListener('input', () => void onSlider());
  acceptFiles(ui.fileInput, ui.dropOverlay, (file) => void openFile(file));
  ui.playOriginal.onclick = () =>
    shown.original && void play(shown.original.samples, shown.original.sampleRateHz);
  ui.playDecoded.onclick = () => shown.result && void play(shown.result.decoded, shown.result.sampleRateHz);
  ui.downloadFxc.onclick = () =>
    shown.result && download(shown.result.fxc, `${baseName()}.fxc`, 'application/octet-stream');
  ui.downloadWav.onclick = () =>
    shown.result &&
    download(
      writeWav(shown.result.decoded, shown.result.sampleRateHz),
      `${baseName()}-decoded.wav`,
      'audio/wav',
    );
  window.addEventListener('resize', () => render(shown));
  window.addEventListener('hashchange', () => ready && !busy && void openLink());
}

async function boot(): Promise<void> {
  wire();
  render(shown);
  const params = new URLSearchParams(location.search);
  const forceWasm = params.get('backend') === 'wasm';
  setStatus('loading models');
  try {
    const wasmThreads = parseThreadsParam(params.get('threads'));
    const info = await client.load(
      new URL(`${import.meta.env.BASE_URL}models/`, location.href).href,
      { forceWasm, wasmThreads },
      (p) => {
        ui.progress.value = p.totalBytes ? p.loadedBytes / p.totalBytes : 0;
        if (p.phase === 'download') {
          setStatus(`loading models ${Math.floor((100 * p.loadedBytes) / Math.max(1, p.totalBytes))}%`);
        } else {
          setStatus(
            p.phase === 'compile'
              ? 'starting the inference sessions'
              : 'warming up (first run compiles GPU shaders)',
          );
        }
      },
    );
    ui.progress.value = 1;
    console.info(
      `codec on ${info.backend}: load ${Math.round(info.loadMs)} ms (sessions ${Math.round(info.compileMs)} ms, warm-up ${Math.round(info.warmupMs)} ms), ${info.wasmThreads} WASM threads`,
    );
    ui.backend.textContent = info.backend;
    shown = { ...shown, frameRateHz: info.frameRateHz };
    if (info.backend === 'wasm') {
      setStandingNotice(
        `WebGPU is not available (${info.fallbackReason ?? 'unknown reason'}): running on WASM (CPU, ${info.wasmThreads} ${info.wasmThreads === 1 ? 'thread' : 'threads'}).`,
      );
    }
    ready = true;
    setStatus('ready');
  } catch (err) {
    setStatus(`error: ${errorText(err)}`);
    setNotice(`The codec could not load: ${errorText(err)}`, 'error');
  }
  syncButtons();
  if (ready) await openLink();
}

void boot();
