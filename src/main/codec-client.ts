/**
 * The page's one handle on the codec worker (squoosh style): the worker starts on first use,
 * calls run one at a time in order, and audio crosses the boundary as transfers.
 */
import * as Comlink from 'comlink';
import type { CodecWorkerApi } from '../worker/codec.worker';
import type { VocoderLoadOptions } from '../vocoder/load';
import type {
  CodecResult,
  LoadInfo,
  LoadOptions,
  LoadProgress,
  ModelState,
  VocodeResult,
  VocoderInfo,
} from '../worker/protocol';

/** Owns one codec worker: lazy start, a serial queue, transfers in and out. */
export class CodecClient {
  private worker?: Worker;
  private api?: Comlink.Remote<CodecWorkerApi>;
  private queue: Promise<unknown> = Promise.resolve();

  /** Starts the worker on first use. */
  private remote(): Comlink.Remote<CodecWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../worker/codec.worker.ts', import.meta.url), {
        type: 'module',
        name: 'codec',
      });
      this.api = Comlink.wrap<CodecWorkerApi>(this.worker);
    }
    return this.api;
  }

  /** Runs job after every job queued before it, whether those failed or not. */
  private enqueue<T>(job: (api: Comlink.Remote<CodecWorkerApi>) => Promise<T>): Promise<T> {
    const run = this.queue.then(
      () => job(this.remote()),
      () => job(this.remote()),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Loads the models from modelsUrl (a folder URL) and reports download progress. */
  load(modelsUrl: string, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadInfo> {
    return this.enqueue((api) => api.load(modelsUrl, options, Comlink.proxy(onProgress)));
  }

  /** Encodes 16 kHz audio at the target rate. The array is transferred: it is empty afterwards. */
  encode(audio16k: Float32Array, targetRateHz: number): Promise<CodecResult> {
    return this.enqueue((api) => api.encode(Comlink.transfer(audio16k, [audio16k.buffer]), targetRateHz));
  }

  /** Re-codes the last encoded audio at a new rate from the worker's cached encoder features. */
  recode(targetRateHz: number): Promise<CodecResult> {
    return this.enqueue((api) => api.recode(targetRateHz));
  }

  /** Decodes a .fxc file. The bytes are transferred. */
  decode(fxc: Uint8Array): Promise<CodecResult> {
    return this.enqueue((api) => api.decode(Comlink.transfer(fxc, [fxc.buffer])));
  }

  /** Fetches and starts the decoders of earlier models that these model ids need (see the worker). */
  prepareModels(modelIds: string[]): Promise<ModelState[]> {
    return this.enqueue((api) => api.prepareModels(modelIds));
  }

  /** Fetches and starts the vocoder of modelsUrl's models.json in the worker (see the worker's `loadVocoder`). */
  loadVocoder(modelsUrl: string, options: VocoderLoadOptions = {}): Promise<VocoderInfo> {
    return this.enqueue((api) => api.loadVocoder(modelsUrl, options));
  }

  /** 16 kHz audio through the vocoder: analysis, then FARGAN. The array is transferred. */
  vocode(audio16k: Float32Array): Promise<VocodeResult> {
    return this.enqueue((api) => api.vocode(Comlink.transfer(audio16k, [audio16k.buffer])));
  }

  /** Stops the worker; the next call starts a fresh one (models load again). */
  terminate(): void {
    this.api?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.api = undefined;
    this.worker = undefined;
  }
}
