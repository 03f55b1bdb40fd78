/**
 * STOI (Taal et al. 2011) of a degraded signal against the clean one, by pystoi in the project's
 * Python (.venv, built by .ci/setup; FLEXI_VENV_PYTHON overrides it), the maintained implementation
 * the quality report's own STOI is checked against. Both signals 16 kHz; scored over the shorter length.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = `
import sys
import numpy as np
from pystoi import stoi
x = np.fromfile(sys.argv[1], '<f4').astype(np.float64)
y = np.fromfile(sys.argv[2], '<f4').astype(np.float64)
n = min(len(x), len(y))
print(stoi(x[:n], y[:n], int(sys.argv[3])))
`;

/** STOI of `degraded` against `clean`, both at `rateHz`. */
export function stoi(clean: Float32Array, degraded: Float32Array, rateHz = 16000): number {
  const dir = mkdtempSync(join(tmpdir(), 'flexicodec-stoi-'));
  try {
    const files = [join(dir, 'clean.f32'), join(dir, 'degraded.f32')];
    writeFileSync(files[0], new Uint8Array(clean.buffer, clean.byteOffset, clean.byteLength));
    writeFileSync(files[1], new Uint8Array(degraded.buffer, degraded.byteOffset, degraded.byteLength));
    const python = process.env.FLEXI_VENV_PYTHON ?? resolve('.venv/bin/python');
    const out = execFileSync(python, ['-c', SCRIPT, ...files, String(rateHz)], { encoding: 'utf8' });
    return Number(out.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
