/**
 * One timed encode + decode of a piece of audio through a Codec built on TimedBackend and
 * TimedMerger, split by stage. Pure TypeScript: the Node child and the browser worker share it.
 */
import type { Codec } from '../../src/core/codec.ts';
import { type StageClock, type StageMs } from './timed.ts';

/** The frame rate every speed run codes at (Hz): the middle of the slider. */
export const BENCH_RATE_HZ = 6.25;

/** Stage times of one encode and the decode of its file, in ms. */
export interface PipelineRun {
  audioSeconds: number;
  encodeMs: number;
  decodeMs: number;
  /** Encode side: vocoder analysis, encoder, merge (similarities + merge), quantizer; decoder and fargan are 0. */
  encodeStages: StageMs;
  /** Decode side: decoder and FARGAN. */
  decodeStages: StageMs;
  /** Writing the .fxc from the segment lengths and codes (FxcWriter), timed on its own. */
  bitstreamWriteMs: number;
  /** Parsing and validating the .fxc (CRC, ranges), timed on its own. */
  bitstreamReadMs: number;
  /** Encode time the wrappers do not see: τ search, pitch tracking, bitstream writing, DC filter, window copies. */
  encodeOtherMs: number;
  /** Decode time outside the decoder and FARGAN: parsing, crossfades, copies. */
  decodeOtherMs: number;
  fxcBytes: number;
  bitrateBps: number;
  achievedRateHz: number;
  /** Encoder windows (30 s each by default). */
  windows: number;
}

const sum = (s: StageMs) => Object.values(s).reduce((a, b) => a + b, 0);

/** Encodes `audio16k` at BENCH_RATE_HZ, decodes the file and returns where the time went. */
export async function timePipeline(
  codec: Codec,
  clock: StageClock,
  audio16k: Float32Array,
): Promise<PipelineRun> {
  clock.take();
  const t0 = performance.now();
  const encoded = await codec.encode(audio16k, { frameRateHz: BENCH_RATE_HZ });
  const encodeMs = performance.now() - t0;
  const encodeStages = clock.take();
  const t1 = performance.now();
  const decoded = await codec.decode(encoded.fxc);
  const decodeMs = performance.now() - t1;
  const decodeStages = clock.take();
  if (decoded.length !== audio16k.length)
    throw new Error(`decoded ${decoded.length} of ${audio16k.length} samples`);

  const t2 = performance.now();
  const file = codec.parse(encoded.fxc);
  const bitstreamReadMs = performance.now() - t2;
  const t3 = performance.now();
  const writer = codec.writer(file.header.sampleCount, file.header.targetRateHz);
  writer.push(file.lengths, file.codes, file.pitch);
  const rewritten = writer.finish();
  const bitstreamWriteMs = performance.now() - t3;
  if (rewritten.length !== encoded.fxc.length) throw new Error('re-written .fxc differs in size');

  return {
    audioSeconds: audio16k.length / codec.manifest.sampleRateHz,
    encodeMs,
    decodeMs,
    encodeStages,
    decodeStages,
    bitstreamWriteMs,
    bitstreamReadMs,
    encodeOtherMs: encodeMs - sum(encodeStages),
    decodeOtherMs: decodeMs - sum(decodeStages),
    fxcBytes: encoded.fxc.length,
    bitrateBps: encoded.bitrateBps,
    achievedRateHz: encoded.achievedRateHz,
    windows: encoded.taus.length,
  };
}
