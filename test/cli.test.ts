/** The `flexicodec` command end to end, as a user runs it: real WAV files in, real models. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { resample, resampledLength } from '../src/core/resample.ts';
import { parseWav, writeWav } from '../src/core/wav.ts';
import {
  HAVE_MODELS,
  MODELS_DIR,
  NO_MODELS_REASON,
  SPEECH_FIXTURE,
  speechSamples,
} from './helpers/models.ts';
import { buildWav } from './helpers/wav-builder.ts';

const BIN = fileURLToPath(new URL('../bin/flexicodec.js', import.meta.url));
const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with one onnxruntime thread (the machine is shared); never throws. */
async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--threads', '1'], {
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const samplesOf = (path: string) => parseWav(new Uint8Array(readFileSync(path)));

describe('CLI without models', () => {
  it('prints usage, and exits 2 on a usage error', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('flexicodec encode IN.wav');
    const bad = await cli('transcode', 'x.wav');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "transcode"');
    expect((await cli('encode')).stderr).toContain('no input file given');
    expect((await cli('encode', 'a.wav', '--frame-rate', 'fast')).stderr).toContain('is not a number');
  });

  it('says which models folder is missing', async () => {
    const r = await cli(
      'encode',
      SPEECH_FIXTURE,
      '-o',
      join(tmpdir(), 'never.fxc'),
      '--models',
      '/nonexistent',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read /nonexistent/models.json');
  });
});

