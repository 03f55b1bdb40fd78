/**
 * Test page for e2e/vocoder.spec.ts: the app's codec worker (src/worker/, through the page's
 * CodecClient) runs the speech fixture through the vocoder (LPCNet analysis, then FARGAN, in
 * WebAssembly), or loads a model set whose decoder predicts vocoder features and codes the
 * fixture with it; what comes back is checked in Node.
 */
import { CodecClient } from '../../src/main/codec-client.ts';
import { parseWav } from '../../src/core/wav.ts';
import type { VocoderInfo } from '../../src/worker/protocol.ts';

/** What one vocoder run in the worker gives. */
export interface VocodeRun {
  info: VocoderInfo;
  audio: number[];
  features: number[];
  analysisMs: number;
  synthesisMs: number;
}

/** What one codec run with a features-predicting decoder gives. */
export interface FeaturesCodecRun {
  backend: string;
  vocoderBuild?: string;
  modelId: string;
  decoded: number[];
}

async function speech(): Promise<Float32Array> {
  const wav = await (await fetch('/test/fixtures/speech-en-6s.wav')).arrayBuffer();
  return parseWav(new Uint8Array(wav)).samples;
}

async function vocode(modelsUrl: string, build?: 'simd' | 'scalar'): Promise<VocodeRun> {
  const client = new CodecClient();
  try {
    const info = await client.loadVocoder(new URL(modelsUrl, location.href).href, build ? { build } : {});
    const r = await client.vocode(await speech());
    return {
      info,
      audio: Array.from(r.audio),
      features: Array.from(r.features),
      analysisMs: r.analysisMs,
      synthesisMs: r.synthesisMs,
    };
  } finally {
    client.terminate();
  }
}

/** Loads the set at modelsUrl on WASM, codes the fixture at 6.25 Hz and returns the decoded note. */
async function codec(modelsUrl: string): Promise<FeaturesCodecRun> {
  const client = new CodecClient();
  try {
    const info = await client.load(new URL(modelsUrl, location.href).href, { forceWasm: true }, () => {});
    const r = await client.encode(await speech(), 6.25);
    return {
      backend: info.backend,
      vocoderBuild: info.vocoderBuild,
      modelId: r.modelId,
      decoded: Array.from(r.decoded),
    };
  } finally {
    client.terminate();
  }
}

/** A load that must fail: its error message. */
async function vocoderError(modelsUrl: string): Promise<string> {
  const client = new CodecClient();
  try {
    await client.loadVocoder(new URL(modelsUrl, location.href).href);
    return 'loaded';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.terminate();
  }
}

declare global {
  interface Window {
    vocoderTest?: { vocode: typeof vocode; codec: typeof codec; vocoderError: typeof vocoderError };
  }
}

window.vocoderTest = { vocode, codec, vocoderError };
