/**
 * Test page for e2e/whisper.spec.ts: the app's codec worker (src/worker/, through the page's
 * CodecClient) loads a model set from a URL, codes the speech fixture and hands back what Node
 * must reproduce: the segments, the .fxc bytes and the decoded audio. Also runs asr.onnx alone on
 * WebGPU and on WASM (the worker's onnxruntime-web build, here in the page).
 */
import { CodecClient } from '../../src/main/codec-client.ts';
import { parseWav } from '../../src/core/wav.ts';
import { loadOrt } from '../../src/worker/ort-env.ts';

/** What one run in the worker gives. */
export interface WhisperRun {
  backend: string;
  fallbackReason?: string;
  asrBackend?: string;
  modelId: string;
  modelBytes: number;
  loadMs: number;
  tau: number;
  achievedRateHz: number;
  lengths: number[];
  fxc: number[];
  decoded: number[];
}

async function run(modelsUrl: string, forceWasm: boolean, rateHz: number): Promise<WhisperRun> {
  const client = new CodecClient();
  try {
    const info = await client.load(new URL(modelsUrl, location.href).href, { forceWasm }, () => {});
    const wav = await (await fetch('/test/fixtures/speech-en-6s.wav')).arrayBuffer();
    const audio = parseWav(new Uint8Array(wav)).samples;
    const r = await client.encode(audio, rateHz);
    return {
      backend: info.backend,
      fallbackReason: info.fallbackReason,
      asrBackend: info.asrBackend,
      modelId: info.modelId,
      modelBytes: info.modelBytes,
      loadMs: info.loadMs,
      tau: r.tau,
      achievedRateHz: r.achievedRateHz,
      lengths: Array.from(r.segmentLengths),
      fxc: Array.from(r.fxc),
      decoded: Array.from(r.decoded),
    };
  } finally {
    client.terminate();
  }
}

/** asr.onnx's output on one execution provider, and what the WebGPU device offers. */
export interface AsrRun {
  /** Whether ORT's WebGPU device has shader-f16. */
  shaderF16: boolean;
  adapter: string;
  webgpu: number[];
  wasm: number[];
}

/** asr.onnx of the set at modelsUrl on the first `frames` frames of the speech fixture, on WebGPU and on WASM. */
async function asrBoth(modelsUrl: string, frames: number): Promise<AsrRun> {
  const ort = await loadOrt('webgpu');
  const url = new URL('asr.onnx', new URL(modelsUrl, location.href));
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const wav = await (await fetch('/test/fixtures/speech-en-6s.wav')).arrayBuffer();
  const audio = parseWav(new Uint8Array(wav)).samples.slice(0, frames * 1280);
  const out: Partial<AsrRun> = {};
  for (const ep of ['webgpu', 'wasm'] as const) {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
    });
    try {
      const result = await session.run({ audio: new ort.Tensor('float32', audio, [1, audio.length]) });
      out[ep] = Array.from((await result.asr.getData(true)) as Float32Array);
    } finally {
      await session.release();
    }
    if (ep === 'webgpu') {
      const device = (await ort.env.webgpu.device) as GPUDevice;
      out.shaderF16 = device.features.has('shader-f16');
      const info = device.adapterInfo;
      out.adapter = `${info.vendor} ${info.architecture}`.trim();
    }
  }
  return out as AsrRun;
}

declare global {
  interface Window {
    whisperTest?: { run: typeof run; asrBoth: typeof asrBoth };
  }
}

window.whisperTest = { run, asrBoth };
