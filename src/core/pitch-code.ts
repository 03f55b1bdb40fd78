/**
 * Pitch in the bitstream: one level per 80 ms frame (`frameLevels`), and the decoder's 10 ms F0
 * track and phases rebuilt from them (`decoderTrack`, `phaseStarts`). The level of a span of frames
 * (a "segment" below; the codec's spans are single frames) is its voiced frames' median log F0.
 * Twin of training/pitch/code.py; the "pitch" section of models.json says which tracker and level
 * grid a model was trained with, and the runtime refuses any other.
 */

/** Pitch levels a frame (or span of frames) may have: 0 unvoiced, 1..63 quantised log F0. */
export const PITCH_LEVELS = 64;
/** F0 of level 1, in Hz. */
export const F0_MIN_HZ = 50;
/** F0 of level 63, in Hz. */
export const F0_MAX_HZ = 500;
/** 10 ms pitch frames in an 80 ms codec frame. */
export const PITCH_SUBFRAMES = 8;
/** A segment is voiced when at least this share of its 10 ms frames are. */
export const MIN_VOICED_SHARE = 0.3;
/** The tracker of src/core/pitch-track.ts (training/pitch/track.py). */
export const PITCH_TRACKER = 'nccf-8k-v1';
/** Octaves per level step (0.64 semitone). */
const STEP = Math.log2(F0_MAX_HZ / F0_MIN_HZ) / (PITCH_LEVELS - 2);
/** 10 ms frames per second: the rate at which phase advances by F0 / 100 cycles a frame. */
const FRAMES_PER_SECOND = 100;

/** The "pitch" section of models.json, as training/manifest.py `pitch_section` writes it. */
export interface PitchSection {
  formatVersion: 1;
  tracker: 'nccf-8k-v1';
  levels: 64;
  f0MinHz: 50;
  f0MaxHz: 500;
  subframes: 8;
  minVoicedShare: 0.3;
}

const IMPLEMENTED: PitchSection = {
  formatVersion: 1,
  tracker: PITCH_TRACKER,
  levels: PITCH_LEVELS,
  f0MinHz: F0_MIN_HZ,
  f0MaxHz: F0_MAX_HZ,
  subframes: PITCH_SUBFRAMES,
  minVoicedShare: MIN_VOICED_SHARE,
};

/** Throws unless models.json's pitch section is exactly what this runtime's tracker and code implement. */
export function checkPitchSection(json: unknown): PitchSection {
  const implemented =
    `this runtime implements ${PITCH_TRACKER} with ${PITCH_LEVELS} levels from ${F0_MIN_HZ} to ` +
    `${F0_MAX_HZ} Hz, ${PITCH_SUBFRAMES} subframes, minVoicedShare ${MIN_VOICED_SHARE} (formatVersion 1)`;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`models.json: pitch must be an object; ${implemented}`);
  const got = json as Record<string, unknown>;
  const differs = Object.entries(IMPLEMENTED)
    .filter(([key, value]) => got[key] !== value)
    .map(([key]) => `${key} ${JSON.stringify(got[key]) ?? 'missing'}`);
  // A key we do not know may change what the levels mean: refuse it rather than ignore it.
  const unknown = Object.keys(got).filter((key) => !(key in IMPLEMENTED));
  differs.push(...unknown.map((key) => `unknown key ${key}`));
  if (differs.length) throw new Error(`models.json: pitch ${differs.join(', ')}; ${implemented}`);
  return got as unknown as PitchSection;
}

/** Python's round(): to nearest, exact halves to the even neighbour (Math.round takes them up). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * f0Sub (8T,) Hz (0 unvoiced) and segment lengths in 12.5 Hz frames (K,) → levels (K,): 0 when
 * fewer than MIN_VOICED_SHARE of the segment's 10 ms frames are voiced, else 1 + the quantised
 * median log2 F0 of its voiced frames.
 */
export function segmentLevels(f0Sub: ArrayLike<number>, lengths: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(lengths.length);
  let at = 0;
  for (let k = 0; k < lengths.length; k++) {
    const n = lengths[k];
    const end = Math.min((at + n) * PITCH_SUBFRAMES, f0Sub.length); // a short track is cut, as numpy's slice
    const voiced: number[] = [];
    for (let j = at * PITCH_SUBFRAMES; j < end; j++) if (f0Sub[j] > 0) voiced.push(f0Sub[j]);
    at += n;
    if (voiced.length === 0 || voiced.length < MIN_VOICED_SHARE * n * PITCH_SUBFRAMES) continue;
    voiced.sort((a, b) => a - b);
    const m = voiced.length;
    const med = m % 2 ? voiced[m >> 1] : 0.5 * (voiced[m / 2 - 1] + voiced[m / 2]);
    const q = roundHalfEven((Math.log2(med) - Math.log2(F0_MIN_HZ)) / STEP);
    out[k] = 1 + Math.min(PITCH_LEVELS - 2, Math.max(0, q));
  }
  return out;
}

/**
 * The tracker's F0 per 10 ms frame (8T,) → one level per 12.5 Hz frame (T,), what the codec codes
 * (a trailing part frame of the track is dropped, as code.py's `len(f0_sub) // SUBFRAMES`).
 */