describe.skipIf(!HAVE_MODELS)('CLI on the real models', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flexicodec-cli-'));
    // Models folders made here find the vocoder where models.json names it, ../vocoder/.
    symlinkSync(resolve(MODELS_DIR, '../vocoder'), join(dir, 'vocoder'));
  });

  it('encodes, describes and decodes held-out speech: right length, rate and bitrate', async () => {
    const fxc = join(dir, 'speech.fxc');
    const wav = join(dir, 'speech.wav');
    const enc = await cli('encode', SPEECH_FIXTURE, '-o', fxc, '--frame-rate', '6.25');
    expect(enc.code).toBe(0);
    expect(enc.stdout).toMatch(/6\.07 s, \d+ bytes, \d+ bit\/s, 6\.\d\d Hz \(target 6\.25\)/);
    const info = await cli('info', fxc, '--json');
    const meta = JSON.parse(info.stdout);
    expect(meta.sampleCount).toBe(speechSamples().length);
    expect(Math.abs(meta.achievedRateHz - 6.25)).toBeLessThanOrEqual(0.25);
    expect(meta.bitrateBps).toBeCloseTo((readFileSync(fxc).length * 8) / meta.durationS, 6);
    expect(meta.segmentLengthHistogram.reduce((a: number, n: number, i: number) => a + n * (i + 1), 0)).toBe(
      meta.frames,
    );
    expect(meta.modelLoaded).toBe(true);
    const text = await cli('info', fxc);
    expect(text.stdout).toContain('segment lengths');
    const dec = await cli('decode', fxc, '-o', wav);
    expect(dec.code).toBe(0);
    const out = samplesOf(wav);
    expect(out.sampleRateHz).toBe(16000);
    expect(out.samples.length).toBe(speechSamples().length);
  });

  it('converts a 44.1 kHz stereo 24-bit WAV to 16 kHz mono', async () => {
    const speech = speechSamples();
    const at44k = resample(speech, 16000, 44100);
    const stereo = buildWav(
      { type: 'int24', extensible: true, channels: 2, rateHz: 44100 },
      (c, i) => (c ? 0.5 : 1) * at44k[i],
      at44k.length,
    );
    const input = join(dir, 'stereo44k.wav');
    writeFileSync(input, stereo);
    expect((await cli('encode', input)).code).toBe(0);
    expect((await cli('decode', join(dir, 'stereo44k.fxc'), '--float')).code).toBe(0);
    const out = samplesOf(join(dir, 'stereo44k.wav'));
    expect(out.samples.length).toBe(resampledLength(at44k.length, 44100, 16000));
  });

  it('handles silence, a 50 ms file, clipping and DC offset', async () => {
    const speech = speechSamples();
    const cases: Record<string, Float32Array> = {
      silence: new Float32Array(32000),
      short50ms: speech.slice(16000, 16800),
      clipped: speech.map((v) => Math.max(-1, Math.min(1, v * 20))),
      dc: speech.map((v) => v * 0.5 + 0.4),
    };
    const input = join(dir, 'odd');
    mkdirSync(input);
    for (const [name, samples] of Object.entries(cases))
      writeFileSync(join(input, `${name}.wav`), writeWav(samples, 16000));
    const enc = await cli('encode', input, '-o', join(dir, 'odd-fxc'));
    expect(enc.code, enc.stderr).toBe(0);
    const dec = await cli('decode', join(dir, 'odd-fxc'), '-o', join(dir, 'odd-out'));
    expect(dec.code, dec.stderr).toBe(0);
    for (const [name, samples] of Object.entries(cases)) {
      const out = samplesOf(join(dir, 'odd-out', `${name}.wav`)).samples;
      expect(out.length, name).toBe(samples.length);
      if (name === 'dc') expect(Math.abs(out.reduce((a, v) => a + v, 0) / out.length)).toBeLessThan(0.02);
    }
  });

  it('gives clear errors naming the file for 0-byte, non-WAV, truncated and corrupt inputs', async () => {
    const empty = join(dir, 'empty.wav');
    writeFileSync(empty, new Uint8Array(0));
    const text = join(dir, 'notes.wav');
    writeFileSync(text, 'these are not samples\n');
    const truncated = join(dir, 'truncated.wav');
    writeFileSync(truncated, readFileSync(SPEECH_FIXTURE).subarray(0, 5000));
    const r = await cli('encode', empty, text, truncated, '-o', join(dir, 'bad-out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${empty}: empty file (0 bytes), not a WAV file`);
    expect(r.stderr).toContain(`${text}: not a WAV file`);
    expect(r.stderr).toMatch(
      /truncated\.wav: truncated WAV: the data chunk claims 194160 bytes but only 4956/,
    );
    const fxc = join(dir, 'corrupt.fxc');
    const bytes = readFileSync(join(dir, 'speech.fxc'));
    bytes[30] ^= 0xff;
    writeFileSync(fxc, bytes);
    const bad = await cli('decode', fxc, '-o', join(dir, 'corrupt.wav'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${fxc}: corrupt .fxc file: CRC-32 mismatch`);
    expect(existsSync(join(dir, 'corrupt.wav'))).toBe(false);
  });

  it('refuses a file from another model and names the model it needs', async () => {
    const other = join(dir, 'other-models');
    mkdirSync(other);
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8'));
    for (const spec of Object.values(manifest.models) as { file: string }[])
      copyFileSync(join(MODELS_DIR, spec.file), join(other, spec.file));
    const original = manifest.modelId;
    manifest.modelId = original === '00c0ffee' ? '00c0ffef' : '00c0ffee';
    writeFileSync(join(other, 'models.json'), JSON.stringify(manifest));
    const r = await cli('decode', join(dir, 'speech.fxc'), '-o', join(dir, 'x.wav'), '--models', other);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`made with model ${original}, which is not here`);
    expect(r.stderr).toContain(
      `the models folder has model ${manifest.modelId} and no archived decoder for ${original}`,
    );
    expect(r.stderr).toContain(`"modelId": "${original}"`);
  });

  it('info reads a note of an archived model with its tables, and of an absent model the header', async () => {
    const folder = join(dir, 'info-models');
    mkdirSync(join(folder, 'archive'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8'));
    const original = manifest.modelId as string;
    writeFileSync(join(folder, 'models.json'), JSON.stringify({ ...manifest, modelId: 'c0ffee00' }));
    const note = join(dir, 'speech.fxc');
    const absent = JSON.parse((await cli('info', note, '--json', '--models', folder)).stdout);
    expect(absent).toMatchObject({
      modelLoaded: false,
      modelArchived: false,
      payloadRead: false,
      segments: null,
    });
    expect(absent.frames).toBe(Math.ceil(speechSamples().length / 1280));
    expect((await cli('info', note, '--models', folder)).stdout).toContain(
      `reading its segments needs model ${original}'s entropy tables`,
    );
    // archived: its decode-only models.json carries the tables that read the payload
    const archived = JSON.stringify({
      ...manifest,
      decodeOnly: true,
      models: { decoder: manifest.models.decoder },
    });
    mkdirSync(join(folder, 'archive', original));
    writeFileSync(join(folder, 'archive', original, 'models.json'), archived);
    const sha256 = createHash('sha256').update(archived).digest('hex');
    const index = {
      formatVersion: 1,
      models: [{ modelId: original, dir: `${original}/`, sha256, bytes: 1 }],
    };
    writeFileSync(join(folder, 'archive', 'index.json'), JSON.stringify({ ...index, shipped: [original] }));
    const read = JSON.parse((await cli('info', note, '--json', '--models', folder)).stdout);
    expect(read).toMatchObject({ modelLoaded: false, modelArchived: true, payloadRead: true });
    expect(Math.abs(read.achievedRateHz - 6.25)).toBeLessThanOrEqual(0.25);
  });

  it('maps folders to folders, keeps going past a bad file, and exits 1', async () => {
    const input = join(dir, 'batch');
    mkdirSync(join(input, 'sub'), { recursive: true });
    copyFileSync(SPEECH_FIXTURE, join(input, 'a.wav'));
    writeFileSync(join(input, 'sub', 'b.wav'), writeWav(speechSamples().slice(0, 24000), 16000));
    writeFileSync(join(input, 'sub', 'broken.wav'), 'RIFF');
    writeFileSync(join(input, 'ignored.txt'), 'not audio');
    const codes = join(dir, 'batch-fxc');
    const enc = await cli('encode', input, '-o', codes);
    expect(enc.code).toBe(1);
    expect(enc.stderr).toContain('broken.wav: not a WAV file');
    expect(existsSync(join(codes, 'a.fxc'))).toBe(true);
    expect(existsSync(join(codes, 'sub', 'b.fxc'))).toBe(true);
    const back = join(dir, 'batch-wav');
    const dec = await cli('decode', codes, '-o', back);
    expect(dec.code).toBe(0);
    expect(samplesOf(join(back, 'sub', 'b.wav')).samples.length).toBe(24000);
    expect(samplesOf(join(back, 'a.wav')).samples.length).toBe(speechSamples().length);
  });
});

if (!HAVE_MODELS) describe.skip(`CLI on the real models: ${NO_MODELS_REASON}`, () => it('skipped', () => {}));
