/** Turns what a caller hands the element (samples, a WAV or any audio file) into 16 kHz mono. */
import { resample } from '../core/resample';
import { parseWav } from '../core/wav';
import { sniffKind } from '../main/files';

/** The codec's sample rate; models.json states the same and the worker checks it. */
export const CODEC_RATE_HZ = 16000;

/** Mono audio at a stated rate. */
export interface Audio {
  samples: Float32Array;
  sampleRateHz: number;
}

/** Decodes any format the browser knows (mp3, ogg, webm…), resampled to 16 kHz and mixed to mono. */
async function decodeWithBrowser(bytes: Uint8Array): Promise<Audio> {
  // An offline context decodes straight to its own rate, so no second resampling pass is needed.
  const context = new OfflineAudioContext(1, 1, CODEC_RATE_HZ);
  const buffer = await context.decodeAudioData(bytes.slice().buffer as ArrayBuffer);
  const mono = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
  }
  return { samples: mono, sampleRateHz: CODEC_RATE_HZ };
}

/** Reads an audio file's bytes: WAV with the project's reader, anything else with the browser's. */
export async function readAudioBytes(bytes: Uint8Array): Promise<Audio> {
  if (sniffKind(bytes) === 'wav') {
    const wav = parseWav(bytes);
    return { samples: wav.samples, sampleRateHz: wav.sampleRateHz };
  }
  try {
    return await decodeWithBrowser(bytes);
  } catch {
    throw new Error('not an audio file this browser can read (try a .wav)');
  }
}

/** The samples at 16 kHz (a copy when the rate already matches, so the caller's array stays whole). */
export function to16k(audio: Audio): Float32Array {
  return audio.sampleRateHz === CODEC_RATE_HZ
    ? audio.samples.slice()
    : resample(audio.samples, audio.sampleRateHz, CODEC_RATE_HZ);
}
