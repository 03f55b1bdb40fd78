/** Types that cross the comlink boundary between the page and the codec worker. */

/** Which onnxruntime-web execution provider runs the models. */
export type BackendName = 'webgpu' | 'wasm';

/** Model download progress, reported while the worker fetches public/models. */
export interface LoadProgress {
  /** download: fetching files; compile: creating ORT sessions; warmup: first run of each model. */
  phase: 'download' | 'compile' | 'warmup';
  /** The file being fetched, e.g. "encoder.onnx". */
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/** Options for loading the models. */
export interface LoadOptions {
  /** Skip WebGPU even where an adapter exists (the page's ?backend=wasm). */
  forceWasm?: boolean;
  /** ORT's WASM threads (the page's ?threads=N); default: wasm-threads.ts's count for this page. */
  wasmThreads?: number;
}

/** What the page learns once the models are loaded. */
export interface LoadInfo {
  backend: BackendName;
  /** Why WebGPU is not used, when backend is 'wasm'. */
  fallbackReason?: string;
  /**
   * Where asr.onnx runs, for a model set that has it (merging on ASR features, or an encoder that
   * reads them, models.json `semanticInput`): as `backend`, or 'wasm' beside
   * WebGPU on a software adapter such as SwiftShader (Whisper is far faster on WASM there).
   */
  asrBackend?: BackendName;
  /** Threads of onnxruntime-web's WASM backend (src/worker/wasm-threads.ts): asr.onnx's and WASM's. */
  wasmThreads: number;
  /**
   * Where the decoder predicts vocoder features: the vocoder build (WebAssembly with SIMD, or
   * scalar) that turns them into audio. Absent for a decoder that gives audio itself.
   */
  vocoderBuild?: 'simd' | 'scalar';
  modelId: string;
  sampleRateHz: number;
  frameSamples: number;
  frameRateHz: number;
  /** Bytes of the ONNX files (asr.onnx included where the model set has it). */
  modelBytes: number;
  loadMs: number;
  /** Of loadMs, creating the ORT sessions and the merger. */
  compileMs: number;
  /** Of loadMs, the warm-up run of all three models. */
  warmupMs: number;
}

/** One coded result: the .fxc bytes, the decoded audio and the figures shown on the page. */
export interface CodecResult {
  /** The .fxc file, every byte counted in bitrateBps. */
  fxc: Uint8Array;
  /** Decoded 16 kHz mono audio, as many samples as the input. */
  decoded: Float32Array;
  /** Frames per merged segment (12.5 Hz frames), for the waveform overlay. */
  segmentLengths: Uint32Array;
  /** 12.5 Hz frames before merging. */
  frames: number;
  /**
   * The τ used: NaN when decoding a file (a .fxc does not carry it), and where no threshold chose
   * the segments (fixed mode, a model whose models.json `layout` is `spread`).
   */
  tau: number;
  /** Requested average rate; for a decoded file, the rate written in its header. */
  targetRateHz: number;
  achievedRateHz: number;
  bitrateBps: number;
  sampleRateHz: number;
  /** Where the time went, in ms, for the page and the benchmark. */
  timingsMs: Record<string, number>;
  /** Encoder runs since the models loaded (warm-up included). */
  encoderRuns: number;
  /** Whether encoder features are cached, so recode() can run. */
  recodable: boolean;
  /** The model that coded (or decoded) it: the loaded one, or an archived one for an older file. */
  modelId: string;
}

/** Whether the notes of one model can play here. */
export interface ModelState {
  modelId: string;
  /** current: the loaded model; archived: an earlier model's decoder, fetched and ready; unavailable: neither. */
  state: 'current' | 'archived' | 'unavailable';
  /** Why it is unavailable, naming the model. */
  message?: string;
}

/** The vocoder the worker started (libopus FARGAN in WebAssembly, models.json `vocoder`). */
export interface VocoderInfo {
  /** Which WebAssembly build runs: with SIMD, or the scalar fallback. */
  build: 'simd' | 'scalar';
  /** Whether this engine validates WASM SIMD (the scalar build may still be asked for). */
  simdSupported: boolean;
  /** Bytes downloaded: the module, and the weights blob. */
  wasmBytes: number;
  weightsBytes: number;
  /** Fetch, sha256 check and start, ms. */
  loadMs: number;
}

/** Audio analysed and resynthesised by the vocoder in the worker. */
export interface VocodeResult {
  /** FARGAN's rendition, as many 16 kHz samples as the input (transferred). */
  audio: Float32Array;
  /** LPCNet features, row-major [frames, 20] (transferred). */
  features: Float32Array;
  frames: number;
  build: 'simd' | 'scalar';
  /** Time of the analysis and of the synthesis, ms, on the worker's one thread. */
  analysisMs: number;
  synthesisMs: number;
}
