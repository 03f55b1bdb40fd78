/**
 * Regenerates docs/BENCHMARKS.md (and its figures in docs/benchmarks/) from bench/results/*.json.
 * Run alone (`npm run bench:report`) to redraw from the last results without measuring again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { duration, table } from './report/format.ts';
import { plotData } from './report/plots.ts';
import { readResults, type Results } from './report/results.ts';
import { kernelTable, opusTable, ourBitrates, readyTable, sizeTables } from './report/sections.ts';
import { threadsSection } from './report/threads.ts';
import { memoryTable, rtfTable, speedRows, stageMs, stageTable, type SpeedRow } from './report/speed.ts';
import { earlierTargetTable, targetTable } from './report/targets.ts';
import { vocoderSection } from './report/vocoder.ts';

/** Everything after this line of the doc is hand-written: a regenerated doc keeps it as it is. */
export const KEPT_MARKER = '<!-- Hand-written sections below: bench/report.ts keeps them on a rerun. -->';
/** Where the figures go, beside the doc. */
const FIGURES_DIR = 'docs/benchmarks';
/** The Python with matplotlib (Debian's). */
const PYTHON = '/usr/bin/python3';

function drawFigures(r: Results, rows: ReturnType<typeof speedRows>): boolean {
  const data = join(mkdtempSync(join(tmpdir(), 'flexi-plots-')), 'plots.json');
  writeFileSync(data, JSON.stringify(plotData(r, rows)));
  try {
    execFileSync(PYTHON, ['bench/plots.py', data, FIGURES_DIR], { stdio: 'inherit' });
    return true;
  } catch (err) {
    console.warn(`figures not redrawn: ${(err as Error).message}`);
    return false;
  }
}

/** Where encoding spends more outside the timed stages than in the encoder, say so with the numbers. */
function outsideModelsNote(rows: SpeedRow[]): string {
  const notes: string[] = [];
  for (const p of [...new Set(rows.map((x) => x.platform))]) {
    const x = rows.filter((y) => y.platform === p).at(-1)!;
    const encoder = stageMs(x.run.encodeStages, 'encoder');
    if (x.run.encodeOtherMs - x.run.bitstreamWriteMs > encoder)
      notes.push(
        `${p}, ${duration(x.seconds)}: ${Math.round(x.run.encodeOtherMs)} ms outside the timed stages against ` +
          `${Math.round(encoder)} ms in encoder.onnx, of which the bitstream is ` +
          `${x.run.bitstreamWriteMs.toFixed(1)} ms`,
      );
  }
  if (notes.length === 0) return '';
  return (
    '**Encoding spends more time outside the timed stages than in encoder.onnx** on ' +
    notes.join('; ') +
    '. The bitstream is small, so the rest is the pitch tracker (`src/core/pitch-track.ts`, NCCF at 8 kHz ' +
    'every 10 ms, for models with coded pitch), the τ search, input conditioning and window copies.'
  );
}

/** The model-dependent sections left out because they ran another model set, and how to rerun them. */
function staleNote(r: Results): string {
  if (r.stale.length === 0) return '';
  const items = r.stale.map(
    (x) =>
      `${x.section} (${x.modelId ? `model ${x.modelId}` : 'an earlier model, not recorded then'}` +
      `${x.at ? `, ${x.at.slice(0, 16).replace('T', ' ')} UTC` : ''})`,
  );
  return (
    `**Left out: results of another model.** These sections last ran with another model set than ` +
    `the current one (${r.modelId}), so their tables and targets are not shown: ${items.join('; ')}. ` +
    `\`BENCH_SECTIONS=${r.stale.map((x) => x.section).join(',')} npm run bench\` measures ` +
    (r.stale.length === 1 ? 'it again.' : 'them again.')
  );
}

