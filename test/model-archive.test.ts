/**
 * A new model loses no voice note: files name their model, and a models folder keeps the decoders
 * of the models shipped before its own (public/models/archive/). Two real model versions: the
 * shipped one, and a78344e1, the model shipped before it, whole (test/helpers/older-model.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFxc } from '../src/core/bitstream.ts';
import { ModelUnavailableError } from '../src/core/errors.ts';
import { parseManifest } from '../src/core/manifest.ts';
import { parseWav } from '../src/core/wav.ts';
import {
  EMPTY_ARCHIVE,
  ModelDecoders,
  parseArchiveIndex,
  type ArchiveEntry,
  type ArchiveIndex,
} from '../src/core/model-archive.ts';
import { archiveModel } from '../src/node/archive-model.ts';
import { decode, loadCodec, loadDecoders } from '../src/node/index.ts';
import { TEST_LAYOUT } from './helpers/layout.ts';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS_REASON, speechSamples } from './helpers/models.ts';
import { olderModelDir } from './helpers/older-model.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A stand-in for a codec: all ModelDecoders needs is the model id. */
const bound = (modelId: string) => ({ manifest: { modelId } });

function entry(modelId: string): ArchiveEntry {
  return { modelId, dir: `${modelId}/`, sha256: 'a'.repeat(64), bytes: 14_700_000 };
}

describe('ModelDecoders', () => {
  it('decodes the current model, loads an archived one once, and names a model it lacks', async () => {
    const loads: string[] = [];
    const index: ArchiveIndex = { formatVersion: 1, models: [entry('0306ab16')], shipped: ['0306ab16'] };
    const decoders = new ModelDecoders(bound('95756a0b'), {
      index: async () => index,
      load: async (e) => (loads.push(e.modelId), bound(e.modelId)),
    });
    expect((await decoders.forModel('95756a0b')).manifest.modelId).toBe('95756a0b');
    const old = writeFxc(
      { ...TEST_LAYOUT, modelId: '0306ab16', sampleCount: 1280, targetRateHz: 6.25 },
      { ...TEST_LAYOUT, modelId: '0306ab16' },
      [1],
      [1, 2, 3, 4, 5, 6, 7],
    );
    expect((await decoders.forFile(old)).manifest.modelId).toBe('0306ab16');
    await decoders.forModel('0306ab16');
    expect(loads).toEqual(['0306ab16']);
    expect(decoders.isLoaded('0306ab16')).toBe(true);
    const missing = decoders.forModel('4bb024e4');
    await expect(missing).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(missing).rejects.toThrow(
      /made with model 4bb024e4, which is not here: the models folder has model 95756a0b and no archived decoder for 4bb024e4\. The note is kept/,
    );
  });

  it('a decoder that cannot be fetched (offline) says which model and how big, and is tried again later', async () => {
    let online = false;
    const decoders = new ModelDecoders(bound('95756a0b'), {
      index: async () => ({ ...EMPTY_ARCHIVE, models: [entry('0306ab16')] }),
      load: async (e) => {
        if (!online) throw new Error('Failed to fetch');
        return bound(e.modelId);
      },
    });
    await expect(decoders.forModel('0306ab16')).rejects.toThrow(
      /needs the decoder of model 0306ab16 \(14\.7 MB\), which is not on this device and cannot be fetched now \(Failed to fetch\)\. The note is kept/,
    );
    expect(decoders.isLoaded('0306ab16')).toBe(false);
    online = true;
    expect((await decoders.forModel('0306ab16')).manifest.modelId).toBe('0306ab16');
  });

  it('refuses an archive entry that holds another model', async () => {
    const decoders = new ModelDecoders(bound('95756a0b'), {
      index: async () => ({ ...EMPTY_ARCHIVE, models: [entry('0306ab16')] }),
      load: async () => bound('deadbeef'),
    });
    await expect(decoders.forModel('0306ab16')).rejects.toThrow(/holds model deadbeef, not 0306ab16/);
  });
});

describe('the shipped archive', () => {
  const indexPath = join(MODELS_DIR, 'archive', 'index.json');
  const index = parseArchiveIndex(JSON.parse(readFileSync(indexPath, 'utf8')));

  it.skipIf(!HAVE_MODELS)(
    'every model that ever shipped is the current one or archived, files intact',
    () => {
      const current = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
      for (const id of index.shipped) {
        const archived = index.models.find((e) => e.modelId === id);
        expect(
          id === current.modelId || archived,
          `model ${id} has shipped, so users may hold notes made with it, but public/models holds model ` +
            `${current.modelId} and archive/ has no decoder for ${id}: restore ${id}'s models.json and decoder.onnx ` +
            `(git show <commit>:public/models/…) into a folder and run npm run models:archive -- --models FOLDER`,
        ).toBeTruthy();
      }
      for (const e of index.models) {
        const dir = join(MODELS_DIR, 'archive', e.dir);
        const manifestBytes = readFileSync(join(dir, 'models.json'));
        expect(sha256(manifestBytes), `${e.dir}models.json`).toBe(e.sha256);
        const m = JSON.parse(manifestBytes.toString('utf8')) as {
          models: { decoder: { file: string; sha256: string } };
        };
        expect(sha256(readFileSync(join(dir, m.models.decoder.file))), `${e.dir} decoder`).toBe(
          m.models.decoder.sha256,
        );
      }
    },
  );
});

