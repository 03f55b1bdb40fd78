/** Command-line parsing for `flexicodec`: one subcommand, its inputs and options. */
import { parseArgs } from 'node:util';

/** Usage text printed by --help and after a usage error. */
export const USAGE = `Usage:
  flexicodec encode IN.wav|DIR... [-o OUT.fxc|DIR] [--frame-rate HZ] [--fixed]
  flexicodec decode IN.fxc|DIR... [-o OUT.wav|DIR] [--float]
  flexicodec info IN.fxc... [--json]
  flexicodec vocode IN.wav|DIR... [-o OUT.wav|DIR] [--float] [--scalar]

Options:
  -o, --output PATH   output file, or folder when the input is a folder or several files
                      (default: next to each input, with the new extension)
  --frame-rate HZ     average frame rate to aim for, 1.5625..12.5 (default 6.25)
  --fixed             constant-length segments instead of similarity merging (ablation)
  --float             write 32-bit float WAV instead of 16-bit PCM
  --models DIR        folder with models.json and the ONNX files (default: the package's)
  --threads N         onnxruntime intra-op threads (default: all cores)
  --json              info: one JSON object per file
  --scalar            vocode: the WebAssembly build without SIMD (default: SIMD where it runs)
  -q, --quiet         no progress bar
  -h, --help          this text
  -v, --version       the package version

Any WAV (PCM 8/16/24/32-bit or float, mono or multichannel, 8-192 kHz) is converted to
16 kHz mono. Folders are searched recursively for *.wav (encode, vocode) or *.fxc (decode, info).
vocode runs libopus's FARGAN vocoder on the LPCNet features of each WAV (analysis, then
resynthesis): what a decoder that predicts those features could reach at best.`;

/** A parsed command line. */
export interface CliCommand {
  command: 'encode' | 'decode' | 'info' | 'vocode' | 'help' | 'version';
  inputs: string[];
  output?: string;
  frameRateHz: number;
  fixed: boolean;
  float: boolean;
  modelsDir?: string;
  threads?: number;
  json: boolean;
  /** vocode: the scalar WebAssembly build instead of the SIMD one. */
  scalar: boolean;
  quiet: boolean;
}

/** A mistake in the command line; main prints it with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv (without node and script); throws UsageError. */
export function parseCommandLine(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        'frame-rate': { type: 'string' },
        fixed: { type: 'boolean', default: false },
        float: { type: 'boolean', default: false },
        models: { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean', default: false },
        scalar: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const base = {
    inputs: positionals.slice(1),
    output: values.output,
    fixed: values.fixed,
    float: values.float,
    modelsDir: values.models,
    json: values.json,
    scalar: values.scalar,
    quiet: values.quiet,
    frameRateHz: 6.25,
  };
  if (values.help) return { ...base, command: 'help' };
  if (values.version) return { ...base, command: 'version' };
  const command = positionals[0];
  if (command !== 'encode' && command !== 'decode' && command !== 'info' && command !== 'vocode') {
    throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
  if (base.inputs.length === 0) throw new UsageError(`${command}: no input file given`);
  let frameRateHz = 6.25;
  if (values['frame-rate'] !== undefined) {
    frameRateHz = Number(values['frame-rate']);
    if (!Number.isFinite(frameRateHz))
      throw new UsageError(`--frame-rate "${values['frame-rate']}" is not a number`);
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1)
      throw new UsageError(`--threads must be a positive integer`);
  }
  return { ...base, command, frameRateHz, threads };
}
