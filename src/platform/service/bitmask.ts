/**
 * Lightly bitmasks (`0x…`, bit k = sample k in dataset order) as the platform needs them.
 * Kept behind this file so the platform uses one set of bitmask helpers.
 */

function nibbles(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
}

/** `[0, 2]` → `'0x5'` */
export function bitmaskFromIndices(indices: Iterable<number>): string {
  const digits: number[] = [];
  for (const i of indices) {
    const d = i >> 2;
    while (digits.length <= d) digits.push(0);
    digits[d] |= 1 << (i & 3);
  }
  let end = digits.length;
  while (end > 0 && digits[end - 1] === 0) end--;
  if (end === 0) return '0x0';
  let out = '0x';
  for (let d = end - 1; d >= 0; d--) out += digits[d].toString(16);
  return out;
}

/** `'0x5'` → `[0, 2]` (ascending) */
export function indicesFromBitmask(bitmask: string): number[] {
  const hex = nibbles(bitmask);
  const out: number[] = [];
  for (let pos = hex.length - 1, d = 0; pos >= 0; pos--, d++) {
    const v = parseInt(hex[pos], 16);
    if (v === 0) continue;
    for (let b = 0; b < 4; b++) if (v & (1 << b)) out.push(d * 4 + b);
  }
  return out;
}

/** Every one of `n` samples: `4` → `'0xf'` */
export function allOnesBitmask(n: number): string {
  if (n <= 0) return '0x0';
  const partial = n % 4;
  return '0x' + (partial === 0 ? '' : ((1 << partial) - 1).toString(16)) + 'f'.repeat(Math.floor(n / 4));
}

/** Highest set bit + 1 (0 for an empty mask): the number of samples the mask needs. */
export function bitmaskWidth(bitmask: string): number {
  const value = BigInt('0x' + (nibbles(bitmask) || '0'));
  return value === 0n ? 0 : value.toString(2).length;
}

export function unionBitmasks(a: string, b: string): string {
  return '0x' + (BigInt('0x' + nibbles(a)) | BigInt('0x' + nibbles(b))).toString(16);
}

export function intersectBitmasks(a: string, b: string): string {
  return '0x' + (BigInt('0x' + nibbles(a)) & BigInt('0x' + nibbles(b))).toString(16);
}

export function differenceBitmasks(a: string, b: string): string {
  return '0x' + (BigInt('0x' + nibbles(a)) & ~BigInt('0x' + nibbles(b))).toString(16);
}

/** Normalises any accepted spelling (`5`, `0X05`) to Lightly's `0x5`. */
export function normaliseBitmask(bitmask: string): string {
  return '0x' + BigInt('0x' + (nibbles(bitmask) || '0')).toString(16);
}
