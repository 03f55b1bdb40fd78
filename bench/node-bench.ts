/** Node side of the benchmark: one child process per duration (bench/node-pipeline.ts), so each peak RSS is its own. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NodePipelineResult } from './node-pipeline.ts';

const run = promisify(execFile);

/** Runs node-pipeline.ts for each duration in turn; the 60 s child also reports bitrates. */
export async function nodeBench(
  seconds: number[],
  log: (line: string) => void,
): Promise<NodePipelineResult[]> {
  const out: NodePipelineResult[] = [];
  for (const s of seconds) {
    const args = [
      '--import',
      'tsx',
      'bench/node-pipeline.ts',
      String(s),
      ...(s === 60 ? ['--bitrates'] : []),
    ];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as NodePipelineResult;
    log(
      `  node ${s} s: encode ${result.run.encodeMs.toFixed(0)} ms, decode ${result.run.decodeMs.toFixed(0)} ms`,
    );
    out.push(result);
  }
  return out;
}
