/**
 * Speed of another model set beside the shipped one, in one run: Chromium WASM (the app's worker
 * code, bench/browser/) encode + decode of 60 s of held-out speech, load split, for public/models
 * and for DIR (e.g. a set that merges on Whisper features). JSON lines on stdout.
 * Usage: npx tsx bench/model-set.ts DIR [seconds]
 */
import { startKernelServer } from '../e2e/kernels/server.ts';
import { browserPipeline } from './browser-bench.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npx tsx bench/model-set.ts DIR [seconds]');
const seconds = Number(process.argv[3] ?? 60);
const dev = await startKernelServer();
try {
  for (const set of ['public/models', dir]) {
    if (set === dir) process.env.BENCH_MODELS = dir;
    else delete process.env.BENCH_MODELS;
    const r = await browserPipeline(dev.pageUrl, 'wasm', [seconds], 10, 600_000, (l) => console.error(l));
    for (const d of r.durations) {
      const rtf = (d.run.encodeMs + d.run.decodeMs) / 1000 / d.seconds;
      console.log(
        JSON.stringify({ set, load: r.load, warmupMs: r.warmupMs, seconds: d.seconds, rtf, run: d.run }),
      );
    }
  }
} finally {
  await dev.close();
}
