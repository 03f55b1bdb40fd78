/**
 * <flexi-codec>: records or opens speech, compresses it to a .fxc at the chosen frame rate, plays
 * and downloads both, in a shadow root. Every element on a page shares one codec worker per
 * models folder (shared-codec.ts). Attributes: frame-rate, models, compact, backend="wasm".
 */
import { writeWav } from '../core/wav';
import { download, sniffKind } from '../main/files';
import { play } from '../main/player';
import { MicError } from '../main/recorder';
import type { CodecResult, LoadInfo } from '../worker/protocol';
import { CODEC_RATE_HZ, readAudioBytes, to16k, type Audio } from './audio-input';
import { Capture16k } from './capture';
import type { EncodedDetail, ErrorDetail, FlexiCodecEventMap } from './events';
import { defaultModelsUrl, folderUrl } from './models-url';
import { sharedCodec, type SharedCodec } from './shared-codec';
import { renderShadow, type Parts } from './template';

/** Lowest and highest target frame rate, in Hz (the model's 12.5 Hz means no merging). */
export const MIN_FRAME_RATE_HZ = 3;
export const MAX_FRAME_RATE_HZ = 12.5;
/** Target frame rate when the element has no frame-rate attribute. */
export const DEFAULT_FRAME_RATE_HZ = 6.25;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The <flexi-codec> custom element. */
export class FlexiCodecElement extends HTMLElement {
  static readonly observedAttributes = ['frame-rate'];

  private readonly parts: Parts;
  private codec?: SharedCodec;
  private loaded?: LoadInfo;
  private readonly readyPromise: Promise<LoadInfo>;
  private resolveReady!: (info: LoadInfo) => void;
  private rejectReady!: (err: unknown) => void;
  /** The audio last coded: at its own rate for playback, and at 16 kHz for re-coding. */
  private input?: { original: Audio; audio16k: Float32Array };
  private result?: CodecResult;
  private recorder?: Capture16k;
  private busy = 0;
  private recoding = false;

  constructor() {
    super();
    this.parts = renderShadow(this.attachShadow({ mode: 'open' }));
    this.readyPromise = new Promise<LoadInfo>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // A load failure is reported by the status line and the error event; callers await it themselves.
    this.readyPromise.catch(() => undefined);
    this.wire();
  }

  /** Resolves when the models are loaded (with the backend that runs them); rejects if they cannot load. */
  get ready(): Promise<LoadInfo> {
    return this.readyPromise;
  }

  /** The target average frame rate in Hz, 3–12.5 (the frame-rate attribute). */
  get frameRate(): number {
    const value = Number.parseFloat(this.getAttribute('frame-rate') ?? '');
    if (!Number.isFinite(value)) return DEFAULT_FRAME_RATE_HZ;
    return Math.min(MAX_FRAME_RATE_HZ, Math.max(MIN_FRAME_RATE_HZ, value));
  }

  set frameRate(hz: number) {
    this.setAttribute('frame-rate', String(hz));
  }

  /**
   * Compresses audio to a .fxc and shows the result. A Float32Array is mono samples at
   * sampleRateHz (16 kHz unless stated); a Blob is a WAV or any audio file the browser decodes.
   */
  async encode(input: Float32Array | Blob, sampleRateHz = CODEC_RATE_HZ): Promise<Uint8Array> {
    return this.run('encoding', async () => {
      const original =
        input instanceof Blob
          ? await readAudioBytes(new Uint8Array(await input.arrayBuffer()))
          : { samples: input.slice(), sampleRateHz };
      const result = await this.codeAudio(original);
      return result.fxc.slice();
    });
  }

  /** Decodes a .fxc to 16 kHz mono samples and shows it; a damaged file rejects with a clear message. */
  async decode(fxc: Uint8Array): Promise<Float32Array> {
    return this.run('decoding', async () => {
      const codec = await this.started();
      const result = await codec.decode(fxc);
      this.input = undefined;
      this.show(result);
      return result.decoded.slice();
    });
  }

