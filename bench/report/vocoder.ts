/** The vocoder's report section: FARGAN and analysis real-time factors, SIMD against scalar, and its download. */
import type { VocoderBenchResult, VocoderRun } from '../vocoder-bench.ts';
import { duration, mb, ratio, table, verdict } from './format.ts';

/** FARGAN in Chromium WASM, one thread, must be at most this real-time factor (issue 28). */
export const TARGET_FARGAN_RTF = 0.05;
/** Bytes the vocoder may add to the download (MB = 10^6). */
export const TARGET_VOCODER_BYTES = 2e6;

const PLATFORM_LABEL = { node: 'Node (WebAssembly)', chromium: 'Chromium worker (WebAssembly)' } as const;

/** Real-time factor of a run's analysis, FARGAN, or both. */
function rtf(r: VocoderRun, part: 'analysis' | 'synthesis' | 'both'): number {
  const msTaken =
    part === 'analysis' ? r.analysisMs : part === 'synthesis' ? r.synthesisMs : r.analysisMs + r.synthesisMs;
  return msTaken / 1000 / r.seconds;
}

/** The longest run of a platform and build. */
function longest(v: VocoderBenchResult, platform: VocoderRun['platform'], build: VocoderRun['build']) {
  return v.runs
    .filter((r) => r.platform === platform && r.build === build)
    .sort((a, b) => b.seconds - a.seconds)[0];
}

/** Bytes a device fetches for the vocoder: its build of the module, the weights and the models.json section. */
export function vocoderDownloadBytes(
  v: VocoderBenchResult,
  build: 'simd' | 'scalar',
  kind: 'rawBytes' | 'gzipBytes',
) {
  return v.files[build][kind] + v.files.weights[kind] + v.manifestSectionBytes;
}

/** Target rows for the report's target table. */
export function vocoderTargetRows(v: VocoderBenchResult | undefined): string[][] {
  const run = v && longest(v, 'chromium', 'simd');
  const value = run ? rtf(run, 'synthesis') : undefined;
  const bytes = v ? vocoderDownloadBytes(v, 'simd', 'rawBytes') : undefined;
  return [
    [
      `FARGAN RTF ≤ ${TARGET_FARGAN_RTF} in Chromium WASM, one thread${run ? `, ${duration(run.seconds)}` : ''}`,
      ratio(value),
      value === undefined ? '–' : `${ratio(value / TARGET_FARGAN_RTF)}× the limit`,
      verdict(value === undefined ? undefined : value <= TARGET_FARGAN_RTF),
      'SIMD build, in the codec worker; the analysis comes on top (below)',
    ],
    [
      `vocoder adds ≤ ${TARGET_VOCODER_BYTES / 1e6} MB to the download`,
      bytes === undefined ? '–' : `${mb(bytes)} MB`,
      bytes === undefined ? '–' : `${ratio(bytes / TARGET_VOCODER_BYTES)}× the limit`,
      verdict(bytes === undefined ? undefined : bytes <= TARGET_VOCODER_BYTES),
      'SIMD module + weights + models.json section, raw',
    ],
  ];
}

/** The Markdown of the vocoder section. */
export function vocoderSection(v: VocoderBenchResult | undefined, error?: string, needed?: boolean): string {
  if (!v) return error ? `_Not measured (the vocoder section failed: ${error})._` : '_Not measured._';
  const rows = v.runs.map((r) => {
    const simd = v.runs.find(
      (x) => x.platform === r.platform && x.build === 'simd' && x.seconds === r.seconds,
    )!;
    return [
      PLATFORM_LABEL[r.platform],
      r.build,
      duration(r.seconds),
      ratio(rtf(r, 'analysis')),
      ratio(rtf(r, 'synthesis')),
      ratio(rtf(r, 'both')),
      r.build === 'simd' ? '1 (baseline)' : `${ratio(r.synthesisMs / simd.synthesisMs)}×`,
    ];
  });
  const f = v.files;
  const sizes = table(
    ['file', 'raw (bytes)', 'gzip -9 (bytes)', 'fetched by'],
    [
      [
        f.simd.file,
        f.simd.rawBytes,
        f.simd.gzipBytes,
        'engines with WASM SIMD (every current browser, Node 16.4+)',
      ],
      [f.scalar.file, f.scalar.rawBytes, f.scalar.gzipBytes, 'engines without WASM SIMD only'],
      [
        f.weights.file,
        f.weights.rawBytes,
        f.weights.gzipBytes,
        'both (PitchDNN + FARGAN weights of libopus 1.6.1, sha256-pinned)',
      ],
      ['models.json `vocoder` section', v.manifestSectionBytes, '', 'every load of models.json'],
      [
        '**added to the download, SIMD engine**',
        `**${vocoderDownloadBytes(v, 'simd', 'rawBytes')}** (${mb(vocoderDownloadBytes(v, 'simd', 'rawBytes'))} MB)`,
        `${f.simd.gzipBytes + f.weights.gzipBytes}`,
        '',
      ],
      [
        'added to the download, scalar engine',
        `${vocoderDownloadBytes(v, 'scalar', 'rawBytes')} (${mb(vocoderDownloadBytes(v, 'scalar', 'rawBytes'))} MB)`,
        `${f.scalar.gzipBytes + f.weights.gzipBytes}`,
        '',
      ],
    ],
    'lrrl',
  );
  const loads = v.chromiumLoads.map((l) => `${l.build} ${Math.round(l.loadMs)} ms`).join(', ');
  return [
    "libopus 1.6.1's neural vocoder compiled to WebAssembly (`src/vocoder/`, built by `native/build.sh`): LPCNet " +
      'feature analysis with PitchDNN (20 features per 10 ms) and FARGAN synthesis from them: the front end of ' +
      'a model whose encoder reads vocoder features and the back end of one whose decoder predicts them. Here ' +
      'the vocoder runs alone; inside the codec its time is the *vocoder analysis* and *FARGAN* stages above. ' +
      'Real speech: ' +
      `${v.speechSource}; each build warms up on ${v.warmupSeconds} s, then analyses and resynthesises each ` +
      "duration once. Node runs it on its main thread; Chromium in the app's codec worker (`loadVocoder`, `vocode`), " +
      "one thread, timed inside the worker. RTF = time / audio duration. The last column is FARGAN's time against " +
      `the SIMD build's on the same platform and audio in this run. Node ${v.node}, Chromium ${v.browserVersion}.`,
    '',
    table(
      ['platform', 'build', 'audio', 'analysis RTF', 'FARGAN RTF', 'both', 'FARGAN time vs SIMD'],
      rows,
      'lllrrrr',
    ),
    '',
    `Download (the models folder's \`vocoder\` section; load in the worker, fetch + sha256 + start: ${loads}). ` +
      (needed
        ? 'The shipped model runs the vocoder in encode and decode, so these files load with the models ' +
          '(counted in "all models together" above).'
        : needed === false
          ? 'The shipped model codes without the vocoder, so nothing here is fetched until the vocoder runs ' +
            "(`flexicodec vocode`, the worker's `vocode`, or a model that reads or predicts vocoder features)."
          : ''),
    '',
    sizes,
  ].join('\n');
}
