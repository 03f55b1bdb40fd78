/**
 * The codec pipeline on injected parts, shared by the browser worker and Node:
 * audio → encoder windows → τ search → merge → quantizer → .fxc, and .fxc → decoder windows → audio.
 */
import {
  FxcWriter,
  fileBitrateBps,
  layoutFromManifest,
  parseFxc,
  readHeader,
  type FxcFile,
  type FxcHeader,
  type FxcLayout,
} from './bitstream.ts';
import {
  DEFAULT_ENCODE_PLAN,
  defaultDecodePlan,
  encoderWindows,
  windowBounds,
  type ChunkPlan,
  type DecodePlan,
  type FeatureWindow,
} from './chunking.ts';
import { codeGroupsAtRate, keepCodeGroups, widenCodes } from './code-groups.ts';
import { DcBlocker } from './dc-blocker.ts';
import { decodeWindows } from './decode-windows.ts';
import { frameLevels } from './pitch-code.ts';
import { layoutLengthPenalty, quantizerPoolsFrames, segmentLayout, type ModelConstants } from './manifest.ts';
import { spreadCells, spreadLengths, spreadSegmentCount } from './spread-layout.ts';
import { fixedRateLengths, searchTau, segmentRateHz } from './tau.ts';
import { mergeWithLengths } from './twin-merger.ts';
import type { EncodedFeatures, InferenceBackend, MergeResult, Merger } from './types.ts';

/** What encoding needs besides the audio. */
export interface EncodeOptions {
  /** Target average frame rate in Hz, from 12.5 / maxSegmentFrames (1.5625) to 12.5. */
  frameRateHz: number;
  /** Constant-length segments instead of the model's layout (the paper's ablation). */
  fixed?: boolean;
  /** Encoder windows; the default keeps 30 s per model call. */
  plan?: ChunkPlan;
  /** Called after each window with the samples coded so far. */
  onProgress?: (doneSamples: number, totalSamples: number) => void;
}

/** An encoded file and what it cost. */
export interface EncodeResult {
  fxc: Uint8Array;
  /** 12.5 · K / T over the whole file. */
  achievedRateHz: number;
  /**
   * τ of each encoder window; windows are 30 s by default. NaN where no threshold chose the
   * segments: in fixed mode, and for a model whose models.json `layout` is `spread`.
   */
  taus: number[];
  /** τ of the first window: the only one for audio up to 30 s (NaN as in `taus`). */
  tau: number;
  /** Segment count K. */
  segments: number;
  /** Frames at 12.5 Hz, T. */
  frames: number;
  /** Frames per segment, K values. */
  lengths: Uint32Array;
  /** Whole-file bits (header, lengths, codes, padding, CRC) per second of audio. */
  bitrateBps: number;
  sampleCount: number;
}

/** The segments and codes of one window at one rate. */
interface CodedWindow {
  tau: number;
  lengths: Uint32Array;
  codes: Int32Array;
  /** Pitch level of each of the window's frames, for a model with pitch (the same at every rate). */
  pitch?: Uint8Array;
}

/** A codec bound to one model: its manifest, an inference backend and a merger. */
export class Codec {
  /** The .fxc layout (header fields, tables) this model writes; not the segment layout. */
  readonly layout: FxcLayout;
  /** Spread-layout costs of each window's features, computed once: they do not depend on the rate. */
  private readonly spreadCostCache = new WeakMap<EncodedFeatures, Promise<Float64Array | Float32Array>>();
  /** The threshold merge's adjacent-frame similarities of each window's features, likewise. */
  private readonly similarityCache = new WeakMap<EncodedFeatures, Promise<Float32Array>>();

  constructor(
    readonly manifest: ModelConstants,
    readonly backend: InferenceBackend,
    readonly merger: Merger,
  ) {
    this.layout = layoutFromManifest(manifest);
  }