  override addEventListener<K extends keyof FlexiCodecEventMap>(
    type: K,
    listener: (this: FlexiCodecElement, ev: FlexiCodecEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }

  connectedCallback(): void {
    this.syncRate();
    void this.started().catch(() => undefined);
  }

  disconnectedCallback(): void {
    // A detached element must not keep the microphone open.
    this.recorder?.cancel();
    this.recorder = undefined;
    this.sync();
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (name !== 'frame-rate' || oldValue === newValue) return;
    this.syncRate();
    void this.recodeToSlider();
  }

  /** Joins (or starts) the shared codec for this element's models folder. */
  private started(): Promise<SharedCodec> {
    if (!this.codec) {
      const models = this.getAttribute('models');
      const forceWasm = this.getAttribute('backend') === 'wasm';
      this.setStatus('loading models');
      const codec = sharedCodec(models ? folderUrl(models) : defaultModelsUrl(), { forceWasm }, (p) => {
        this.parts.progress.value = p.totalBytes ? p.loadedBytes / p.totalBytes : 0;
        if (p.phase === 'download') {
          const percent = Math.floor((100 * p.loadedBytes) / Math.max(1, p.totalBytes));
          this.setStatus(`loading models ${percent}%`);
        } else {
          this.setStatus(p.phase === 'compile' ? 'starting the inference sessions' : 'warming up');
        }
      });
      this.codec = codec;
      codec.ready.then(
        (info) => {
          this.loaded = info;
          this.parts.progress.value = 1;
          this.parts.backend.textContent = info.backend;
          if (!this.busy) this.setStatus('ready');
          this.sync();
          this.resolveReady(info);
          this.dispatchEvent(new CustomEvent('ready', { detail: info, bubbles: true }));
        },
        (err: unknown) => {
          this.fail(`the codec could not load: ${messageOf(err)}`);
          this.rejectReady(err);
        },
      );
    }
    const codec = this.codec;
    return codec.ready.then(() => codec);
  }

  /** Runs a job with the element marked busy; a failure is shown, sent as `error`, and rethrown. */
  private async run<T>(statusText: string, job: () => Promise<T>): Promise<T> {
    this.busy++;
    this.sync();
    this.setStatus(statusText);
    try {
      const value = await job();
      this.setStatus('ready');
      return value;
    } catch (err) {
      this.fail(messageOf(err));
      throw err;
    } finally {
      this.busy--;
      this.sync();
    }
  }

  /** Codes audio at the current frame rate and shows it, then announces `encoded`. */
  private async codeAudio(original: Audio): Promise<CodecResult> {
    const codec = await this.started();
    const audio16k = to16k(original);
    if (audio16k.length === 0) throw new Error('no audio to encode');
    const result = await codec.encode(this, audio16k, this.frameRate);
    this.input = { original, audio16k };
    this.accept(result);
    return result;
  }

  /** Shows a fresh result, sends `encoded`, and catches up with a rate changed while it was coded. */
  private accept(result: CodecResult): void {
    this.show(result);
    this.announce(result);
    if (result.targetRateHz.toFixed(2) !== this.frameRate.toFixed(2)) void this.recodeToSlider();
  }

  private announce(result: CodecResult): void {
    const detail: EncodedDetail = {
      fxc: result.fxc.slice(),
      bytes: result.fxc.byteLength,
      bitrateBps: result.bitrateBps,
      achievedRateHz: result.achievedRateHz,
      targetRateHz: result.targetRateHz,
      durationS: result.decoded.length / result.sampleRateHz,
    };
    this.dispatchEvent(new CustomEvent('encoded', { detail, bubbles: true }));
  }

  /** Re-codes the shown audio at the attribute's rate; changes during a re-code coalesce. */
  private async recodeToSlider(): Promise<void> {
    if (!this.input || this.recoding || !this.loaded) return;
    this.recoding = true;
    try {
      for (;;) {
        const input = this.input;
        const rate = this.frameRate;
        if (!input) break;
        const result = await this.run('re-coding', () => this.codec!.recode(this, input.audio16k, rate));
        this.show(result);
        this.announce(result);
        if (this.frameRate === rate) break;
      }
    } catch {
      // run() has shown the error and sent the event.
    } finally {
      this.recoding = false;
    }
  }

  private async startRecording(): Promise<void> {
    try {
      this.recorder = await Capture16k.start((seconds) => {
        this.parts.elapsed.textContent = `${seconds.toFixed(1)} s`;
      });
    } catch (err) {
      this.fail(err instanceof MicError ? err.message : messageOf(err));
      this.sync();
      return;
    }
    this.setStatus('recording');
    this.sync();
  }

  private stopRecording(): void {
    const active = this.recorder;
    if (!active) return;
    this.recorder = undefined;
    void this.run('encoding', async () => {
      const { original, audio16k } = await active.stop();
      if (audio16k.length === 0) throw new Error('nothing was recorded');
      const codec = await this.started();
      const result = await codec.encode(this, audio16k, this.frameRate);
      this.input = { original, audio16k };
      this.accept(result);
    }).catch(() => undefined);
  }

  /** Opens a .fxc (decode) or an audio file (encode) picked or dropped on the element. */
  private async openFile(file: File): Promise<void> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (sniffKind(bytes) === 'fxc') await this.decode(bytes).catch(() => undefined);
    else await this.encode(file).catch(() => undefined);
  }

