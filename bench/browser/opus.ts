/**
 * The codec a browser user already has: Opus through WebCodecs' AudioEncoder/AudioDecoder, on
 * the same audio as ours. Bitrate counts the raw Opus packets (no Ogg/WebM container).
 */

/** Opus speed and size for one bitrate setting. */
export interface OpusRun {
  requestedBps: number;
  sampleRateHz: number;
  audioSeconds: number;
  encodeMs: number;
  decodeMs: number;
  packets: number;
  /** Bits of all packets per second of audio. */
  measuredBps: number;
  decodedSamples: number;
}

/** Seconds of audio per AudioData handed to the encoder (as a capture loop would, in pieces). */
const CHUNK_SECONDS = 1;

/** Encoder settings of a speech call; `bitrate` in bits per second. */
function config(sampleRateHz: number, bitrate: number): AudioEncoderConfig {
  return {
    codec: 'opus',
    sampleRate: sampleRateHz,
    numberOfChannels: 1,
    bitrate,
    opus: { application: 'voip', frameDuration: 20_000 },
  } as AudioEncoderConfig;
}

/** Whether this browser's AudioEncoder takes Opus at `bitrate`: isConfigSupported and a real 1 s encode both succeed. */
export async function opusAccepts(sampleRateHz: number, bitrate: number): Promise<boolean> {
  try {
    const { supported } = await AudioEncoder.isConfigSupported(config(sampleRateHz, bitrate));
    if (!supported) return false;
    const run = await opusRun(new Float32Array(sampleRateHz), sampleRateHz, bitrate);
    return run.packets > 0;
  } catch {
    return false;
  }
}

/** Encodes then decodes `samples` with Opus at `bitrate`, timing each. */
export async function opusRun(
  samples: Float32Array,
  sampleRateHz: number,
  bitrate: number,
): Promise<OpusRun> {
  const chunks: EncodedAudioChunk[] = [];
  let failure: unknown;
  const encoder = new AudioEncoder({ output: (c) => chunks.push(c), error: (e) => (failure = e) });
  const t0 = performance.now();
  encoder.configure(config(sampleRateHz, bitrate));
  const step = Math.round(CHUNK_SECONDS * sampleRateHz);
  for (let at = 0; at < samples.length; at += step) {
    const piece = samples.subarray(at, Math.min(samples.length, at + step));
    const data = new AudioData({
      format: 'f32-planar',
      sampleRate: sampleRateHz,
      numberOfFrames: piece.length,
      numberOfChannels: 1,
      timestamp: Math.round((at / sampleRateHz) * 1e6),
      data: piece as Float32Array<ArrayBuffer>,
    });
    encoder.encode(data);
    data.close();
  }
  await encoder.flush();
  const encodeMs = performance.now() - t0;
  encoder.close();
  if (failure) throw failure;

  let decodedSamples = 0;
  const decoder = new AudioDecoder({
    output: (d) => {
      decodedSamples += d.numberOfFrames;
      d.close();
    },
    error: (e) => (failure = e),
  });
  const t1 = performance.now();
  decoder.configure({ codec: 'opus', sampleRate: sampleRateHz, numberOfChannels: 1 });
  for (const c of chunks) decoder.decode(c);
  await decoder.flush();
  const decodeMs = performance.now() - t1;
  decoder.close();
  if (failure) throw failure;

  const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
  const audioSeconds = samples.length / sampleRateHz;
  return {
    requestedBps: bitrate,
    sampleRateHz,
    audioSeconds,
    encodeMs,
    decodeMs,
    packets: chunks.length,
    measuredBps: (bytes * 8) / audioSeconds,
    decodedSamples,
  };
}
