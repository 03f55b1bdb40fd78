/**
 * Measures peak memory (max RSS) and speed of the CLI on long speech: `npx tsx
 * test/measure-long-audio.ts [minutes...]` (default 5 60). Builds a WAV of the held-out fixture
 * repeated with varying gain, streamed to disk, then runs `flexicodec encode` and `decode` under
 * /usr/bin/time. Bounded memory means the 60-minute peak is the 5-minute peak plus a small constant.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWavSamples, parseWav, wavHeader } from '../src/core/wav.ts';

const BIN = fileURLToPath(new URL('../bin/flexicodec.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/speech-en-6s.wav', import.meta.url));

/** Writes `minutes` of speech as 16-bit 16 kHz mono without holding it in memory. */
function writeLongWav(path: string, minutes: number): void {
  const speech = parseWav(new Uint8Array(readFileSync(FIXTURE))).samples;
  const total = Math.round(minutes * 60 * 16000);
  const fd = openSync(path, 'w');
  writeSync(fd, wavHeader(total, 16000));
  for (let done = 0, rep = 0; done < total; rep++) {
    const gain = 0.5 + 0.5 * Math.abs(Math.sin(rep));
    const piece = speech.slice(0, Math.min(speech.length, total - done)).map((v) => v * gain);
    writeSync(fd, encodeWavSamples(piece));
    done += piece.length;
  }
  closeSync(fd);
}

/** Runs the CLI under /usr/bin/time; returns peak RSS in MB and wall seconds. */
function measure(args: string[]): { peakMb: number; seconds: number } {
  const script = `/usr/bin/time -f '%M %e' "$@" 2>&1 >/dev/null | tail -1`;
  const result = execFileSync('/bin/sh', ['-c', script, 'sh', process.execPath, BIN, ...args, '-q'], {
    encoding: 'utf8',
  }).trim();
  const [kb, seconds] = result.split(' ').map(Number);
  if (!Number.isFinite(kb)) throw new Error(`flexicodec ${args.join(' ')} failed: ${result}`);
  return { peakMb: kb / 1024, seconds };
}

const minutesList = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'flexicodec-long-'));
console.log('| audio | encode peak RSS | encode time | decode peak RSS | decode time | .fxc size |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const minutes of minutesList.length ? minutesList : [5, 60]) {
  const wav = join(dir, `long-${minutes}.wav`);
  const fxc = join(dir, `long-${minutes}.fxc`);
  writeLongWav(wav, minutes);
  const enc = measure(['encode', wav, '-o', fxc, '--frame-rate', '6.25', '--threads', '2']);
  const dec = measure(['decode', fxc, '-o', join(dir, `long-${minutes}-out.wav`), '--threads', '2']);
  const seconds = minutes * 60;
  console.log(
    `| ${minutes} min | ${enc.peakMb.toFixed(0)} MB | ${enc.seconds.toFixed(1)} s (RTF ${(enc.seconds / seconds).toFixed(3)}) | ` +
      `${dec.peakMb.toFixed(0)} MB | ${dec.seconds.toFixed(1)} s (RTF ${(dec.seconds / seconds).toFixed(3)}) | ${statSync(fxc).size} bytes |`,
  );
}
rmSync(dir, { recursive: true, force: true });
