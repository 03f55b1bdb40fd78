/** The .fxc layout of the shipped model's shape (7 codes of 12 bits, 3-bit lengths: version 4's), for bitstream tests. */
import { readFileSync } from 'node:fs';
import { FXC_COMPACT_LAYOUT, type FxcLayout } from '../../src/core/bitstream.ts';
import { parseEntropySection, type EntropySection } from '../../src/core/entropy.ts';

export const TEST_LAYOUT: FxcLayout = { modelId: '4bb024e4', ...FXC_COMPACT_LAYOUT };

const FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/range-coder.json', import.meta.url), 'utf8'),
) as {
  entropy: EntropySection;
  pitchEntropy: EntropySection;
};

/**
 * Entropy tables of model 95756a0b as copied into test/fixtures/range-coder.json (by
 * training.entropy.fixture), so version 2 tests and docs/FORMAT.md's example do not change
 * when a new model ships new tables.
 */
export const FIXTURE_ENTROPY = FIXTURE.entropy;

/** TEST_LAYOUT with those tables: files are written as version 2. */
export const TEST_LAYOUT_V2: FxcLayout = {
  ...TEST_LAYOUT,
  entropyTables: parseEntropySection(FIXTURE_ENTROPY, { ...TEST_LAYOUT, fsqLevels: [8, 8, 8, 8] }),
};

/** The same tables with a synthetic pitch table (training.entropy.fixture), for version 3 tests. */
export const FIXTURE_PITCH_ENTROPY = FIXTURE.pitchEntropy;

/** TEST_LAYOUT coding pitch with those tables: files are written as version 3. */
export const TEST_LAYOUT_V3: FxcLayout = {
  ...TEST_LAYOUT,
  entropyTables: parseEntropySection(FIXTURE_PITCH_ENTROPY, { ...TEST_LAYOUT, fsqLevels: [8, 8, 8, 8] }),
  pitchLevels: 64,
};

/** TEST_LAYOUT_V3 asking for version 4 files (models.json "fxcVersion": 4): compact header, pitch spans below 5 Hz. */
export const TEST_LAYOUT_V4: FxcLayout = { ...TEST_LAYOUT_V3, fxcVersion: 4 };

/**
 * Digit tables for 9 code groups made from a 28-channel section: its 28 channels, then channels 0–7
 * again as 28–35 (models.json `reducedCodeGroups` tests need a full model's 36 rows).
 */
export function nineGroupTables(section: EntropySection, id: string): EntropySection {
  const digits = Buffer.from(section.digits.freqs, 'base64');
  const perChannel = digits.length / 28;
  const freqs = Buffer.concat([digits, digits.subarray(0, 8 * perChannel)]).toString('base64');
  return { ...section, id, digits: { ...section.digits, shape: [36, 9, 8, 8], freqs } };
}

/** A 9-group pitch model writing 7 groups below 9 Hz, as version 5 files (models.json "fxcVersion": 5). */
export const TEST_LAYOUT_V5: FxcLayout = {
  ...TEST_LAYOUT_V4,
  codeGroups: 9,
  reducedCodeGroups: { codeGroups: 7, belowRateHz: 9 },
  entropyTables: parseEntropySection(nineGroupTables(FIXTURE_PITCH_ENTROPY, '00000509'), {
    ...TEST_LAYOUT,
    codeGroups: 9,
    fsqLevels: [8, 8, 8, 8],
  }),
  fxcVersion: 5,
};
