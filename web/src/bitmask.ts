/**
 * Lightly tag bitmasks (`0x…` hex, bit k = sample k in dataset order) as membership arrays, for the browser:
 * `src/tags/bitset.ts` decodes with Node's Buffer, so the web app has this digit-by-digit copy (no BigInt either, so a
 * 100,000-sample mask decodes in about a millisecond). `test/web/bitmask.test.ts` checks it against the engine's.
 */

/** `'0x5'`, 4 → `Uint8Array [1, 0, 1, 0]` */
export function bitmaskToMembers(bitmask: string, size: number): Uint8Array {
  const hex = bitmask.startsWith('0x') || bitmask.startsWith('0X') ? bitmask.slice(2) : bitmask;
  const members = new Uint8Array(size);
  for (let pos = hex.length - 1, digit = 0; pos >= 0; pos--, digit++) {
    const v = parseInt(hex[pos], 16);
    if (!v) continue;
    for (let b = 0; b < 4; b++) {
      const i = digit * 4 + b;
      if (v & (1 << b) && i < size) members[i] = 1;
    }
  }
  return members;
}

/** `[0, 2]` → `'0x5'` */
export function indicesToBitmask(indices: Iterable<number>): string {
  const digits: number[] = [];
  for (const i of indices) {
    const d = i >> 2;
    while (digits.length <= d) digits.push(0);
    digits[d] |= 1 << (i & 3);
  }
  let end = digits.length;
  while (end > 0 && digits[end - 1] === 0) end--;
  if (end === 0) return '0x0';
  const out: string[] = ['0x'];
  for (let d = end - 1; d >= 0; d--) out.push(digits[d].toString(16));
  return out.join('');
}

/** How many samples a mask holds. */
export function countBits(bitmask: string): number {
  const hex = bitmask.startsWith('0x') || bitmask.startsWith('0X') ? bitmask.slice(2) : bitmask;
  let n = 0;
  for (let i = 0; i < hex.length; i++) {
    let v = parseInt(hex[i], 16);
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
}

/** `'0x5'` → `[0, 2]`: the members in dataset order. */
export function indicesFromMask(bitmask: string): number[] {
  const hex = bitmask.startsWith('0x') || bitmask.startsWith('0X') ? bitmask.slice(2) : bitmask;
  const out: number[] = [];
  for (let digit = 0, pos = hex.length - 1; pos >= 0; pos--, digit++) {
    const v = parseInt(hex[pos], 16);
    if (!v) continue;
    for (let b = 0; b < 4; b++) if (v & (1 << b)) out.push(digit * 4 + b);
  }
  return out;
}
