/* global process, performance, console */
// Run an exported Whisper-features ONNX file in onnxruntime-node and in onnxruntime-web's WASM
// backend (in Node), and compare each to the PyTorch features that check_node.py wrote.
//   node training/whisper/check_node.mjs MODEL.onnx AUDIO.f32 REF.f32
// AUDIO.f32: raw float32 samples (S, a multiple of 1280); REF.f32: raw float32 [S / 1280, 384].
// Prints one JSON line per backend: output dims, max / mean abs difference, seconds per run.
import { readFileSync } from 'node:fs';

const [model, audioPath, refPath] = process.argv.slice(2);
const f32 = (p) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const audio = f32(audioPath);
const ref = f32(refPath);

async function check(name, ort, options) {
  const session = await ort.InferenceSession.create(readFileSync(model), options);
  const feeds = { audio: new ort.Tensor('float32', audio, [1, audio.length]) };
  await session.run(feeds); // warm-up
  const t0 = performance.now();
  const { asr } = await session.run(feeds);
  const seconds = (performance.now() - t0) / 1000;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(asr.data[i] - ref[i]);
    max = Math.max(max, d);
    sum += d;
  }
  const same = asr.data.length === ref.length;
  console.log(JSON.stringify({ backend: name, dims: asr.dims, sameLength: same, maxAbs: max, meanAbs: sum / ref.length, seconds }));
}

const node = await import('onnxruntime-node');
await check('onnxruntime-node', node.default ?? node, { intraOpNumThreads: 2 });
const web = await import('onnxruntime-web');
const ortWeb = web.default ?? web;
ortWeb.env.wasm.numThreads = 1; // no worker threads in this check
await check('onnxruntime-web wasm', ortWeb, { executionProviders: ['wasm'] });
