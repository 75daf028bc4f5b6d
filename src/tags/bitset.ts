import { InvalidInputError, type ErrorCode } from '../errors';

/*
 * Lightly's tag bitmask (`bitMaskData`): a lowercase hex string with `0x`, no padding, where bit k counted from the
 * right is the k-th sample in dataset order ("0x5" = samples 0 and 2, "0x0" = none). Each hex character is four
 * bits, so hex ↔ words is a linear walk from the string's end: never BigInt arithmetic, which is quadratic in the
 * number of samples. The hex text itself goes through Node's native hex codec.
 */

/** Error code for a malformed bitmask string. */
export const INVALID_BITMASK = 'INVALID_BITMASK' satisfies ErrorCode;

const HEX_BODY = /^0[xX][0-9a-fA-F]+$/;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * A set of sample indices as 32-bit words (bit k of word w = sample 32·w + k); immutable operations return new sets.
 *
 * Example: `TagBitset.fromHex('0x5').indices()` → `[0, 2]`; `TagBitset.fromIndices([1, 3]).toHex()` → `'0xa'`.
 */
export class TagBitset {
  private constructor(readonly words: Uint32Array) {}

  /** An empty set with room for `size` samples. */
  static empty(size = 0): TagBitset {
    return new TagBitset(new Uint32Array(Math.ceil(size / 32)));
  }

  static fromIndices(indices: Iterable<number>): TagBitset {
    let words = new Uint32Array(8);
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0) throw new RangeError(`sample index must be a non-negative integer, got ${index}`);
      const word = index >>> 5;
      if (index > 0xffffffff) throw new RangeError(`sample index ${index} is too large`);
      if (word >= words.length) {
        const grown = new Uint32Array(Math.max(word + 1, words.length * 2));
        grown.set(words);
        words = grown;
      }
      words[word] |= 1 << (index & 31);
    }
    return new TagBitset(words);
  }

  /**
   * Parses lightly's `bitMaskData`. Accepts upper-case digits and leading zeros (other writers produce them); the
   * `0x` prefix is required.
   */
  static fromHex(hex: string): TagBitset {
    if (typeof hex !== 'string' || !/^0[xX]/.test(hex) || hex.length < 3) {
      throw new InvalidInputError({ file: 'bitmask' }, `bitmask must be a hex string like "0x5", got ${JSON.stringify(String(hex).slice(0, 40))}`, INVALID_BITMASK);
    }
    const digits = hex.length - 2;
    if (!HEX_BODY.test(hex)) {
      const bad = hex.slice(2).search(/[^0-9a-fA-F]/) + 2;
      throw new InvalidInputError(
        { file: 'bitmask', line: 1, column: bad + 1 },
        `bitmask has a non-hex character ${JSON.stringify(hex[bad])}`,
        INVALID_BITMASK,
      );
    }
    // Node's hex codec decodes in native code; left-padding to whole words makes word w end at byte (n-w)·4.
    const wordCount = Math.ceil(digits / 8);
    const padded = '0'.repeat(wordCount * 8 - digits) + hex.slice(2);
    const bytes = Buffer.from(padded, 'hex');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const words = new Uint32Array(wordCount);
    for (let w = 0; w < wordCount; w++) words[w] = view.getUint32((wordCount - 1 - w) * 4, false);
    return new TagBitset(words);
  }

  /** Lightly's form: lowercase, `0x`, no leading zeros, `0x0` when empty. */
  toHex(): string {
    const words = this.words;
    let top = words.length - 1;
    while (top >= 0 && words[top] === 0) top--;
    if (top < 0) return '0x0';
    // Most significant word first, each big-endian, then Node's native hex encoder; drop the top word's leading zeros.
    const bytes = Buffer.allocUnsafe((top + 1) * 4);
    for (let w = top, offset = 0; w >= 0; w--, offset += 4) bytes.writeUInt32BE(words[w], offset);
    const hex = bytes.toString('hex');
    let start = 0;
    while (hex.charCodeAt(start) === 48) start++;
    return `0x${hex.slice(start)}`;
  }

  has(index: number): boolean {
    const word = index >>> 5;
    return word < this.words.length && (this.words[word] & (1 << (index & 31))) !== 0;
  }

  /** Number of samples in the set. */
  count(): number {
    let total = 0;
    for (let i = 0; i < this.words.length; i++) total += popcount32(this.words[i]);
    return total;
  }

  /** Sample indices in ascending order. */
  indices(): number[] {
    // Sized up front: growing a 10M-element array by push costs more than counting the bits first.
    const result: number[] = new Array(this.count());
    const words = this.words;
    let next = 0;
    for (let w = 0; w < words.length; w++) {
      let x = words[w];
      while (x !== 0) {
        const low = x & -x;
        result[next++] = w * 32 + 31 - Math.clz32(low);
        x ^= low;
      }
    }
    return result;
  }

  /** One past the highest sample index in the set (0 when empty): the dataset must have at least this many samples. */
  highestIndexPlusOne(): number {
    const words = this.words;
    for (let w = words.length - 1; w >= 0; w--) {
      if (words[w] !== 0) return w * 32 + 32 - Math.clz32(words[w]);
    }
    return 0;
  }

  union(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a | b);
  }

  intersection(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a & b);
  }

  /** Samples in this set and not in `other`. */
  difference(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a & ~b);
  }

  equals(other: TagBitset): boolean {
    return this.toHex() === other.toHex();
  }

  private combine(other: TagBitset, op: (a: number, b: number) => number): TagBitset {
    const length = Math.max(this.words.length, other.words.length);
    const out = new Uint32Array(length);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < length; i++) out[i] = op(i < a.length ? a[i] : 0, i < b.length ? b[i] : 0);
    return new TagBitset(out);
  }
}

/** Example: `bitmaskFromIndices([0, 2])` → `'0x5'`; `bitmaskFromIndices([])` → `'0x0'`. */
export function bitmaskFromIndices(indices: Iterable<number>): string {
  return TagBitset.fromIndices(indices).toHex();
}

/** Example: `indicesFromBitmask('0x5')` → `[0, 2]`. */
export function indicesFromBitmask(hex: string): number[] {
  return TagBitset.fromHex(hex).indices();
}

/** Example: `bitmaskUnion('0x5', '0x2')` → `'0x7'`. */
export function bitmaskUnion(a: string, b: string): string {
  return TagBitset.fromHex(a).union(TagBitset.fromHex(b)).toHex();
}

/** Example: `bitmaskIntersection('0x5', '0x6')` → `'0x4'`. */
export function bitmaskIntersection(a: string, b: string): string {
  return TagBitset.fromHex(a).intersection(TagBitset.fromHex(b)).toHex();
}

/** Samples in `a` but not in `b`. Example: `bitmaskDifference('0x7', '0x2')` → `'0x5'`. */
export function bitmaskDifference(a: string, b: string): string {
  return TagBitset.fromHex(a).difference(TagBitset.fromHex(b)).toHex();
}
