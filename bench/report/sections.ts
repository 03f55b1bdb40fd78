/** Report sections besides speed: kernels vs twins, download size and time to ready, Opus beside ours. */
import type { BenchRow } from '../../e2e/kernels/report.ts';
import { duration, mb, ms, ratio, sec, table } from './format.ts';
import type { Results } from './results.ts';

/** Kernel time for a fresh merge with every transfer: similarities (upload, read-back) + merge with upload. */
export function kernelWithTransferMs(row: BenchRow): number {
  return row.gpuSimilaritiesMs + row.gpuMergeWithUploadMs;
}

/** Twin time for the same work: similarities + merge. */
export function twinMs(row: BenchRow): number {
  return row.twinSimilaritiesMs + row.twinMergeMs;
}

/** Kernel rows with the totals the target compares. */
export function kernelTable(rows: BenchRow[]): string {
  return table(
    [
      'frames of',
      'frames T',
      'segments K',
      'twin: similarities + merge',
      'kernels: similarities + merge, with upload',
      'twin ÷ kernels',
      'kernels, features resident (slider move)',
      'twin ÷ resident',
      'expand: twin',
      'expand: kernel',
    ],
    rows.map((r) => [
      r.label,
      r.frames,
      r.segments,
      ms(twinMs(r)),
      ms(kernelWithTransferMs(r)),
      ratio(twinMs(r) / kernelWithTransferMs(r)),
      ms(r.gpuMergeMs),
      ratio(r.twinMergeMs / r.gpuMergeMs),
      ms(r.twinExpandMs),
      ms(r.gpuExpandMs),
    ]),
  );
}

/** Per-file sizes of the models and the demo page's runtime. */
export function sizeTables(r: Results): string {
  const s = r.sizes;
  if (!s) return '_Not measured (the sizes section failed)._';
  const rows = (files: typeof s.models) =>
    files.map((f) => [
      f.file,
      mb(f.rawBytes),
      mb(f.gzipBytes),
      `${((100 * f.gzipBytes) / f.rawBytes).toFixed(0)} %`,
    ]);
  const sum = (files: typeof s.models, key: 'rawBytes' | 'gzipBytes') =>
    files.reduce((n, f) => n + f[key], 0);
  const total = (label: string, files: typeof s.models) => [
    `**${label}**`,
    `**${mb(sum(files, 'rawBytes'))}**`,
    `**${mb(sum(files, 'gzipBytes'))}**`,
    `**${((100 * sum(files, 'gzipBytes')) / sum(files, 'rawBytes')).toFixed(0)} %**`,
  ];
  // What the demo page really fetched on its cold load, per backend (recorded by ready-time.ts).
  const fetchedBy = (backend: string) => {
    const paths = new Set(r.ready?.find((x) => x.backend === backend)?.cold.fetchedPaths ?? []);
    return s.app.filter((f) => paths.has(`/${f.file}`));
  };
  const webgpuApp = fetchedBy('webgpu');
  const wasmApp = fetchedBy('wasm');
  const v = s.vocoder?.needed ? s.vocoder : undefined;
  // What a SIMD engine fetches for the model: the model files and, where it runs the vocoder, its SIMD build + weights.
  const modelFiles = v ? [...s.models, v.simd, v.weights] : s.models;
  const modelRows = v
    ? [
        ...rows(s.models),
        total('models.json + ONNX', s.models),
        ...rows([v.simd, v.weights]),
        total('models + vocoder, engine with WASM SIMD', modelFiles),
        ...rows([v.scalar]).map((x) => [
          `${x[0]} (instead of ${v.simd.file.split('/').pop()} without SIMD)`,
          ...x.slice(1),
        ]),
        total('models + vocoder, engine without WASM SIMD', [...s.models, v.scalar, v.weights]),
      ]
    : [...rows(s.models), total('models', s.models)];
  return [
    `Models (model ${s.modelId}), MB = 10⁶ bytes, gzip at level 9` +
      (v
        ? "; this model runs libopus's vocoder (analysis in encode, FARGAN in decode), so its files " +
          '(public/vocoder/, named by the `vocoder` section of models.json) count with the models:'
        : ':'),
    '',
    table(['file', 'raw (MB)', 'gzip (MB)', 'gzip / raw'], modelRows),
    '',
    'The demo page (production build) also fetches its code and one onnxruntime-web binary:',
    '',
    table(
      ['file', 'raw (MB)', 'gzip (MB)', 'gzip / raw'],
      [
        ...rows(s.app),
        total(`fetched by the page on WebGPU (${webgpuApp.length} files)`, webgpuApp),
        total(`fetched by the page on WASM (${wasmApp.length} files)`, wasmApp),
      ],
    ),
    '',
    'First visit over a real link (the runs below use loopback), gzip-served models' +
      (v ? ' + vocoder' : '') +
      ' + page: ' +
      [
        ['WebGPU', webgpuApp],
        ['WASM', wasmApp],
      ]
        .map(([label, files]) => {
          const bits = 8 * (sum(modelFiles, 'gzipBytes') + sum(files as typeof s.models, 'gzipBytes'));
          return `${label} ${(bits / 10e6).toFixed(0)} s at 10 Mbit/s, ${(bits / 50e6).toFixed(1)} s at 50 Mbit/s`;
        })
        .join('; ') +
      '.',
  ].join('\n');
}

