/**
 * The vocoder on Node: the `vocoder` section of a models folder's models.json, its WebAssembly
 * module and weights read from disk (paths relative to that folder, the weights checked by size
 * and sha256), and `vocodeFile`, a WAV file through analysis and FARGAN (`flexicodec vocode`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelConstants } from '../core/manifest.ts';
import type { VocoderSection } from '../core/vocoder-section.ts';
import type { WavOutputType } from '../core/wav.ts';
import { loadVocoder, type VocoderLoadOptions } from '../vocoder/load.ts';
import { VOCODER_SAMPLE_RATE_HZ, type Vocoder } from '../vocoder/vocoder.ts';
import { WavFileWriter, openWavFile } from './wav-file.ts';

/** The vocoder section of a manifest, or an error saying the models folder has none. */
export function requireVocoderSection(m: Pick<ModelConstants, 'vocoder'>, modelsDir: string): VocoderSection {
  if (!m.vocoder) throw new Error(`${join(modelsDir, 'models.json')} has no vocoder section`);
  return m.vocoder;
}

/**
 * The vocoder of `section`, its files read relative to `modelsDir`. A missing file says how it is
 * made (the WebAssembly and the weights are build outputs of native/build.sh, not committed).
 */
export async function loadVocoderFiles(
  section: VocoderSection,
  modelsDir: string,
  options: VocoderLoadOptions = {},
): Promise<Vocoder> {
  return loadVocoder(
    section,
    async (file) => {
      const path = join(modelsDir, file);
      try {
        return new Uint8Array(await readFile(path));
      } catch (err) {
        throw new Error(
          `models.json names the vocoder file ${file}, but ${path} cannot be read ` +
            `(${(err as NodeJS.ErrnoException).code ?? String(err)}); build it with \`bash native/build.sh\``,
          { cause: err },
        );
      }
    },
    options,
  );
}

/**
 * A WAV file (any rate, channels, sample format; converted to 16 kHz mono) analysed and
 * resynthesised by FARGAN into a 16 kHz mono WAV file of as many samples, streamed block by block.
 */
export async function vocodeFile(
  vocoder: Vocoder,
  wavPath: string,
  outPath: string,
  options: { sampleType?: WavOutputType; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ sampleCount: number }> {
  const source = openWavFile(wavPath, VOCODER_SAMPLE_RATE_HZ);
  const total = source.sampleCount;
  const writer = new WavFileWriter(outPath, total, VOCODER_SAMPLE_RATE_HZ, options.sampleType);
  const stream = vocoder.resynthesisStream();
  let done = 0;
  try {
    for await (const block of source.chunks()) {
      writer.write(stream.push(block));
      done += block.length;
      options.onProgress?.(done, total);
    }
    writer.write(stream.flush());
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    stream.close();
  }
  writer.close();
  return { sampleCount: total };
}