  private wire(): void {
    const p = this.parts;
    p.record.onclick = () => void this.startRecording();
    p.stop.onclick = () => this.stopRecording();
    p.frameRate.addEventListener('input', () => (this.frameRate = Number(p.frameRate.value)));
    p.fileInput.addEventListener('change', () => {
      const file = p.fileInput.files?.[0];
      p.fileInput.value = '';
      if (file) void this.openFile(file);
    });
    this.addEventListener('dragover', (e) => e.preventDefault());
    this.addEventListener('drop', (e) => {
      e.preventDefault();
      const file = (e as DragEvent).dataTransfer?.files[0];
      if (file && this.loaded && !this.recorder) void this.openFile(file);
    });
    p.playOriginal.onclick = () =>
      this.input && void play(this.input.original.samples, this.input.original.sampleRateHz);
    p.playDecoded.onclick = () => this.result && void play(this.result.decoded, this.result.sampleRateHz);
    p.downloadFxc.onclick = () =>
      this.result && download(this.result.fxc, `${this.baseName()}.fxc`, 'application/octet-stream');
    p.downloadWav.onclick = () =>
      this.result &&
      download(
        writeWav(this.result.decoded, this.result.sampleRateHz),
        `${this.baseName()}-decoded.wav`,
        'audio/wav',
      );
  }

  private baseName(): string {
    return `flexicodec-${(this.result?.targetRateHz ?? this.frameRate).toFixed(2)}hz`;
  }

  private show(result: CodecResult): void {
    this.result = result;
    const p = this.parts;
    p.achievedRate.textContent = result.achievedRateHz.toFixed(2);
    // The rate this result was coded for, so a reader can tell a fresh result from a stale one.
    p.achievedRate.dataset.targetHz = result.targetRateHz.toFixed(2);
    p.bitrate.textContent = Math.round(result.bitrateBps).toString();
    p.bytes.textContent = result.fxc.byteLength.toString();
    this.sync();
  }

  private syncRate(): void {
    const rate = this.frameRate;
    this.parts.frameRate.value = String(rate);
    this.parts.frameRateValue.textContent = rate.toFixed(2);
  }

  /** Enables exactly the controls that can act now. */
  private sync(): void {
    const p = this.parts;
    const idle = !!this.loaded && !this.busy;
    p.record.disabled = !idle || !!this.recorder;
    p.stop.disabled = !this.recorder;
    p.fileInput.disabled = !idle || !!this.recorder;
    p.playOriginal.disabled = !this.input;
    p.playDecoded.disabled = !this.result;
    p.downloadFxc.disabled = !this.result;
    p.downloadWav.disabled = !this.result;
  }

  private setStatus(text: string): void {
    this.parts.status.textContent = text;
    this.parts.status.classList.toggle('error', text.startsWith('error'));
  }

  /** Shows an error and sends the `error` event (not bubbling, as media elements' errors). */
  private fail(message: string): void {
    this.setStatus(`error: ${message}`);
    const detail: ErrorDetail = { message };
    this.dispatchEvent(new CustomEvent('error', { detail }));
  }
}
