/**
 * Time to `ready` of the demo page with other model sets beside the shipped one, in one run, and
 * where it goes: the worker's load measures (src/worker/load-timing.ts: fetch and sha256 per file,
 * ORT import, session per model, warm-up per model). One production build; each set is served
 * from a copy of it whose models/ holds that set's files, so the browser caches it over real HTTP
 * (not request interception). The sets take turns, cold then cached, `--repeats` times.
 * JSON lines on stdout (one per load), then a median table per set with ratios to the shipped set.
 * NAME=?QUERY is the shipped set with page parameters instead (e.g. `1thread=?threads=1`).
 * Usage: npx tsx bench/ready-model-set.ts [--backend wasm|webgpu] [--repeats N] NAME=DIR|NAME=?QUERY ...
 */
import { cp, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { preview, type PreviewServer } from 'vite';
import { loadSample } from './lib/machine.ts';
import { breakdown, buildAndPreview, readyTimes } from './ready-time.ts';

/** The private build (the shared dist/ belongs to the tests); each set's copy lies beside it. */
const BUILD_DIR = 'node_modules/.cache/flexicodec-bench/ready-dist';

/** Coded right after each `ready` (6 s of speech: one asr window), to see work moved past ready. */
const FIRST_WAV = resolve('test/fixtures/speech-en-6s.wav');

const args = process.argv.slice(2);
let backend: 'wasm' | 'webgpu' = 'wasm';
let repeats = 3;
const sets: { name: string; dir?: string; query?: Record<string, string> }[] = [{ name: 'shipped' }];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--backend') backend = args[++i] === 'webgpu' ? 'webgpu' : 'wasm';
  else if (args[i] === '--repeats') repeats = Number(args[++i]);
  else {
    const at = args[i].indexOf('=');
    const [name, value] = [args[i].slice(0, at), args[i].slice(at + 1)];
    if (at < 1 || !value) throw new Error(`expected NAME=DIR or NAME=?QUERY, got ${args[i]}`);
    if (value.startsWith('?')) sets.push({ name, query: Object.fromEntries(new URLSearchParams(value)) });
    else sets.push({ name, dir: value });
  }
}

/** A copy of the build with `dir`'s models.json and ONNX files in models/, served on its own port. */
async function serveSet(name: string, dir: string): Promise<PreviewServer> {
  const out = `${BUILD_DIR}-${name}`;
  await rm(out, { recursive: true, force: true });
  await cp(BUILD_DIR, out, { recursive: true });
  for (const f of await readdir(join(out, 'models')))
    if (f.endsWith('.onnx') || f === 'models.json') await rm(join(out, 'models', f));
  for (const f of await readdir(dir))
    if (f.endsWith('.onnx') || f === 'models.json') await cp(join(dir, f), join(out, 'models', f));
  return preview({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir: out },
    preview: { host: '127.0.0.1', port: 0 },
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const base = await buildAndPreview(BUILD_DIR);
const servers: PreviewServer[] = [base];
try {
  const urls = new Map<string, string>([['shipped', base.resolvedUrls?.local[0] ?? '']]);
  for (const set of sets.slice(1)) {
    if (!set.dir) {
      urls.set(set.name, urls.get('shipped')!);
      continue;
    }
    const server = await serveSet(set.name, set.dir!);
    servers.push(server);
    urls.set(set.name, server.resolvedUrls?.local[0] ?? '');
  }
  const cached = new Map<string, Record<string, number>[]>();
  for (let r = 0; r < repeats; r++) {
    for (const set of sets) {
      const load = loadSample(`${set.name} ${r}`).loadAverage;
      const result = await readyTimes(urls.get(set.name)!, backend, FIRST_WAV, set.query);
      for (const kind of ['cold', 'cached'] as const) {
        const b = breakdown(result[kind]);
        if (kind === 'cached') cached.set(set.name, [...(cached.get(set.name) ?? []), b]);
        console.log(
          JSON.stringify({ set: set.name, repeat: r, kind, backend, loadAverage: load, breakdown: b }),
        );
      }
      console.error(
        `${set.name} #${r}: cached ready ${result.cached.readyMs.toFixed(0)} ms (load ${load[0]})`,
      );
    }
  }
  const keys = [...new Set([...cached.values()].flat().flatMap((b) => Object.keys(b)))];
  const med = (name: string, key: string) => median((cached.get(name) ?? []).map((b) => b[key] ?? 0));
  console.log(`\nfrom cache, ${backend}, median of ${repeats} (ms; ratio to shipped):`);
  console.log(['', ...sets.map((s) => s.name)].join('\t'));
  for (const key of keys)
    console.log(
      [
        key,
        ...sets.map((s) => {
          const v = med(s.name, key);
          const ship = med('shipped', key);
          return s.name === 'shipped' || ship === 0
            ? v.toFixed(0)
            : `${v.toFixed(0)} (${(v / ship).toFixed(2)}×)`;
        }),
      ].join('\t'),
    );
} finally {
  for (const s of servers) await s.close();
}