  /** Lowest frame rate a target may ask for: every segment at its longest. */
  get minRateHz(): number {
    return this.manifest.frameRateHz / this.manifest.maxSegmentFrames;
  }

  /** Encodes 16 kHz mono audio held in memory. */
  encode(audio16k: Float32Array, options: EncodeOptions): Promise<EncodeResult> {
    return this.encodeStream([audio16k], audio16k.length, options);
  }

  /** Encodes a stream of 16 kHz mono chunks holding `sampleCount` samples, one window in memory at a time. */
  async encodeStream(
    chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
    sampleCount: number,
    options: EncodeOptions,
  ): Promise<EncodeResult> {
    this.checkEncode(sampleCount, options.frameRateHz);
    const plan = options.plan ?? DEFAULT_ENCODE_PLAN;
    if (!options.fixed) this.checkSpreadWindows(sampleCount, options.frameRateHz, plan);
    const writer = this.writer(sampleCount, options.frameRateHz);
    const taus: number[] = [];
    const allLengths: Uint32Array[] = [];
    const windows = encoderWindows(
      conditionInput(chunks, this.manifest.sampleRateHz),
      sampleCount,
      this.manifest.frameSamples,
      this.manifest,
      this.backend,
      plan,
    );
    for await (const window of windows) {
      const coded = await this.codeWindow(window, options.frameRateHz, options.fixed ?? false);
      writer.push(coded.lengths, coded.codes, coded.pitch);
      taus.push(coded.tau);
      allLengths.push(coded.lengths);
      const done = (window.firstFrame + window.features.frames) * this.manifest.frameSamples;
      options.onProgress?.(Math.min(done, sampleCount), sampleCount);
    }
    return this.result(writer.finish(), taus, allLengths, sampleCount);
  }

  /**
   * Runs the encoder once and keeps its features, so the same audio can be re-coded at any
   * rate without the encoder (the browser's rate slider).
   */
  async analyze(audio16k: Float32Array, plan: ChunkPlan = DEFAULT_ENCODE_PLAN): Promise<EncodedSession> {
    this.checkEncode(audio16k.length, this.manifest.frameRateHz);
    const windows: FeatureWindow[] = [];
    const stream = encoderWindows(
      conditionInput([audio16k], this.manifest.sampleRateHz),
      audio16k.length,
      this.manifest.frameSamples,
      this.manifest,
      this.backend,
      plan,
    );
    for await (const w of stream) windows.push(w);
    return new EncodedSession(this, windows, audio16k.length);
  }

  /** Reads and checks a file's header (magic, version, CRC, field ranges); needs no model. */
  readHeader(fxc: Uint8Array): FxcHeader {
    return readHeader(fxc);
  }

  /** Parses and validates a whole file against this model; throws FxcFormatError. */
  parse(fxc: Uint8Array): FxcFile {
    return parseFxc(fxc, this.layout);
  }

