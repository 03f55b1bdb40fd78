/** The `flexicodec` command: encode, decode and inspect files with the Node codec. */
import { readFileSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import type { Codec } from '../core/codec.ts';
import { FxcFormatError, WavFormatError } from '../core/errors.ts';
import { segmentLayout, type DecoderManifest, type ModelManifest } from '../core/manifest.ts';
import { ModelUnavailableError } from '../core/errors.ts';
import { readHeader } from '../core/bitstream.ts';
import { EMPTY_ARCHIVE, findArchived, type ArchiveIndex } from '../core/model-archive.ts';
import {
  archiveDecoders,
  decodeFile,
  defaultModelsDir,
  encodeFile,
  loadArchiveIndexFile,
  loadArchivedManifest,
  loadCodec,
  loadManifest,
  loadNodeVocoder,
  vocodeFile,
} from '../node/index.ts';
import { USAGE, UsageError, parseCommandLine, type CliCommand } from './args.ts';
import { planJobs, type FileJob } from './files.ts';
import { describeFxc, formatInfo } from './info.ts';
import { ProgressBar } from './progress.ts';

/** Runs one job per file; a failing file is reported and the rest still run. Returns failures. */
async function runJobs(
  jobs: FileJob[],
  cmd: CliCommand,
  work: (job: FileJob, onProgress: (done: number, total: number) => void) => Promise<string>,
): Promise<number> {
  const bar = new ProgressBar(process.stderr, cmd.quiet ? false : undefined);
  let failures = 0;
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    bar.update(i, jobs.length, job.label, 0);
    try {
      const line = await work(job, (done, total) => bar.update(i, jobs.length, job.label, done / total));
      bar.clear();
      process.stdout.write(`${line}\n`);
    } catch (err) {
      bar.clear();
      failures++;
      process.stderr.write(`flexicodec: ${describeError(err, job.input)}\n`);
    }
  }
  bar.clear();
  return failures;
}

/** An error message that names the file, without a stack trace for expected errors. */
function describeError(err: unknown, path: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (
    err instanceof FxcFormatError ||
    err instanceof WavFormatError ||
    err instanceof ModelUnavailableError ||
    err instanceof RangeError
  ) {
    return message.startsWith(path) ? message : `${path}: ${message}`;
  }
  return message.includes(path) ? message : `${path}: ${message}`;
}

async function encodeCommand(cmd: CliCommand, codec: Codec): Promise<number> {
  const jobs = planJobs(cmd.inputs, cmd.output, '.wav', '.fxc');
  return runJobs(jobs, cmd, async (job, onProgress) => {
    const r = await encodeFile(codec, job.input, job.output, {
      frameRateHz: cmd.frameRateHz,
      fixed: cmd.fixed,
      onProgress,
    });
    const seconds = r.sampleCount / codec.manifest.sampleRateHz;
    // A spread-layout model has no threshold to report (r.tau is NaN): the line names the layout.
    const layout = segmentLayout(codec.manifest);
    const tau = cmd.fixed ? 'fixed' : layout === 'spread' ? 'spread layout' : `tau ${r.tau.toFixed(3)}`;
    return (
      `${job.output}: ${seconds.toFixed(2)} s, ${r.fxc.length} bytes, ${r.bitrateBps.toFixed(0)} bit/s, ` +
      `${r.achievedRateHz.toFixed(2)} Hz (target ${cmd.frameRateHz}), ${tau}`
    );
  });
}

