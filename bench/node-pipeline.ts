/**
 * One Node speed-and-memory run in a process of its own (so its peak RSS is its own):
 * load the models on onnxruntime-node, warm up once on 10 s, then time encode + decode of
 * SECONDS of real speech by stage. Prints one JSON line (NodePipelineResult).
 * Run: npx tsx bench/node-pipeline.ts SECONDS
 */
import { readFileSync } from 'node:fs';
import { Codec } from '../src/core/codec.ts';
import { TwinMerger } from '../src/core/twin-merger.ts';
import { OrtNodeBackend, defaultModelsDir } from '../src/node/index.ts';
import { BENCH_RATE_HZ, timePipeline, type PipelineRun } from './lib/pipeline-run.ts';
import { realSpeech } from './lib/speech.ts';
import { StageClock, TimedBackend, TimedMerger } from './lib/timed.ts';

/** Seconds of speech in the warm-up run. */
const WARMUP_SECONDS = 10;
/** Rates whose whole-file bitrate is reported beside Opus (Hz). */
const BITRATE_RATES_HZ = [3, BENCH_RATE_HZ, 12.5];

/** What one child prints. */
export interface NodePipelineResult {
  /** The model set that ran (models.json's modelId). */
  modelId: string;
  seconds: number;
  speechSource: string;
  /** Loading the models (ONNX sessions, and the vocoder where the model runs it), ms. */
  loadMs: number;
  /** The first encode + decode in this process (10 s of speech, right after loading), ms. */
  warmupMs: number;
  run: PipelineRun;
  /** Peak resident set size of this process (models, runtime, audio, features), MiB. */
  peakRssMiB: number;
  /** RSS after loading the models, before any audio, MiB. */
  rssAfterLoadMiB: number;
  /** Whole-file bitrate at each rate of BITRATE_RATES_HZ on this audio. */
  bitrates: { rateHz: number; achievedRateHz: number; bitrateBps: number }[];
}

const MIB = 1024 * 1024;

/**
 * Peak RSS of this process image, MiB: VmHWM of /proc/self/status. Not resourceUsage().maxRSS,
 * which Linux carries over fork + exec, so a child of a big parent would report the parent's peak.
 */
function peakRssMiB(): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kib ? Number(kib) / 1024 : process.resourceUsage().maxRSS / 1024;
}
const seconds = Number(process.argv[2]);
if (!(seconds > 0)) throw new Error('usage: node-pipeline.ts SECONDS');

const speech = realSpeech(seconds);
const clock = new StageClock();
const t0 = performance.now();
// BENCH_MODELS=DIR runs another model set (e.g. one that merges on Whisper features).
const backend = await OrtNodeBackend.load(process.env.BENCH_MODELS ?? defaultModelsDir());
const loadMs = performance.now() - t0;
const rssAfterLoadMiB = process.memoryUsage().rss / MIB;
const m = backend.manifest;
const codec = new Codec(m, new TimedBackend(backend, clock), new TimedMerger(TwinMerger.for(m), clock));

const t1 = performance.now();
await timePipeline(codec, clock, realSpeech(WARMUP_SECONDS).samples);
const warmupMs = performance.now() - t1;

const run = await timePipeline(codec, clock, speech.samples);
const peakMiB = peakRssMiB();

const bitrates: NodePipelineResult['bitrates'] = [];
if (process.argv.includes('--bitrates')) {
  const session = await codec.analyze(speech.samples);
  for (const rateHz of BITRATE_RATES_HZ) {
    const r = await session.recode(rateHz);
    bitrates.push({ rateHz, achievedRateHz: r.achievedRateHz, bitrateBps: r.bitrateBps });
  }
}
await backend.release();

const result: NodePipelineResult = {
  modelId: m.modelId,
  seconds,
  speechSource: speech.source,
  loadMs,
  warmupMs,
  run,
  peakRssMiB: peakMiB,
  rssAfterLoadMiB,
  bitrates,
};
console.log(JSON.stringify(result));
