/**
 * Real encoder features for the kernel test: the shipped encoder.onnx on onnxruntime-web's
 * WebGPU execution provider, run on the committed speech fixture (through the vocoder's analysis
 * first where the encoder reads vocoder features, as the v3 models'; through asr.onnx where the
 * model reads Whisper's rows, as the runtime's chunking cuts them). Outputs stay on the GPU (ORT
 * gpu-buffer tensors) and the merger is built on ORT's own device, as in the worker; a merge stream
 * of asr.onnx's rows is uploaded to that device, as the worker's merger uploads it.
 */
import * as ort from 'onnxruntime-web/webgpu';
import {
  asrFeatureDim,
  encoderReadsAsr,
  encoderReadsFeatures,
  mergeFromAsr,
  parseManifest,
  type ModelManifest,
} from '../../src/core/manifest.ts';
import { AsrStream } from '../../src/core/chunking.ts';
import { encoderFeeds } from '../../src/core/model-io.ts';
import type { EncodedFeatures } from '../../src/core/types.ts';
import { parseWav } from '../../src/core/wav.ts';
import type { GpuEncodedFeatures } from '../../src/worker/gpu/gpuMerger.ts';
import { loadOrt, ortGpuDevice } from '../../src/worker/ort-env.ts';
import { loadVocoder } from '../../src/vocoder/load.ts';

/** The committed real speech the test encodes (16 kHz mono, see test/fixtures/README.md). */
export const SPEECH_FIXTURE_URL = '/test/fixtures/speech-en-6s.wav';
/** Where Vite serves public/models. */
export const MODELS_URL = '/models/';

/** Encoder features in both places, with the device ORT put them on. */
export interface RealFeatures {
  manifest: ModelManifest;
  device: GPUDevice;
  cpu: EncodedFeatures;
  gpu: GpuEncodedFeatures;
  release(): void;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** Loads models.json and the encoder, encodes the fixture (zero-padded to whole frames). */
export async function encodeFixture(): Promise<RealFeatures> {
  const manifest = parseManifest(await (await fetchOk(`${MODELS_URL}models.json`)).json());
  const spec = manifest.models.encoder;
  await loadOrt('webgpu'); // the same module as the static import: sets the local wasm path
  const modelBytes = new Uint8Array(await (await fetchOk(MODELS_URL + spec.file)).arrayBuffer());
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  });
  const wav = parseWav(new Uint8Array(await (await fetchOk(SPEECH_FIXTURE_URL)).arrayBuffer()));
  if (wav.sampleRateHz !== manifest.sampleRateHz) {
    throw new Error(
      `${SPEECH_FIXTURE_URL}: ${wav.sampleRateHz} Hz, the encoder wants ${manifest.sampleRateHz}`,
    );
  }
  const frames = Math.ceil(wav.samples.length / manifest.frameSamples);
  const audio = new Float32Array(frames * manifest.frameSamples);
  audio.set(wav.samples);
  let input: Float32Array = audio;
  if (encoderReadsFeatures(manifest)) {
    const base = new URL(MODELS_URL, location.href);
    const vocoder = await loadVocoder(
      manifest.vocoder!,
      async (file) => new Uint8Array(await (await fetchOk(new URL(file, base).href)).arrayBuffer()),
    );
    input = vocoder.analyse(audio);
    vocoder.release();
  }
  const asr = manifest.asrWindow ? await asrRows(manifest, audio, frames) : undefined;
  const { feeds } = encoderFeeds(manifest, input, encoderReadsAsr(manifest) ? asr : undefined);
  const results = await session.run(
    Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data, f.dims)]),
    ),
  );
  const acoustic = results.acoustic;
  if (!acoustic) throw new Error('encoder.onnx: output "acoustic" expected');
  const device = await ortGpuDevice(ort);
  // The merge stream: encoder.onnx's `semantic` output, or asr.onnx's rows (mergeFeatures
  // "whisper-tiny.en"), which the worker's merger uploads from the CPU as this does.
  const semantic = mergeFromAsr(manifest) ? uploaded(device, asr!, frames) : results.semantic;
  if (!semantic) throw new Error('encoder.onnx: output "semantic" expected');
  if (semantic.location !== 'gpu-buffer' || acoustic.location !== 'gpu-buffer') {
    throw new Error(`encoder outputs are on ${semantic.location}/${acoustic.location}, not gpu-buffer`);
  }
  const outFrames = acoustic.dims[1];
  if (outFrames !== frames) throw new Error(`encoder gave ${outFrames} frames for ${frames} frames of audio`);
  const cpu: EncodedFeatures = {
    frames,
    // The uploaded rows have no downloader: their CPU copy is the rows themselves.
    semantic: mergeFromAsr(manifest) ? asr! : ((await semantic.getData()) as Float32Array),
    acoustic: (await acoustic.getData()) as Float32Array,
  };
  return {
    manifest,
    device,
    cpu,
    gpu: { frames, semantic: semantic.gpuBuffer as GPUBuffer, acoustic: acoustic.gpuBuffer as GPUBuffer },
    release: () => {
      semantic.dispose();
      acoustic.dispose();
      void session.release();
    },
  };
}

/** asr.onnx's rows of the fixture's frames, cut as src/core/chunking.ts cuts them for one window. */
async function asrRows(manifest: ModelManifest, audio: Float32Array, frames: number): Promise<Float32Array> {
  const spec = manifest.models.asr;
  if (!spec) throw new Error('models.json has asrWindow but lists no asr.onnx');
  const bytes = new Uint8Array(await (await fetchOk(MODELS_URL + spec.file)).arrayBuffer());
  // The wasm EP, as the worker runs asr.onnx on a software adapter (src/worker/ort-backend.ts).
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const run = async (x: Float32Array) => {
      const out = await session.run({ audio: new ort.Tensor('float32', x, [1, x.length]) });
      if (!out.asr) throw new Error('asr.onnx: output "asr" expected');
      return (await out.asr.getData()) as Float32Array;
    };
    const stream = new AsrStream(
      frames,
      manifest.asrWindow!,
      asrFeatureDim(manifest),
      manifest.frameSamples,
      run,
    );
    return await stream.take(0, frames, (a, b) => Promise.resolve(audio.subarray(a, b)));
  } finally {
    void session.release();
  }
}

/** rows [1, frames, dim] as a GPU tensor on ORT's device, so release() frees it like the encoder's. */
function uploaded(device: GPUDevice, rows: Float32Array, frames: number): ort.Tensor {
  const buffer = device.createBuffer({
    size: rows.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, rows.buffer, rows.byteOffset, rows.byteLength);
  return ort.Tensor.fromGpuBuffer(buffer, {
    dataType: 'float32',
    dims: [1, frames, rows.length / frames],
    dispose: () => buffer.destroy(),
  });
}
