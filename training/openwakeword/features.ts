/**
 * openWakeWord's speech embedding as a candidate feature for the merge (issue 2, docs/SEMANTIC.md).
 *
 * Runs openWakeWord's own front end in onnxruntime-node on corpus utterances and writes one
 * 12.5 Hz embedding a codec frame (T x 96 float32, .npy) for `python3 -m training.boundaries
 * --features openwakeword=DIR`. The pipeline is openWakeWord's: int16-scale samples ->
 * melspectrogram.onnx (32 mel bands, 10 ms hop, 512-sample window, no centring) -> x / 10 + 2 ->
 * embedding_model.onnx over windows of 76 mel frames every 8 (80 ms, the codec's frame rate).
 *
 *   bash training/openwakeword/fetch.sh
 *   npx tsx training/openwakeword/features.ts --corpus training/data/corpus --split valid --out DIR
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { parseWav } from '../../src/core/wav.ts';

const FRAME = 1280; // codec frame, 80 ms at 16 kHz
const MEL_HOP = 160;
const MEL_WINDOW = 512;
const WINDOW_FRAMES = 76; // mel frames an embedding sees (760 ms)
const WINDOW_STEP = 8; // mel frames between embeddings (80 ms)
const BANDS = 32;
const DIM = 96;

/**
 * Samples of silence put before the audio so that embedding i is centred on codec frame i:
 * window i covers mel frames 8i..8i+75, centred at 80i + 375 ms + half a mel window (16 ms);
 * codec frame i is centred at 80i + 40 ms.
 */
const CENTRED_LEAD_SAMPLES = (WINDOW_FRAMES / 2 - 0.5) * MEL_HOP + MEL_WINDOW / 2 - FRAME / 2;
/**
 * Frames by which the embedding is moved later on top of that. The wake-word model weighs the end
 * of its window more than the middle: on 111 held-out festival utterances at 6.25 Hz, merge purity
 * was 0.344 / 0.368 / 0.387 / 0.363 / 0.364 at -1 / 0 / +1 / +2 / +3 frames, so +1 is the default.
 */
const DEFAULT_SHIFT_FRAMES = 1;

interface ManifestRow {
  file: string;
  split?: string;
  phones?: unknown[];
}

/** A float32 C-order array in NumPy's .npy format (version 1.0). */
function npy(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** T embeddings (T x 96) for T = floor(samples / 1280) codec frames of 16 kHz audio in [-1, 1]. */
export async function embed(
  mel: ort.InferenceSession,
  emb: ort.InferenceSession,
  audio: Float32Array,
  shiftFrames = DEFAULT_SHIFT_FRAMES,
) {
  const frames = Math.floor(audio.length / FRAME);
  const lead = CENTRED_LEAD_SAMPLES + shiftFrames * FRAME;
  if (lead < 0) throw new Error(`shift ${shiftFrames} frames moves the audio before the first window`);
  const melFramesNeeded = (frames - 1) * WINDOW_STEP + WINDOW_FRAMES;
  const padded = new Float32Array(
    Math.max((melFramesNeeded - 1) * MEL_HOP + MEL_WINDOW, lead + frames * FRAME),
  );
  for (let i = 0; i < frames * FRAME; i++) padded[lead + i] = audio[i] * 32767; // int16 scale
  const melOut = await mel.run({ input: new ort.Tensor('float32', padded, [1, padded.length]) });
  const spec = melOut.output.data as Float32Array; // (melFrames, 32)
  if (spec.length < melFramesNeeded * BANDS)
    throw new Error(`mel front end gave ${spec.length / BANDS} frames`);
  const windows = new Float32Array(frames * WINDOW_FRAMES * BANDS);
  for (let i = 0; i < frames; i++) {
    const src = spec.subarray(i * WINDOW_STEP * BANDS, (i * WINDOW_STEP + WINDOW_FRAMES) * BANDS);
    const dst = windows.subarray(i * WINDOW_FRAMES * BANDS);
    for (let k = 0; k < src.length; k++) dst[k] = src[k] / 10 + 2;
  }
  const out = await emb.run({
    input_1: new ort.Tensor('float32', windows, [frames, WINDOW_FRAMES, BANDS, 1]),
  });
  return { data: out.conv2d_19.data as Float32Array, frames };
}

async function main() {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', default: 'training/data/corpus' },
      split: { type: 'string', default: 'valid' },
      models: { type: 'string', default: 'training/data/cache/openwakeword' },
      limit: { type: 'string', default: '200' },
      shift: { type: 'string', default: String(DEFAULT_SHIFT_FRAMES) },
      out: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out DIR is required');
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };
  const mel = await ort.InferenceSession.create(join(values.models, 'melspectrogram.onnx'), opts);
  const emb = await ort.InferenceSession.create(join(values.models, 'embedding_model.onnx'), opts);
  const rows = readFileSync(join(values.corpus, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ManifestRow)
    .filter((r) => r.split === values.split && r.phones?.length)
    .slice(0, Number(values.limit));
  let written = 0;
  for (const r of rows) {
    const wav = parseWav(readFileSync(join(values.corpus, r.file)));
    if (wav.sampleRateHz !== 16000) throw new Error(`${r.file}: ${wav.sampleRateHz} Hz, expected 16000`);
    if (wav.samples.length < FRAME) continue;
    const { data, frames } = await embed(mel, emb, wav.samples, Number(values.shift));
    const dest = join(values.out, r.file.replace(/\.wav$/, '.npy'));
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, npy(data, [frames, DIM]));
    written++;
  }
  console.log(`wrote ${written} feature files to ${values.out} (shifted ${values.shift} frames)`);
}

await main();
