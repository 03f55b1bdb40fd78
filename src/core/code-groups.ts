/**
 * Rate-dependent code groups (models.json `reducedCodeGroups`): a model whose quantizer gives
 * `codeGroups` codes per segment may write only the first few of them at low target rates, so
 * low-rate bitrates stay in budget while the top rates spend the headroom on more codes. A file's
 * header says how many groups its segments carry (docs/FORMAT.md); the decoder is fed all the
 * model's groups, the absent ones as ABSENT_CODE, which decoder.onnx of such a model maps to
 * "absent" (the Python export guarantees it).
 */

/** models.json `reducedCodeGroups`: below `belowRateHz`, each segment carries `codeGroups` codes. */
export interface ReducedCodeGroups {
  /** Code groups a segment carries at low rates: the first of the model's, 1 … codeGroups − 1. */
  codeGroups: number;
  /** Target frame rates strictly below this (0 < belowRateHz ≤ frameRateHz) write the reduced count. */
  belowRateHz: number;
}

/** What the group count depends on: a models.json, or the .fxc layout made from one. */
export interface CodeGroupLayout {
  codeGroups: number;
  reducedCodeGroups?: ReducedCodeGroups;
}

/** The code decoder.onnx reads as "this group is absent from the file". */
export const ABSENT_CODE = -1;

/**
 * Checks models.json's `reducedCodeGroups` against the model's `codeGroups` and `frameRateHz`;
 * throws an error naming the flaw.
 */
export function checkReducedCodeGroups(m: CodeGroupLayout & { frameRateHz: number }): void {
  const r = m.reducedCodeGroups as unknown;
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw new Error('models.json: reducedCodeGroups must be an object { "codeGroups", "belowRateHz" }');
  const { codeGroups, belowRateHz, ...rest } = r as Record<string, unknown>;
  // A key we do not know may change which groups a file holds: refuse it rather than ignore it.
  const unknown = Object.keys(rest);
  if (unknown.length) throw new Error(`models.json: reducedCodeGroups has unknown key ${unknown.join(', ')}`);
  if (!Number.isInteger(codeGroups) || (codeGroups as number) < 1 || (codeGroups as number) >= m.codeGroups)
    throw new Error(
      `models.json: reducedCodeGroups.codeGroups must be an integer from 1 to ${m.codeGroups - 1} ` +
        `(fewer than the model's codeGroups ${m.codeGroups}), got ${JSON.stringify(codeGroups)}`,
    );
  if (typeof belowRateHz !== 'number' || !(belowRateHz > 0 && belowRateHz <= m.frameRateHz))
    throw new Error(
      `models.json: reducedCodeGroups.belowRateHz must be a rate above 0 and at most frameRateHz ` +
        `${m.frameRateHz}, got ${JSON.stringify(belowRateHz)}`,
    );
}

/**
 * Code groups each segment of a file carries at target rate `rateHz` (the rate asked for, dynamic
 * or fixed segmentation alike): the reduced count strictly below `belowRateHz`, else all. Twin of
 * `V3Config.groups_at` in training/v3/model.py, which trains each rate with the groups it gets.
 */
export function codeGroupsAtRate(m: CodeGroupLayout, rateHz: number): number {
  const r = m.reducedCodeGroups;
  return r && rateHz < r.belowRateHz ? r.codeGroups : m.codeGroups;
}

/** The group counts a file of this model may carry, fewest first: [codeGroups], or [reduced, codeGroups]. */
export function allowedCodeGroups(m: CodeGroupLayout): number[] {
  return m.reducedCodeGroups ? [m.reducedCodeGroups.codeGroups, m.codeGroups] : [m.codeGroups];
}

/** The allowed counts in words, for messages: "9", or "9, or 7 below 9 Hz". */
export function describeCodeGroups(m: CodeGroupLayout): string {
  const r = m.reducedCodeGroups;
  return r ? `${m.codeGroups}, or ${r.codeGroups} below ${r.belowRateHz} Hz` : `${m.codeGroups}`;
}

/** The first `keep` codes of each segment's row: codes [K, groups] → [K, keep]. */
export function keepCodeGroups(codes: Int32Array, groups: number, keep: number): Int32Array {
  if (keep === groups) return codes;
  if (!(keep >= 1 && keep < groups) || codes.length % groups !== 0)
    throw new RangeError(`cannot keep ${keep} of ${groups} code groups of ${codes.length} codes`);
  const segments = codes.length / groups;
  const out = new Int32Array(segments * keep);
  for (let k = 0; k < segments; k++) out.set(codes.subarray(k * groups, k * groups + keep), k * keep);
  return out;
}

/**
 * A file's codes [K, fileGroups] as the model's decoder takes them, [K, modelGroups]: the groups the
 * file does not carry are ABSENT_CODE. The same array where the file carries them all.
 */
export function widenCodes(codes: Int32Array, fileGroups: number, modelGroups: number): Int32Array {
  if (fileGroups === modelGroups) return codes;
  if (!(fileGroups >= 1 && fileGroups < modelGroups) || codes.length % fileGroups !== 0)
    throw new RangeError(
      `cannot widen ${codes.length} codes of ${fileGroups} groups to the model's ${modelGroups}`,
    );
  const segments = codes.length / fileGroups;
  const out = new Int32Array(segments * modelGroups).fill(ABSENT_CODE);
  for (let k = 0; k < segments; k++)
    out.set(codes.subarray(k * fileGroups, (k + 1) * fileGroups), k * modelGroups);
  return out;
}
