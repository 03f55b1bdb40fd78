/**
 * Decoding in bounded memory: the decoder runs on windows of whole segments with context segments
 * on each side (src/core/chunking.ts's plans), and neighbouring windows are joined with a short
 * raised-cosine crossfade at each seam. A decoder that gives audio is joined in samples; one that
 * predicts vocoder features (models.json) is joined in feature rows, and one FARGAN stream renders
 * the whole note, so the vocoder never restarts at a seam (an autoregressive vocoder started afresh
 * renders the same features differently: measured, 0.09-0.20 log-mel distance on real speech).
 */
import type { FxcFile } from './bitstream.ts';
import { DEFAULT_DECODE_PLAN, windowBounds, type DecodePlan } from './chunking.ts';
import { phaseStarts, PITCH_SUBFRAMES, strideTrack } from './pitch-code.ts';
import type { DecoderPitch, FeatureSynthesisStream, InferenceBackend } from './types.ts';
import type { VocoderSection } from './vocoder-section.ts';

/** Raised-cosine fade-in weight of sample i of n. */
function fadeIn(i: number, n: number): number {
  return 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / n);
}

/**
 * Joins overlapping decoder windows in units of `width` values (an audio sample: 1; a vocoder row:
 * 20): each window's own span, with a raised-cosine crossfade over `half` units either side of
 * each seam.
 */
class SeamJoiner {
  /** The previous window's units around the seam, [seam − half, seam + half). */
  private tail: Float32Array | null = null;

  constructor(
    private readonly width: number,
    private readonly half: number,
  ) {}

  /** The pieces of one window, in order: `data` holds units [origin, …); the window owns [seamStart, seamEnd). */
  *join(data: Float32Array, origin: number, seamStart: number, seamEnd: number, last: boolean) {
    const { width, half } = this;
    const at = (unit: number) => (unit - origin) * width;
    let from = seamStart;
    if (this.tail) {
      const mixed = new Float32Array(2 * half * width);
      for (let i = 0; i < 2 * half; i++) {
        const g = fadeIn(i, 2 * half);
        const here = at(seamStart - half + i);
        for (let c = 0; c < width; c++)
          mixed[i * width + c] = this.tail[i * width + c] * (1 - g) + data[here + c] * g;
      }
      yield mixed;
      from = seamStart + half;
    }
    const to = last ? seamEnd : seamEnd - half;
    yield data.slice(at(from), at(to));
    this.tail = last ? null : data.slice(at(seamEnd - half), at(seamEnd + half));
  }
}

/**
 * Decodes a parsed file window by window and yields its audio in order, `sampleCount`
 * samples in all. Each window decodes its segments plus context segments on both sides. Where the
 * backend's decoder predicts vocoder features (`decodeFeatures` and `synthesizer`), `vocoder` is
 * models.json's vocoder section: the windows' rows are joined and rendered by one stream.
 */
export async function* decodeWindows(
  file: FxcFile,
  frameSamples: number,
  backend: Pick<InferenceBackend, 'decode' | 'decodeFeatures' | 'synthesizer'>,
  plan: DecodePlan = DEFAULT_DECODE_PLAN,
  vocoder?: Pick<VocoderSection, 'frameSamples' | 'features'>,
): AsyncGenerator<Float32Array> {
  const { lengths, codes, segments } = file;
  const groups = codes.length / Math.max(1, segments);
  const half = plan.crossfadeSamples / 2;
  if (!Number.isInteger(half) || half * 2 > plan.contextFrames * frameSamples) {
    throw new RangeError('crossfade must be even and fit inside the context');
  }
  const features = backend.synthesizer && backend.decodeFeatures ? backend : undefined;
  if (features && !vocoder)
    throw new Error('decoder: it predicts vocoder features, but models.json has no vocoder');
  /** Units per 12.5 Hz frame of what the decoder gives: samples, or vocoder rows. */
  const unitsPerFrame = features ? frameSamples / vocoder!.frameSamples : frameSamples;
  // The crossfade in rows spans about as long as in samples (512 samples: 2 rows either side).
  const joiner = features
    ? new SeamJoiner(vocoder!.features.count, Math.max(1, Math.round(half / vocoder!.frameSamples)))
    : new SeamJoiner(1, half);
  // frameAt[k]: first frame of segment k; frameAt[K] = T.
  const frameAt = new Float64Array(segments + 1);
  for (let k = 0; k < segments; k++) frameAt[k + 1] = frameAt[k] + lengths[k];
  const frames = frameAt[segments];
  // Window seams fall on segment starts near a balanced split of the frames.
  const seams: number[] = [0];
  const targets = windowBounds(frames, plan.windowFrames);
  for (let i = 1, k = 0; i + 1 < targets.length; i++) {
    while (k < segments && frameAt[k] < targets[i]) k++;
    if (k > seams[seams.length - 1] && k < segments) seams.push(k);
  }
  seams.push(segments);
  // A model with pitch: the whole file's 10 ms F0 track and phases, so every window gets the same
  // values for a frame and harmonics run on across the seams without a phase jump.
  const stride = file.pitchStride ?? 1;
  if (file.pitch && file.pitch.length !== Math.ceil(frames / stride))
    throw new RangeError(`${file.pitch.length} pitch levels for ${frames} frames: one per ${stride} frames`);
  const f0 = file.pitch ? strideTrack(file.pitch, stride, frames) : undefined;
  const phase = f0 ? phaseStarts(f0) : undefined;
  let emitted = 0;
  const sampleCount = file.header.sampleCount;
  const emit = (piece: Float32Array): Float32Array => {
    const take = Math.max(0, Math.min(piece.length, sampleCount - emitted));
    emitted += take;
    return piece.subarray(0, take);
  };
  let stream: FeatureSynthesisStream | undefined;
  try {
    stream = features?.synthesizer!.synthesisStream();
    for (let w = 0; w + 1 < seams.length; w++) {
      const s0 = seams[w];
      const s1 = seams[w + 1];
      let c0 = s0;
      while (c0 > 0 && frameAt[s0] - frameAt[c0] < plan.contextFrames) c0--;
      let c1 = s1;
      while (c1 < segments && frameAt[c1] - frameAt[s1] < plan.contextFrames) c1++;
      const [p0, p1] = [frameAt[c0] * PITCH_SUBFRAMES, frameAt[c1] * PITCH_SUBFRAMES];
      const pitch: DecoderPitch | undefined =
        f0 && phase
          ? { f0: Float32Array.from(f0.subarray(p0, p1)), phase: Float32Array.from(phase.subarray(p0, p1)) }
          : undefined;
      const [windowCodes, windowLengths] = [codes.slice(c0 * groups, c1 * groups), lengths.slice(c0, c1)];
      const out = features
        ? await features.decodeFeatures!(windowCodes, windowLengths, pitch)
        : await backend.decode(windowCodes, windowLengths, pitch);
      const expected = (frameAt[c1] - frameAt[c0]) * unitsPerFrame * (features ? vocoder!.features.count : 1);
      if (out.length !== expected)
        throw new Error(
          `decoder returned ${out.length} ${features ? 'feature values' : 'samples'}, expected ${expected}`,
        );
      const last = w + 2 === seams.length;
      const [origin, seamStart, seamEnd] = [frameAt[c0], frameAt[s0], frameAt[s1]].map(
        (f) => f * unitsPerFrame,
      );
      for (const piece of joiner.join(out, origin, seamStart, seamEnd, last))
        yield emit(stream ? stream.push(piece) : piece);
    }
    if (stream) yield emit(stream.flush());
  } finally {
    stream?.close();
  }
}