/** Page load → `ready`, cold and from cache, per backend. */
export function readyTable(r: Results): string {
  if (!r.ready) return '_Not measured (the ready section failed)._';
  const rows = r.ready.flatMap((x) =>
    (['cold', 'cached'] as const).map((k) => {
      const l = x[k];
      return [
        x.backend === 'webgpu' ? 'WebGPU (SwiftShader)' : 'WASM',
        k === 'cold' ? 'cold (empty profile)' : 'from cache (same profile, browser restarted)',
        sec(l.readyMs),
        sec(l.appLoadMs - l.appSessionsMs - l.appWarmupMs),
        sec(l.appSessionsMs),
        sec(l.appWarmupMs),
        mb(l.transferredBytes),
      ];
    }),
  );
  return table(
    [
      'backend',
      'load',
      'page load → ready (s)',
      '… download + sha256 (s)',
      '… ORT sessions + vocoder (s)',
      '… warm-up, 1 s of silence (s)',
      'models, vocoder + wasm over the network (MB)',
    ],
    rows,
    'llrrrrr',
  );
}

/** Opus speed and bitrate beside ours in the same Chromium. */
export function opusTable(r: Results): string {
  const o = r.opus;
  if (!o) return '_Not measured (the Opus section failed)._';
  const rows: (string | number)[][] = o.runs.map((x) => [
    `Opus, ${x.requestedBps} bit/s requested`,
    duration(x.audioSeconds),
    x.measuredBps.toFixed(0),
    ratio(x.encodeMs / 1000 / x.audioSeconds),
    ratio(x.decodeMs / 1000 / x.audioSeconds),
  ]);
  for (const d of r.wasm?.durations ?? [])
    rows.push([
      'FlexiCodec 6.25 Hz, Chromium WASM',
      duration(d.seconds),
      d.run.bitrateBps.toFixed(0),
      ratio(d.run.encodeMs / 1000 / d.seconds),
      ratio(d.run.decodeMs / 1000 / d.seconds),
    ]);
  return table(['codec', 'audio', 'bitrate (bit/s)', 'encode RTF', 'decode RTF'], rows, 'llrrr');
}

/** Our whole-file bitrate at several rates (60 s of speech, Node). */
export function ourBitrates(r: Results): string {
  const rates = r.node?.find((n) => n.bitrates.length > 0)?.bitrates;
  if (!rates) return '';
  return rates
    .map(
      (b) => `${b.rateHz} Hz → ${b.bitrateBps.toFixed(0)} bit/s (achieved ${b.achievedRateHz.toFixed(2)} Hz)`,
    )
    .join('; ');
}