export function frameLevels(f0Sub: ArrayLike<number>): Uint8Array {
  return segmentLevels(f0Sub, new Uint8Array(Math.floor(f0Sub.length / PITCH_SUBFRAMES)).fill(1));
}

/** Frame levels (T,) → the decoder's F0 in Hz per 10 ms frame (8T,), 0 unvoiced. */
export function decoderTrack(levels: ArrayLike<number>): Float64Array {
  return frameTrack(levels, new Uint8Array(levels.length).fill(1));
}

function levelLog2F0(level: number): number {
  return Math.log2(F0_MIN_HZ) + (level - 1) * STEP;
}

/**
 * Segment levels (K,) and lengths (K,) → F0 in Hz per 10 ms frame (8 · sum(lengths),), 0 unvoiced.
 * Inside voiced segment k, a frame (centre j + 0.5) before the segment's centre interpolates log2 F0
 * from the previous segment's centre when that one is voiced, and one after it towards the next
 * one's when that is voiced; otherwise it holds the segment's value.
 */
export function frameTrack(levels: ArrayLike<number>, lengths: ArrayLike<number>): Float64Array {
  const K = lengths.length;
  if (levels.length !== K) throw new Error(`pitch: ${levels.length} levels for ${K} segments`);
  const starts = new Float64Array(K);
  const centres = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) {
    starts[k] = total * PITCH_SUBFRAMES;
    centres[k] = starts[k] + (lengths[k] * PITCH_SUBFRAMES) / 2;
    total += lengths[k];
  }
  const vals = Array.from(levels, (q) => (q > 0 ? levelLog2F0(q) : 0));
  const out = new Float64Array(total * PITCH_SUBFRAMES);
  for (let k = 0; k < K; k++) {
    if (levels[k] <= 0) continue;
    for (let j = starts[k]; j < starts[k] + lengths[k] * PITCH_SUBFRAMES; j++) {
      const t = j + 0.5;
      let v = vals[k];
      if (t < centres[k] && k > 0 && levels[k - 1] > 0) {
        const w = (t - centres[k - 1]) / (centres[k] - centres[k - 1]);
        v = vals[k - 1] + w * (vals[k] - vals[k - 1]);
      } else if (t >= centres[k] && k + 1 < K && levels[k + 1] > 0) {
        const w = (t - centres[k]) / (centres[k + 1] - centres[k]);
        v = vals[k] + w * (vals[k + 1] - vals[k]);
      }
      out[j] = 2 ** v;
    }
  }
  return out;
}

/**
 * F0 per 10 ms frame (N,) → the fundamental's phase in cycles at each frame's start, in [0, 1): a
 * frame holds its F0 for its 160 samples, so it advances by F0 / 100 cycles. The running sum is
 * Python's cumsum, in the same order, so the phases are the same bits.
 */
export function phaseStarts(f0Frames: ArrayLike<number>): Float64Array {
  const out = new Float64Array(f0Frames.length);
  let acc = 0;
  for (let j = 0; j < f0Frames.length; j++) {
    out[j] = acc - Math.floor(acc);
    acc += f0Frames[j] / FRAMES_PER_SECOND;
  }
  return out;
}

/**
 * 80 ms frames per coded pitch level in a .fxc version 4 file of this target rate: 2 below 5 Hz,
 * where a level per frame would cost a sixth of the file (docs/FORMAT.md), else 1. Version 3 is
 * always 1. Twin of training/pitch/code.py `pitch_stride`.
 */
export function pitchStride(targetRateCentiHz: number): 1 | 2 {
  return targetRateCentiHz < 500 ? 2 : 1;
}

/**
 * The level of a two-frame span from its frames' levels: unvoiced when both are, the voiced one's
 * when one is (a span is voiced when a share of its 10 ms frames is, as segmentLevels says), else
 * the rounded-up mean (a mean of log F0: the levels are linear in it).
 */
export function spanLevel(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return (a + b + 1) >> 1;
}

/** Frames of each span of `frames` frames at `stride`: [stride, …, stride, the rest]. */
export function spanLengths(frames: number, stride: 1 | 2): Uint8Array {
  const out = new Uint8Array(Math.ceil(frames / stride)).fill(stride);
  if (frames % stride) out[out.length - 1] = frames % stride;
  return out;
}

/** Frame levels (T,) → the levels of their spans at `stride` (ceil(T / stride),). */
export function spanLevels(frameLevelsT: ArrayLike<number>, stride: 1 | 2): Uint8Array {
  const out = new Uint8Array(Math.ceil(frameLevelsT.length / stride));
  for (let j = 0; j < out.length; j++) {
    const f = j * stride;
    out[j] =
      stride === 1 || f + 1 >= frameLevelsT.length
        ? frameLevelsT[f]
        : spanLevel(frameLevelsT[f], frameLevelsT[f + 1]);
  }
  return out;
}

/** Coded levels at `stride` for `frames` frames → the decoder's F0 per 10 ms frame (8 · frames,). */
export function strideTrack(levels: ArrayLike<number>, stride: 1 | 2, frames: number): Float64Array {
  return frameTrack(levels, spanLengths(frames, stride));
}
