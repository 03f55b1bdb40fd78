/**
 * Peak memory of a process tree (a Chromium browser with its renderer, GPU and utility
 * processes), sampled from /proc/PID/status on Linux. Counted per process: RssAnon + RssShmem,
 * the pages it allocated itself (heaps, wasm memory, SwiftShader's "GPU" buffers) and shared
 * memory it maps; shared library and file pages (RssFile) are left out, since summing them over
 * processes would count each library many times. (PSS from smaps_rollup would split them fairly,
 * but costs ~0.4 s of kernel time per sample on Chromium's huge address spaces.)
 */
import { readFileSync, readdirSync } from 'node:fs';

/** How often the tree's memory is sampled, ms. */
const SAMPLE_MS = 100;
/** The list of processes is rebuilt every this many samples (new renderers and workers appear). */
const TREE_EVERY_SAMPLES = 10;

function parentOf(pid: number): number {
  try {
    // Field 4 of /proc/PID/stat, after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid)) parents.set(pid, parentOf(pid));
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** RssAnon + RssShmem of one process, bytes (0 once it is gone). */
function ownedBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return (kib('RssAnon') + kib('RssShmem')) * 1024;
  } catch {
    return 0;
  }
}

/** Summed RssAnon + RssShmem of `pids`, bytes. */
export function treeBytes(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + ownedBytes(pid), 0);
}

/** Samples a tree's memory until stopped; `peak()` is the highest sum seen since the last reset. */
export class PeakSampler {
  private max = 0;
  private pids: number[] = [];
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /** The tree's memory now, bytes. */
  now(): number {
    this.pids = processTree(this.root);
    return treeBytes(this.pids);
  }

  private sample(): void {
    if (this.samples++ % TREE_EVERY_SAMPLES === 0) this.pids = processTree(this.root);
    this.max = Math.max(this.max, treeBytes(this.pids));
  }

  /** Peak since the last reset (sampling once more now), bytes. */
  peak(): number {
    this.sample();
    return this.max;
  }

  /** Starts a new peak from the current value. */
  reset(): void {
    this.max = 0;
    this.pids = processTree(this.root);
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