function machineSection(r: Results): string {
  const m = r.machine;
  const start = Date.parse(m.date);
  // A section rerun alone (BENCH_SECTIONS) since the full run carries its own date.
  const inFullRun = (at: string) => Date.parse(at) >= start && Date.parse(at) <= start + m.totalMs + 1000;
  const partial = m.loads.some((l) => !inFullRun(l.at));
  const loads = table(
    ['section', 'started (UTC)', 'load average 1 / 5 / 15 min', 'took (s)', 'result'],
    m.loads.map((l) => [
      l.section,
      inFullRun(l.at) ? l.at.slice(11, 19) : `**${l.at.slice(0, 19).replace('T', ' ')}**`,
      l.loadAverage.map((x) => x.toFixed(1)).join(' / '),
      m.sections[l.section] ? (m.sections[l.section].ms / 1000).toFixed(0) : '',
      r.errors[l.section]
        ? `failed: ${r.errors[l.section]}`
        : r.stale.some((x) => x.section === l.section)
          ? 'ok, another model (left out)'
          : m.sections[l.section]
            ? 'ok'
            : '',
    ]),
    'llrrl',
  );
  const browser = r.wasm?.browserVersion ?? r.webgpu?.browserVersion ?? r.opus?.browserVersion ?? '?';
  return [
    (partial
      ? `Measured in more than one run: sections rerun alone (\`BENCH_SECTIONS\`) since the last full run carry ` +
        `their date in bold in the table below; the last full run started ${m.date.slice(0, 16).replace('T', ' ')} UTC ` +
        `and took ${(m.totalMs / 60000).toFixed(1)} minutes. Machine: `
      : `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC in one run of ${(m.totalMs / 60000).toFixed(1)} minutes on `) +
      `${m.machine.cores} × ${m.machine.cpuModel}, ${m.machine.memoryGiB.toFixed(0)} GiB, Node ${m.machine.node}, ` +
      `Debian Chromium ${browser} headless.`,
    '',
    `**No real GPU was measured** (${m.gpu}). Every "WebGPU" number below is SwiftShader: WGSL ` +
      "compiled for and run on the same two CPU cores, behind Chromium's GPU process. A real GPU would " +
      'change the WebGPU rows completely; the Node and WASM rows are what a 2-core CPU gives.',
    '',
    "The machine is shared (model training and other engineers' tests may run beside the benchmark), " +
      'so every number is one noisy sample; the load average when each section started:',
    '',
    loads,
  ].join('\n');
}

