/** Turns CLI inputs (files and folders) into (input, output) path pairs. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';

/** One unit of work. */
export interface FileJob {
  input: string;
  output: string;
  /** Short name for the progress bar and messages. */
  label: string;
}

function listRecursive(dir: string, extension: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listRecursive(path, extension));
    else if (entry.isFile() && extname(entry.name).toLowerCase() === extension) found.push(path);
  }
  return found.sort();
}

function withExtension(path: string, extension: string): string {
  return path.slice(0, path.length - extname(path).length) + extension;
}

/**
 * Expands inputs to jobs. A folder input maps `DIR/a/b.wav` to `OUT/a/b.fxc`; with several
 * inputs or a folder, `output` is a folder (created); with one file it is the output file.
 */
export function planJobs(
  inputs: string[],
  output: string | undefined,
  inExt: string,
  outExt: string,
): FileJob[] {
  const jobs: FileJob[] = [];
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  const many = inputs.length > 1 || inputs.some(isDir);
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`${input}: no such file or folder`);
    if (isDir(input)) {
      const files = listRecursive(input, inExt);
      if (files.length === 0) throw new Error(`${input}: no ${inExt} files in this folder`);
      for (const file of files) {
        const rel = relative(input, file);
        const out = withExtension(output ? join(output, rel) : file, outExt);
        jobs.push({ input: file, output: out, label: rel });
      }
    } else {
      let out = withExtension(input, outExt);
      if (output) out = many ? join(output, basename(out)) : output;
      jobs.push({ input, output: out, label: basename(input) });
    }
  }
  for (const job of jobs) mkdirSync(dirname(job.output), { recursive: true });
  return jobs;
}
