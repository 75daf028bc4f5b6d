import { TagBitset, bitmaskDifference, bitmaskFromIndices, bitmaskIntersection, bitmaskUnion, indicesFromBitmask } from '../../tags';

/**
 * Lightly bitmasks (`0x…`, bit k = sample k in dataset order) as the platform needs them, on top of the tags module.
 * The REST API also accepts masks without `0x` (Lightly's parsers do), so every mask is normalised here first.
 */

function withPrefix(hex: string): string {
  return /^0[xX]/.test(hex) ? hex : `0x${hex}`;
}

export { bitmaskFromIndices };

export function indicesOf(bitmask: string): number[] {
  return indicesFromBitmask(withPrefix(bitmask));
}

/** Every one of `n` samples: `4` → `'0xf'`; built as text because initial-tag is rewritten on every sample batch. */
export function allOnesBitmask(n: number): string {
  if (n <= 0) return '0x0';
  const partial = n % 4;
  return '0x' + (partial === 0 ? '' : ((1 << partial) - 1).toString(16)) + 'f'.repeat(Math.floor(n / 4));
}

/** One past the highest set bit (0 for an empty mask): how many samples the mask needs. */
export function bitmaskWidth(bitmask: string): number {
  return TagBitset.fromHex(withPrefix(bitmask)).highestIndexPlusOne();
}

export const combineBitmasks = {
  UNION: (a: string, b: string) => bitmaskUnion(withPrefix(a), withPrefix(b)),
  INTERSECTION: (a: string, b: string) => bitmaskIntersection(withPrefix(a), withPrefix(b)),
  DIFFERENCE: (a: string, b: string) => bitmaskDifference(withPrefix(a), withPrefix(b)),
};

/** Any accepted spelling (`5`, `0X05`) → Lightly's `0x5`. */
export function normaliseBitmask(bitmask: string): string {
  return TagBitset.fromHex(withPrefix(bitmask)).toHex();
}