/** Builds the Markdown of docs/BENCHMARKS.md from results in `resultsDir` and draws its figures. */
export async function writeReport(resultsDir: string, docPath: string): Promise<void> {
  const r = readResults(resultsDir);
  const rows = speedRows(r);
  const figures = drawFigures(r, rows);
  const fig = (name: string, alt: string) =>
    figures ? `![${alt}](${relative(dirname(docPath), join(FIGURES_DIR, name))})\n` : '';
  const speech = r.node?.find((n) => n.seconds === 600)?.speechSource ?? r.node?.[0]?.speechSource ?? '?';
  const skipped = [r.wasm, r.webgpu]
    .flatMap(
      (b) =>
        b?.skipped.map(
          (s) => `${b.backend} ${duration(s.seconds)} (projected ${(s.projectedMs / 60000).toFixed(1)} min)`,
        ) ?? [],
    )
    .join(', ');
  const opusLowest = r.opus?.lowestAcceptedBps;
  const md = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts → bench/report.ts); edits here are overwritten. -->',
    '',
    'Speed, memory and download size of FlexiCodec Web in Node and in headless Chromium (WebGPU and WASM), ' +
      'the WGSL merge kernels against their TypeScript twins, and Opus (WebCodecs) beside it.',
    '',
    '**Regenerate:** `npm run bench` (about 20 minutes; measures everything, writes `bench/results/*.json`, ' +
      'then this file and `docs/benchmarks/*.svg`). `npm run bench:report` redraws this file from the last results. ' +
      'The benchmark is not part of `npm test`, and no test checks a time.',
    '',
    machineSection(r),
    '',
    staleNote(r),
    '',
    '## Targets',
    '',
    `Issue 29's runtime targets for model ${r.modelId}; ratio = measured ÷ limit (below 1 is within it).`,
    '',
    targetTable(r, rows),
    '',
    "Earlier issues' targets that still apply (the WGSL kernels still decide the boundaries; long audio " +
      "still codes in windows; the vocoder is issue 28's):",
    '',
    earlierTargetTable(r, rows),
    '',
    "Dropped, superseded by issue 29 (and issue 13 before it): issue 6's encode + decode RTF ≤ 0.3 at 60 s " +
      '(now ≤ 0.1 in Chromium WASM, and 10 s in under 1 s in Node), its ready from cache ≤ 1 s (now ≤ 2 s) and ' +
      'its total model download ≤ 25 MB (now ≤ 40 MB with the vocoder files).',
    '',
    '## Real-time factor',
    '',
    `RTF = processing time / audio duration (below 1 is faster than real time). Real speech: ${speech}, ` +
      'concatenated to 10 s, 60 s and 10 min; encoded at a 6.25 Hz target, then the file decoded. ' +
      'Encode and decode are what the app and the CLI run: for a model that reads and predicts vocoder features ' +
      "(models.json formatVersion 3), encode includes the vocoder's LPCNet analysis of the input and decode " +
      "FARGAN's synthesis of the output (libopus 1.6.1 in WebAssembly, SIMD build, on the thread that codes). " +
      'Each platform loads the models, runs one warm-up (encode + decode of 10 s), then each duration once. ' +
      "Node runs each duration in a fresh process (for its own peak RSS); Chromium runs the app's worker code " +
      '(`src/worker/`: onnxruntime-web, the WGSL merger on WebGPU, the TypeScript twin on WASM) in a module worker ' +
      'of the page `bench/browser/`, one browser per backend.' +
      (skipped ? ` Left out to keep the run within its time budget: ${skipped}.` : ''),
    '',
    fig('rtf.svg', 'RTF against audio length per platform'),
    rtfTable(rows),
    '',
    '### WASM threads',
    '',
    threadsSection(r),
    '',
    '## Where the time goes',
    '',
    "Milliseconds per stage, measured by wrapping the codec's inference backend and merger (`bench/lib/timed.ts`): " +
      "*vocoder analysis* is libopus's LPCNet feature analysis with PitchDNN (the encoder's input), *encoder*, " +
      '*quantizer* and *decoder* the ONNX sessions, *merge* the similarities and merge (kernels or twin), ' +
      "*FARGAN* the vocoder's synthesis from the decoder's features; the first and the last are 0 for a model " +
      'that reads and gives audio. *encode other* is the encode time outside them: the pitch tracker ' +
      '(`src/core/pitch-track.ts`, for models with coded pitch), input conditioning in `src/core/codec.ts` ' +
      '(copy with a NaN guard, DC filter), the τ search, window slicing and writing the bitstream; *decode other* ' +
      'is parsing, the seams between decoder windows, and copies. ' +
      'Writing and reading the `.fxc` are also timed alone, to show how little of *other* the bitstream is. ' +
      "On WebGPU, *merge* is the WGSL kernels including the upload of the encoder's features " +
      '(the app reads encoder outputs back to the CPU) and the read-back of lengths and means.',
    '',
    fig('stages.svg', 'stage shares per platform'),
    stageTable(rows),
    '',
    outsideModelsNote(rows),
    '',
    '## Kernels vs twins',
    '',
    'From the kernel benchmark page (`e2e/kernels/`, see [KERNELS.md](KERNELS.md) for what each column moves), ' +
      `synthetic correlated 64 + 128-channel features at τ for 6.25 Hz, median of ${r.kernels?.repeats ?? '?'} runs ` +
      `after a warm-up, ms, adapter "${r.kernels?.adapter ?? '?'}". "With upload" is a fresh merge: features uploaded, ` +
      'similarities read back for the τ search, lengths and means read back. "Resident" is a slider move: features ' +
      'already on the GPU.',
    '',
    fig('kernels.svg', 'kernels vs twin against frame count'),
    r.kernels ? kernelTable(r.kernels.rows) : '_Not measured (the kernels section failed)._',
    '',
    '## Download size and time to ready',
    '',
    sizeTables(r),
    '',
    "Time from navigation to the demo page's status `ready` (production build under `vite preview`, " +
      "which sends no Cache-Control, so the browser caches by heuristics and revalidates). The app's own " +
      'split comes from its console line (*sessions* also covers starting the vocoder, fetched beside them); ' +
      'the warm-up codes 1 s of silence through every model, the vocoder included, so the first ' +
      'recording does not pay shader compilation. App latency after `ready` (stop → playable, slider re-code) ' +
      'is in [DEMO.md](DEMO.md).',
    '',
    readyTable(r),
    '',
    '## Peak memory',
    '',
    'Node: peak resident set size of the process (VmHWM), models and runtime included. ' +
      'Chromium: the peak over the run of the memory all Chromium processes (browser, renderer with the worker, ' +
      "GPU process with SwiftShader's buffers) hold themselves, RssAnon + RssShmem from `/proc/PID/status` sampled " +
      'every 100 ms (shared library pages left out, so the sum does not count each library once per process); ' +
      'and `performance.measureUserAgentSpecificMemory()` ' +
      '(the page is cross-origin isolated) right after it, which counts JS and ArrayBuffer memory of the page ' +
      'and the worker, not the GPU process.',
    '',
    memoryTable(rows, r),
    '',
    '## Beside Opus',
    '',
    'Opus through WebCodecs `AudioEncoder`/`AudioDecoder` in the same Chromium, on the same speech at 16 kHz mono, ' +
      `application "voip", 20 ms frames, fed 1 s pieces. Bitrate counts raw Opus packets (no container). ` +
      (opusLowest === null
        ? 'The encoder accepted none of the candidate bitrates.'
        : `Lowest bitrate the encoder accepted among ${r.opus?.candidatesBps.join(', ')} bit/s: ` +
          `**${opusLowest} bit/s** (lower requests are refused by \`AudioEncoder\`), so "6 kbps" and "lowest" are ` +
          (opusLowest === 6000 ? 'the same run.' : 'both shown.')) +
      ` Our whole-file bitrate on 60 s of the same speech: ${ourBitrates(r)}.`,
    '',
    fig('codecs.svg', 'bitrate vs RTF for Opus and FlexiCodec'),
    opusTable(r),
    '',
    '## Vocoder (libopus FARGAN, WebAssembly)',
    '',
    vocoderSection(r.vocoder, r.errors.vocoder, r.sizes?.vocoder?.needed),
    '',
    '## Reproduce one part',
    '',
    '- `BENCH_SECTIONS=vocoder npm run bench`: the vocoder section alone (about 3 minutes); the other sections keep their results.',
    "- `BENCH_SECTIONS=sizes,node,browser-wasm,ready npm run bench`: issue 29's targets alone (about 2 minutes).",
    '- `npx tsx bench/node-pipeline.ts 60`: one Node run of 60 s (JSON on stdout).',
    '- `npm run bench:kernels`: the kernel table alone (docs/KERNELS.md).',
    '- `npx tsx bench/app-latency.ts`: the app latency of docs/DEMO.md.',
    '',
  ].join('\n');
  const before = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const kept = before.includes(KEPT_MARKER) ? before.slice(before.indexOf(KEPT_MARKER)) : `${KEPT_MARKER}\n`;
  writeFileSync(docPath, `${md}\n${kept}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await writeReport('bench/results', 'docs/BENCHMARKS.md');
}
