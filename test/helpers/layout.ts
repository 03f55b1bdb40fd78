/** The .fxc layout of the shipped model's shape (7 codes of 12 bits, 3-bit lengths), for bitstream tests. */
import { readFileSync } from 'node:fs';
import type { FxcLayout } from '../../src/core/bitstream.ts';
import { parseEntropySection, type EntropySection } from '../../src/core/entropy.ts';

export const TEST_LAYOUT: FxcLayout = {
  modelId: '4bb024e4',
  sampleRateHz: 16000,
  frameSamples: 1280,
  maxSegmentFrames: 8,
  codeGroups: 7,
  bitsPerCode: 12,
  lengthBits: 3,
};

/** The shipped model's entropy tables (public/models/models.json), for version 2 tests. */
export const SHIPPED_ENTROPY = JSON.parse(
  readFileSync(new URL('../../public/models/models.json', import.meta.url), 'utf8'),
).entropy as EntropySection;

/** TEST_LAYOUT with the shipped entropy tables: files are written as version 2. */
export const TEST_LAYOUT_V2: FxcLayout = {
  ...TEST_LAYOUT,
  entropyTables: parseEntropySection(SHIPPED_ENTROPY, { ...TEST_LAYOUT, fsqLevels: [8, 8, 8, 8] }),
};
