/**
 * Real encoder features for the kernel test: the shipped encoder.onnx on onnxruntime-web's
 * WebGPU execution provider, run on the committed speech fixture (through the vocoder's analysis
 * first where the encoder reads vocoder features, as the v3 models'). Outputs stay on the GPU
 * (ORT gpu-buffer tensors) and the merger is built on ORT's own device, as in the worker.
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
  // A model that merges on asr.onnx's rows has no merge stream among encoder.onnx's outputs: this would
  // have to run Whisper's 30 s window and upload its rows, which it does not (yet).
  if (mergeFromAsr(manifest))
    throw new Error(
      "the kernel test reads the merge stream from encoder.onnx; this model merges on asr.onnx's rows " +
        '(mergeFeatures "whisper-tiny.en"), which e2e/kernels/realFeatures.ts does not compute',
    );
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
  // An encoder that also reads asr.onnx's rows (semanticInput) gets zeros rather than a 30 s Whisper
  // run: the kernels are compared with the twin on the same features, and the merge stream they cut
  // is the encoder's own (cepstra), which the rows do not move.
  const asr = encoderReadsAsr(manifest) ? new Float32Array(frames * asrFeatureDim(manifest)) : undefined;
  const { feeds } = encoderFeeds(manifest, input, asr);
  const results = await session.run(
    Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data, f.dims)]),
    ),
  );
  const semantic = results.semantic;
  const acoustic = results.acoustic;
  if (!semantic || !acoustic) throw new Error('encoder.onnx: outputs "semantic" and "acoustic" expected');
  if (semantic.location !== 'gpu-buffer' || acoustic.location !== 'gpu-buffer') {
    throw new Error(`encoder outputs are on ${semantic.location}/${acoustic.location}, not gpu-buffer`);
  }
  const outFrames = semantic.dims[1];
  if (outFrames !== frames) throw new Error(`encoder gave ${outFrames} frames for ${frames} frames of audio`);
  const cpu: EncodedFeatures = {
    frames,
    semantic: (await semantic.getData()) as Float32Array,
    acoustic: (await acoustic.getData()) as Float32Array,
  };
  return {
    manifest,
    device: await ortGpuDevice(ort),
    cpu,
    gpu: { frames, semantic: semantic.gpuBuffer as GPUBuffer, acoustic: acoustic.gpuBuffer as GPUBuffer },
    release: () => {
      semantic.dispose();
      acoustic.dispose();
      void session.release();
    },
  };
}
