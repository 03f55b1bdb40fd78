/** The .fxc layout of the shipped model's shape (7 codes of 12 bits, 3-bit lengths), for bitstream tests. */
import type { FxcLayout } from '../../src/core/bitstream.ts';

export const TEST_LAYOUT: FxcLayout = {
  modelId: '4bb024e4',
  sampleRateHz: 16000,
  frameSamples: 1280,
  maxSegmentFrames: 8,
  codeGroups: 7,
  bitsPerCode: 12,
  lengthBits: 3,
};
