/**
 * Test page for e2e/whisper.spec.ts: the app's codec worker (src/worker/, through the page's
 * CodecClient) loads a model set from a URL, codes the speech fixture and hands back what Node
 * must reproduce: the segments, the .fxc bytes and the decoded audio.
 */
import { CodecClient } from '../../src/main/codec-client.ts';
import { parseWav } from '../../src/core/wav.ts';

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

declare global {
  interface Window {
    whisperTest?: { run: typeof run };
  }
}

window.whisperTest = { run };