  /** Decodes a file to 16 kHz mono audio of the file's sampleCount samples. */
  async decode(
    fxc: Uint8Array | FxcFile,
    plan: DecodePlan = defaultDecodePlan(this.manifest),
  ): Promise<Float32Array> {
    const file = fxc instanceof Uint8Array ? this.parse(fxc) : fxc;
    const out = new Float32Array(file.header.sampleCount);
    let at = 0;
    for await (const piece of this.decodeStream(file, plan)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /**
   * Decodes window by window, yielding audio pieces in order (parse errors throw before any model
   * call). The decoder gets all the model's code groups: those a file carries fewer of are -1.
   */
  decodeStream(
    fxc: Uint8Array | FxcFile,
    plan: DecodePlan = defaultDecodePlan(this.manifest),
  ): AsyncGenerator<Float32Array> {
    const file = fxc instanceof Uint8Array ? this.parse(fxc) : fxc;
    const codes = widenCodes(file.codes, file.header.codeGroups, this.manifest.codeGroups);
    return decodeWindows(
      { ...file, codes },
      this.manifest.frameSamples,
      this.backend,
      plan,
      this.manifest.vocoder,
    );
  }

  /**
   * @internal Segments and codes of one encoder window at a target rate: codes [K, g], the first g
   * of the quantizer's groups, g = codeGroupsAtRate (the same for every window of a file). The
   * segments: constant lengths when `fixed`, else the model's layout (models.json `layout`).
   */
  async codeWindow(window: FeatureWindow, rateHz: number, fixed: boolean): Promise<CodedWindow> {
    const m = this.manifest;
    let merged: MergeResult;
    const lengths = fixed
      ? fixedRateLengths(window.features.frames, rateHz, m.frameRateHz, m.maxSegmentFrames)
      : segmentLayout(m) === 'spread'
        ? await this.spreadLayout(window.features, rateHz)
        : undefined;
    if (lengths) {
      merged = mergeWithLengths(
        window.features,
        lengths,
        m.semanticDim,
        m.acousticDim,
        !quantizerPoolsFrames(m),
      );
    } else {
      const similarities = await cachedPerWindow(this.similarityCache, window.features, (f) =>
        this.merger.similarities(f),
      );
      const choice = searchTau(similarities, rateHz, m.frameRateHz, m.maxSegmentFrames);
      merged = await this.merger.merge(window.features, similarities, choice.tau);
    }
    const codes = await this.backend.quantize(merged, window.features);
    const limit = 2 ** m.bitsPerCode;
    if (codes.length !== merged.segments * m.codeGroups) {
      throw new Error(`quantizer returned ${codes.length} codes for ${merged.segments} segments`);
    }
    for (let i = 0; i < codes.length; i++) {
      if (!(codes[i] >= 0 && codes[i] < limit)) {
        throw new Error(
          `quantizer code ${codes[i]} outside [0, ${limit}): models.json does not match the model`,
        );
      }
    }
    const kept = keepCodeGroups(codes, m.codeGroups, codeGroupsAtRate(m, rateHz));
    if (!m.pitch) return { tau: merged.tau, lengths: merged.lengths, codes: kept };
    if (!window.f0) throw new Error('this model codes pitch, but the encoder window has no F0 track');
    return {
      tau: merged.tau,
      lengths: merged.lengths,
      codes: kept,
      pitch: frameLevels(window.f0),
    };
  }

  /**
   * @internal The spread layout's segment lengths of one window at a target rate: exactly
   * spreadSegmentCount segments, placed by the DP (src/core/spread-layout.ts) on the merger's costs.
   */
  async spreadLayout(features: EncodedFeatures, rateHz: number): Promise<Uint32Array> {
    const m = this.manifest;
    const segments = spreadSegmentCount(features.frames, rateHz, m.frameRateHz, m.maxSegmentFrames);
    spreadCells(features.frames, m.maxSegmentFrames, segments); // refuses a table too large before any work
    const costs = await cachedPerWindow(this.spreadCostCache, features, (f) => this.merger.spreadCosts(f));
    return spreadLengths(costs, features.frames, m.maxSegmentFrames, segments, layoutLengthPenalty(m));
  }

  /**
   * @internal For a spread-layout model, throws RangeError before the encoder runs where a window of
   * `plan` would need a DP table past MAX_SPREAD_CELLS (a one-pass plan over long audio).
   */
  checkSpreadWindows(sampleCount: number, rateHz: number, plan: ChunkPlan): void {
    const m = this.manifest;
    if (segmentLayout(m) !== 'spread') return;
    const bounds = windowBounds(Math.ceil(sampleCount / m.frameSamples), plan.windowFrames);
    for (let w = 0; w + 1 < bounds.length; w++) {
      const frames = bounds[w + 1] - bounds[w];
      spreadCells(
        frames,
        m.maxSegmentFrames,
        spreadSegmentCount(frames, rateHz, m.frameRateHz, m.maxSegmentFrames),
      );
    }
  }

  /** @internal A file's writer at a target rate: its header says the code groups that rate carries. */
  writer(sampleCount: number, rateHz: number): FxcWriter {
    return new FxcWriter(
      {
        modelId: this.manifest.modelId,
        sampleCount,
        sampleRateHz: this.manifest.sampleRateHz,
        targetRateHz: rateHz,
        codeGroups: codeGroupsAtRate(this.manifest, rateHz),
        bitsPerCode: this.manifest.bitsPerCode,
        lengthBits: this.manifest.lengthBits,
      },
      this.layout,
    );
  }

  /** @internal */
  result(fxc: Uint8Array, taus: number[], parts: Uint32Array[], sampleCount: number): EncodeResult {
    const segments = parts.reduce((n, p) => n + p.length, 0);
    const lengths = new Uint32Array(segments);
    let at = 0;
    for (const p of parts) {
      lengths.set(p, at);
      at += p.length;
    }
    const frames = Math.ceil(sampleCount / this.manifest.frameSamples);
    return {
      fxc,
      achievedRateHz: segmentRateHz(segments, frames, this.manifest.frameRateHz),
      taus,
      tau: taus[0],
      segments,
      frames,
      lengths,
      bitrateBps: fileBitrateBps(fxc.length, sampleCount, this.manifest.sampleRateHz),
      sampleCount,
    };
  }

  /** @internal Throws RangeError for empty audio or a rate outside the model's range. */
  checkEncode(sampleCount: number, rateHz: number): void {
    if (sampleCount < 1) throw new RangeError('cannot encode empty audio (0 samples)');
    const max = this.manifest.frameRateHz;
    if (!(rateHz >= this.minRateHz - 1e-9 && rateHz <= max + 1e-9)) {
      throw new RangeError(`frame rate ${rateHz} Hz outside ${this.minRateHz}..${max} Hz`);
    }
  }
}

/** Encoder features of one recording, ready to be coded at any rate. */
export class EncodedSession {
  constructor(
    private readonly codec: Codec,
    /** The encoder windows (30 s each by default). */
    readonly windows: FeatureWindow[],
    readonly sampleCount: number,
  ) {}

  /** Codes the cached features at a new target rate; runs the merger and quantizer only. */
  async recode(rateHz: number, fixed = false): Promise<EncodeResult> {
    this.codec.checkEncode(this.sampleCount, rateHz);
    const writer = this.codec.writer(this.sampleCount, rateHz);
    const taus: number[] = [];
    const parts: Uint32Array[] = [];
    for (const window of this.windows) {
      const coded = await this.codec.codeWindow(window, rateHz, fixed);
      writer.push(coded.lengths, coded.codes, coded.pitch);
      taus.push(coded.tau);
      parts.push(coded.lengths);
    }
    return this.codec.result(writer.finish(), taus, parts, this.sampleCount);
  }
}

/**
 * What `compute` gives for a window's features, computed once per window and kept while the
 * features live (a session re-codes them at every slider rate); a failure is not kept.
 */
function cachedPerWindow<T>(
  cache: WeakMap<EncodedFeatures, Promise<T>>,
  features: EncodedFeatures,
  compute: (features: EncodedFeatures) => Promise<T>,
): Promise<T> {
  let value = cache.get(features);
  if (!value) {
    value = compute(features);
    cache.set(features, value);
    value.catch(() => cache.delete(features));
  }
  return value;
}

/** Copies each chunk, replaces NaN/Inf with silence and removes DC, keeping filter state across chunks. */
async function* conditionInput(
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  sampleRateHz: number,
): AsyncGenerator<Float32Array> {
  const dc = new DcBlocker(sampleRateHz);
  for await (const chunk of chunks) {
    // A plain loop: Float32Array.from with a map function is ~100x slower in V8 (bench/, 10 min of audio).
    const copy = new Float32Array(chunk.length);
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i];
      copy[i] = Number.isFinite(v) ? v : 0;
    }
    yield dc.process(copy);
  }
}