/** Decodes each file with the model it names: the loaded one, or an archived earlier one. */
async function decodeCommand(cmd: CliCommand, codec: Codec): Promise<number> {
  const jobs = planJobs(cmd.inputs, cmd.output, '.fxc', '.wav');
  const decoders = archiveDecoders(codec, cmd.modelsDir ?? defaultModelsDir(), {
    intraOpThreads: cmd.threads,
  });
  try {
    return await runJobs(jobs, cmd, async (job, onProgress) => {
      const r = await decodeFile(decoders, job.input, job.output, {
        sampleType: cmd.float ? 'float32' : 'int16',
        onProgress,
      });
      const seconds = r.sampleCount / codec.manifest.sampleRateHz;
      const earlier = r.modelId === codec.manifest.modelId ? '' : ` (model ${r.modelId}, archived)`;
      return `${job.output}: ${seconds.toFixed(2)} s, ${r.sampleCount} samples at ${codec.manifest.sampleRateHz} Hz${earlier}`;
    });
  } finally {
    await Promise.all((await decoders.loadedArchived()).map((c) => c.backend.release()));
  }
}

async function infoCommand(cmd: CliCommand): Promise<number> {
  const modelsDir = cmd.modelsDir ?? defaultModelsDir();
  let manifest: ModelManifest | null = null;
  let archive: ArchiveIndex = EMPTY_ARCHIVE;
  try {
    manifest = await loadManifest(modelsDir);
    archive = await loadArchiveIndexFile(modelsDir);
  } catch {
    // info works without models; it then cannot say whether the file fits them.
  }
  const jobs = planJobs(cmd.inputs, undefined, '.fxc', '.fxc');
  const archivedManifests = new Map<string, DecoderManifest>(); // read once per model, not per note
  let failures = 0;
  for (const job of jobs) {
    try {
      const bytes = new Uint8Array(readFileSync(job.input));
      const entry = findArchived(archive, readHeader(bytes).modelId);
      if (entry && !archivedManifests.has(entry.modelId))
        archivedManifests.set(entry.modelId, await loadArchivedManifest(modelsDir, entry));
      const archived = entry ? (archivedManifests.get(entry.modelId) ?? null) : null;
      const info = describeFxc(bytes, manifest, archive, archived);
      process.stdout.write(
        cmd.json ? `${JSON.stringify({ file: job.input, ...info })}\n` : `${formatInfo(job.input, info)}\n`,
      );
    } catch (err) {
      failures++;
      process.stderr.write(`flexicodec: ${describeError(err, job.input)}\n`);
    }
  }
  return failures;
}

/** Each WAV through the vocoder: LPCNet analysis, then FARGAN resynthesis (the decoder's ceiling). */
async function vocodeCommand(cmd: CliCommand): Promise<number> {
  const jobs = planJobs(cmd.inputs, cmd.output, '.wav', '.vocoded.wav');
  const vocoder = await loadNodeVocoder(cmd.modelsDir ?? defaultModelsDir(), {
    build: cmd.scalar ? 'scalar' : undefined,
  });
  try {
    return await runJobs(jobs, cmd, async (job, onProgress) => {
      const started = performance.now();
      const r = await vocodeFile(vocoder, job.input, job.output, {
        sampleType: cmd.float ? 'float32' : 'int16',
        onProgress,
      });
      const seconds = r.sampleCount / 16000;
      const rtf = (performance.now() - started) / 1000 / seconds;
      return `${job.output}: ${seconds.toFixed(2)} s through FARGAN (${vocoder.build} WebAssembly, ${rtf.toFixed(3)}x real time)`;
    });
  } finally {
    vocoder.release();
  }
}

/** Runs the CLI and returns the exit code: 0 ok, 1 some file failed, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  let cmd: CliCommand;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`flexicodec: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cmd.command === 'version') {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  try {
    if (cmd.command === 'info') return (await infoCommand(cmd)) ? 1 : 0;
    if (cmd.command === 'vocode') return (await vocodeCommand(cmd)) ? 1 : 0;
    const codec = await loadCodec({ modelsDir: cmd.modelsDir, intraOpThreads: cmd.threads });
    try {
      const failures =
        cmd.command === 'encode' ? await encodeCommand(cmd, codec) : await decodeCommand(cmd, codec);
      return failures ? 1 : 0;
    } finally {
      await codec.backend.release();
    }
  } catch (err) {
    process.stderr.write(`flexicodec: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