// test/fixtures/notes/: each encoded and decoded by the CLI while its model was public/models' model.
const ARCHIVED_NOTES = [
  { modelId: 'a78344e1', what: 'the last model before v3' },
  { modelId: '12f4d951', what: 'the first v3 model' },
  { modelId: '9c121df7', what: 'the last v3 model of 7 code groups at every rate' },
  { modelId: '90cf3396', what: 'the last v3 model of the threshold merge' },
  { modelId: 'fd6b53bc', what: 'the last v3 model before the Whisper streams' },
  { modelId: '4f4687ad', what: 'the first model with Whisper streams, trained on cepstral layouts' },
];

describe.skipIf(!HAVE_MODELS).each(ARCHIVED_NOTES)(
  'a note of model $modelId, $what, after the switch',
  ({ modelId }) => {
    const fxcPath = `test/fixtures/notes/${modelId}.fxc`;
    const before = parseWav(
      new Uint8Array(readFileSync(`test/fixtures/notes/${modelId}-decoded.wav`)),
    ).samples;

    it('decodes with its archived decoder to the audio it decoded to before the switch', async () => {
      const fxc = new Uint8Array(readFileSync(fxcPath));
      const current = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
      expect(current.modelId).not.toBe(modelId);
      const decoders = await loadDecoders({ modelsDir: MODELS_DIR, intraOpThreads: 1 });
      const codec = await decoders.forFile(fxc);
      expect(codec.manifest.modelId).toBe(modelId);
      const audio = await codec.decode(fxc);
      expect(audio.length).toBe(before.length);
      // The same decoder file on the same runtime: equal but for the 16-bit rounding of the stored WAV.
      let worst = 0;
      for (let i = 0; i < audio.length; i++) worst = Math.max(worst, Math.abs(audio[i] - before[i]));
      expect(worst).toBeLessThanOrEqual(1.01 / 32768);
    });

    it('the CLI decodes it with the archived decoder and says so', async () => {
      const dir = mkdtempSync(join(tmpdir(), `flexicodec-${modelId}-`));
      const r = await cli('decode', fxcPath, '-o', join(dir, 'note.wav'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`(model ${modelId}, archived)`);
      expect(parseWav(new Uint8Array(readFileSync(join(dir, 'note.wav')))).samples).toEqual(before);
    });
  },
);

describe.skipIf(!HAVE_MODELS)('the shipped model, once a later model replaces it', () => {
  it('archives, and its archived decoder (features through the vocoder) decodes its notes as before', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flexicodec-v3-archive-'));
    symlinkSync(resolve(MODELS_DIR, '../vocoder'), join(root, 'vocoder'));
    // A later models folder: the same files under another id, the v3 model in its archive.
    const later = join(root, 'models');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(later);
    const current = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
    for (const m of Object.values(current.models))
      symlinkSync(resolve(MODELS_DIR, m.file), join(later, m.file));
    writeFileSync(join(later, 'models.json'), JSON.stringify({ ...current, modelId: 'c0ffee03' }));
    const { entry } = await archiveModel(MODELS_DIR, join(later, 'archive'));
    expect(entry.modelId).toBe(current.modelId);
    const archived = JSON.parse(readFileSync(join(later, 'archive', entry.dir, 'models.json'), 'utf8'));
    expect(archived).toMatchObject({
      formatVersion: current.formatVersion,
      decodeOnly: true,
      encoderInput: 'vocoder-features',
    });
    expect(Object.keys(archived.models)).toEqual(['decoder']);

    const codec = await loadCodec({ modelsDir: MODELS_DIR, intraOpThreads: 1 });
    const speech = speechSamples().slice(0, 3 * 16000);
    const note = (await codec.encode(speech, { frameRateHz: 6.25 })).fxc;
    const before = await codec.decode(note);
    const decoders = await loadDecoders({ modelsDir: later, intraOpThreads: 1 });
    const old = await decoders.forFile(note);
    expect(old.manifest.modelId).toBe(current.modelId);
    expect(old).not.toBe(decoders.current);
    expect(await old.decode(note)).toEqual(before);
    await codec.backend.release();
  });
});

const BIN = fileURLToPath(new URL('../bin/flexicodec.js', import.meta.url));
const run = promisify(execFile);

