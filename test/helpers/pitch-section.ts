/**
 * The models.json `pitch` section written out by hand, as training/manifest.py `pitch_section` writes it: the tests'
 * own statement of what the runtime implements, not a copy of src/core/pitch-code.ts's constant.
 */
export const PITCH_SECTION = {
  formatVersion: 1,
  tracker: 'nccf-8k-v1',
  levels: 64,
  f0MinHz: 50,
  f0MaxHz: 500,
  subframes: 8,
  minVoicedShare: 0.3,
} as const;
