/** The codec pipeline on the real exported models: lengths, rates, bitrate accounting, bad audio. */
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/core/codec.ts';
import { codeGroupsAtRate } from '../src/core/code-groups.ts';
import { FxcFormatError } from '../src/core/errors.ts';
import { HAVE_MODELS, NO_MODELS_REASON, realCodec, speechSamples } from './helpers/models.ts';
import { seededRandom } from './helpers/random.ts';

const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));
const mean = (x: Float32Array) => x.reduce((a, v) => a + v, 0) / Math.max(1, x.length);

describe.skipIf(!HAVE_MODELS)('codec on the real models', () => {
  it('encodes and decodes held-out speech at 12.5, 6.25 and 3 Hz with the right length and rate', async () => {
    const codec = await realCodec();
    const speech = speechSamples();
    for (const rate of [12.5, 6.25, 3]) {
      const r = await codec.encode(speech, { frameRateHz: rate });
      expect(Math.abs(r.achievedRateHz - rate)).toBeLessThanOrEqual(0.25);
      expect(r.frames).toBe(Math.ceil(speech.length / 1280));
      expect(r.lengths.reduce((a, b) => a + b, 0)).toBe(r.frames);
      expect(r.bitrateBps).toBeCloseTo((r.fxc.length * 8) / (speech.length / 16000), 6);
      // The shipped model codes pitch with the compact header: version 5 (version 4's with the
      // file's code groups: 9 from 9 Hz up, 7 below), range-coded, a pitch level per frame (per two
      // frames below 5 Hz), and smaller than the same content at fixed width: 14 + 4 bytes of header
      // and CRC for these 6 s, 3 + 12 bits a code per segment and 6 per coded pitch level
      // (docs/FORMAT.md, what entropy coding saves).
      expect(r.fxc[3]).toBe(5);
      const groups = codeGroupsAtRate(codec.manifest, rate);
      expect(codec.readHeader(r.fxc).codeGroups).toBe(groups);
      expect(groups).toBe(rate >= 9 ? 9 : 7);
      const levels = rate < 5 ? Math.ceil(r.frames / 2) : r.frames;
      const segmentBits = 3 + 12 * groups;
      expect(r.fxc.length).toBeLessThan(18 + Math.ceil((r.segments * segmentBits + levels * 6) / 8));
      const out = await codec.decode(r.fxc);
      expect(out.length).toBe(speech.length);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(codec.readHeader(r.fxc)).toMatchObject({ sampleCount: speech.length, targetRateHz: rate });
    }
  });

  it('lower target rates give smaller files', async () => {
    const codec = await realCodec();
    const session = await codec.analyze(speechSamples());
    const sizes = [];
    for (const rate of [12.5, 8.33, 6.25, 3]) sizes.push((await session.recode(rate)).fxc.length);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1]);
  });

  it('fixed-rate mode codes constant-length segments at the same average rate', async () => {
    const codec = await realCodec();
    const r = await codec.encode(speechSamples(), { frameRateHz: 6.25, fixed: true });
    expect(Array.from(r.lengths.subarray(0, -1)).every((l) => l === 2)).toBe(true);
    expect(Math.abs(r.achievedRateHz - 6.25)).toBeLessThanOrEqual(0.25);
    expect(Number.isNaN(r.tau)).toBe(true);
    expect((await codec.decode(r.fxc)).length).toBe(speechSamples().length);
  });

  it('codes silence (zero-norm features) and decodes it quietly', async () => {
    const codec = await realCodec();
    const silence = new Float32Array(3 * 16000);
    const r = await codec.encode(silence, { frameRateHz: 6.25 });
    const out = await codec.decode(r.fxc);
    expect(out.length).toBe(silence.length);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(rms(out)).toBeLessThan(rms(speechSamples()));
  });

  it('codes a 50 ms file: one frame, 800 samples back', async () => {
    const codec = await realCodec();
    const short = speechSamples().slice(16000, 16800);
    const r = await codec.encode(short, { frameRateHz: 6.25 });
    expect(r.frames).toBe(1);
    expect(r.segments).toBe(1);
    expect((await codec.decode(r.fxc)).length).toBe(800);
  });

  it('codes hard-clipped speech to finite audio of the right length', async () => {
    const codec = await realCodec();
    const clipped = speechSamples().map((v) => Math.max(-1, Math.min(1, v * 20)));
    const r = await codec.encode(clipped, { frameRateHz: 6.25 });
    const out = await codec.decode(r.fxc);
    expect(out.length).toBe(clipped.length);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('removes a DC offset: speech + 0.3 codes like the speech itself', async () => {
    const codec = await realCodec();
    const speech = speechSamples();
    const offset = speech.map((v) => v + 0.3);
    // 12.5 Hz: every segment one frame, so the two files' codes line up one for one. The codes,
    // not the audio, are compared: FARGAN is chaotic, so audio from nearly equal features differs.
    const clean = codec.parse((await codec.encode(speech, { frameRateHz: 12.5 })).fxc);
    const shiftedFxc = (await codec.encode(offset, { frameRateHz: 12.5 })).fxc;
    const shifted = codec.parse(shiftedFxc);
    expect(shifted.lengths).toEqual(clean.lengths);
    let same = 0;
    for (let i = 0; i < clean.codes.length; i++) if (clean.codes[i] === shifted.codes[i]) same++;
    const share = same / clean.codes.length;
    // Model 12f4d951: 0.98 of the codes equal; without the DC blocker (PyTorch on the raw offset
    // audio) 0.05.
    expect(share).toBeGreaterThan(0.8);
    expect(Math.abs(mean(await codec.decode(shiftedFxc)))).toBeLessThan(0.02);
  });

  it('replaces NaN and infinity in library input instead of poisoning the model', async () => {
    const codec = await realCodec();
    const bad = speechSamples().slice(0, 16000);
    bad[100] = NaN;
    bad[200] = Infinity;
    const out = await codec.decode((await codec.encode(bad, { frameRateHz: 6.25 })).fxc);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('refuses empty audio, rates outside the model range, and files of another model', async () => {
    const codec = await realCodec();
    await expect(codec.encode(new Float32Array(0), { frameRateHz: 6.25 })).rejects.toThrow(/empty audio/);
    await expect(codec.encode(speechSamples(), { frameRateHz: 20 })).rejects.toThrow(/outside 1.5625..12.5/);
    await expect(codec.encode(speechSamples(), { frameRateHz: 1 })).rejects.toThrow(RangeError);
    const other = new Codec({ ...codec.manifest, modelId: '00c0ffee' }, codec.backend, codec.merger);
    const fxc = (await other.encode(speechSamples().slice(0, 4000), { frameRateHz: 6.25 })).fxc;
    await expect(codec.decode(fxc)).rejects.toThrow(FxcFormatError);
    await expect(codec.decode(fxc)).rejects.toThrow(
      `made with model 00c0ffee, but model ${codec.manifest.modelId}`,
    );
  });

  it('is deterministic: the same audio gives the same bytes', async () => {
    const codec = await realCodec();
    const random = seededRandom(11);
    const noise = Float32Array.from({ length: 20000 }, () => (random() - 0.5) * 0.2);
    const a = await codec.encode(noise, { frameRateHz: 6.25 });
    const b = await codec.encode(noise, { frameRateHz: 6.25 });
    expect(Array.from(a.fxc)).toEqual(Array.from(b.fxc));
  });
});

if (!HAVE_MODELS)
  describe.skip(`codec on the real models: ${NO_MODELS_REASON}`, () => it('skipped', () => {}));