/** Runs the CLI (two threads); never throws. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

describe.skipIf(!HAVE_MODELS)('two model versions on Node', () => {
  let dir = '';
  let updated = '';
  let forgot = '';
  let oldModel = '';
  let oldId = '';
  let oldFxc = '';
  let oldAudio: Float32Array;

  beforeAll(async () => {
    oldModel = olderModelDir();
    dir = mkdtempSync(join(tmpdir(), 'flexicodec-archive-'));
    // Two updated models folders of today's shipped model, without its archive: "updated" gets
    // the old model archived next to it, "forgot" does not.
    const { mkdirSync } = await import('node:fs');
    const current = parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, 'models.json'), 'utf8')));
    [updated, forgot] = [join(dir, 'updated', 'models'), join(dir, 'forgot', 'models')];
    for (const models of [updated, forgot]) {
      mkdirSync(models, { recursive: true });
      for (const file of ['models.json', ...Object.values(current.models).map((m) => m.file)])
        symlinkSync(resolve(MODELS_DIR, file), join(models, file));
      // The vocoder's files, which models.json names relative to the models folder (../vocoder/).
      symlinkSync(resolve(MODELS_DIR, '../vocoder'), join(models, '..', 'vocoder'));
    }
    const archived = await archiveModel(oldModel, join(updated, 'archive'));
    expect(archived.added).toBe(true);
    oldId = archived.entry.modelId;
    // A note recorded before the update, with the old model.
    const old = await loadCodec({ modelsDir: oldModel, intraOpThreads: 2 });
    const encoded = await old.encode(speechSamples(), { frameRateHz: 6.25 });
    oldFxc = join(dir, 'before-the-update.fxc');
    writeFileSync(oldFxc, encoded.fxc);
    oldAudio = await old.decode(encoded.fxc);
    await old.backend.release();
  }, 180_000);

  it('the archive script is idempotent and lists the model once, as shipped', async () => {
    const again = await archiveModel(oldModel, join(updated, 'archive'));
    expect(again.added).toBe(false);
    const index = parseArchiveIndex(JSON.parse(readFileSync(join(updated, 'archive', 'index.json'), 'utf8')));
    expect(index.models.map((e) => e.modelId)).toEqual([oldId]);
    expect(index.shipped).toEqual([oldId]);
    // Decode side only: no encoder or quantizer in the archive.
    const m = JSON.parse(readFileSync(join(updated, 'archive', oldId, 'models.json'), 'utf8'));
    expect(Object.keys(m.models)).toEqual(['decoder']);
    expect(m.decodeOnly).toBe(true);
  });

  it('the library API decodes a note of the old model after the update, sample for sample', async () => {
    const fxc = new Uint8Array(readFileSync(oldFxc));
    const audio = await decode(fxc, { modelsDir: updated });
    expect(audio.length).toBe(speechSamples().length);
    expect(audio).toEqual(oldAudio);
    const decoders = await loadDecoders({ modelsDir: updated, intraOpThreads: 2 });
    expect(decoders.current.manifest.modelId).not.toBe(oldId);
    await expect(
      (await decoders.forFile(fxc)).encode(speechSamples(), { frameRateHz: 6.25 }),
    ).rejects.toThrow(/archived for decoding only/);
  });

  it('the CLI decodes it with the archived decoder, and without the archive says which model it needs', async () => {
    const wav = join(dir, 'after.wav');
    const ok = await cli('decode', oldFxc, '-o', wav, '--models', updated);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`(model ${oldId}, archived)`);
    const info = await cli('info', oldFxc, '--models', updated);
    expect(info.stdout).toContain(`${oldId} (an earlier model: its archived decoder decodes it)`);

    const refused = await cli(
      'decode',
      oldFxc,
      '-o',
      join(dir, 'never.wav'),
      '--models',
      oldModel + '-missing',
    );
    expect(refused.code).toBe(1);
    const lacking = await cli('decode', oldFxc, '-o', join(dir, 'never.wav'), '--models', forgot);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toContain(`this note was made with model ${oldId}, which is not here`);
    expect(lacking.stderr).toContain(`"modelId": "${oldId}"`);
  });

  it('a damaged archived decoder is refused by its sha256, naming the model', async () => {
    const broken = join(dir, 'broken', 'models');
    const { cpSync } = await import('node:fs');
    cpSync(join(updated, '..'), join(broken, '..'), { recursive: true, dereference: true });
    const decoderPath = join(broken, 'archive', oldId, 'decoder.onnx');
    const bytes = readFileSync(decoderPath);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(decoderPath, bytes);
    const r = await cli('decode', oldFxc, '-o', join(dir, 'never.wav'), '--models', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`needs the decoder of model ${oldId} .*sha256`));
  });
});

if (!HAVE_MODELS) console.warn(NO_MODELS_REASON);
