import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TagBitset,
  bitmaskDifference,
  bitmaskFromIndices,
  bitmaskIntersection,
  bitmaskUnion,
  indicesFromBitmask,
} from '../../src/tags';

// Reference built the slow, obviously-right way: BigInt bit by bit.
function referenceHex(indices: number[]): string {
  let value = 0n;
  for (const i of indices) value |= 1n << BigInt(i);
  return `0x${value.toString(16)}`;
}

describe('lightly bitmask format', () => {
  it('puts sample k at bit k from the right, lowercase, no padding, 0x0 when empty', () => {
    expect(bitmaskFromIndices([0, 2])).toBe('0x5');
    expect(bitmaskFromIndices([])).toBe('0x0');
    expect(bitmaskFromIndices([3])).toBe('0x8');
    expect(bitmaskFromIndices([4])).toBe('0x10');
    expect(bitmaskFromIndices([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe('0xfff');
    expect(bitmaskFromIndices([31])).toBe('0x80000000');
    expect(bitmaskFromIndices([32])).toBe('0x100000000');
    expect(bitmaskFromIndices([2, 0, 2])).toBe('0x5');
    expect(indicesFromBitmask('0x5')).toEqual([0, 2]);
    expect(indicesFromBitmask('0x0')).toEqual([]);
  });

  it('accepts upper case and leading zeros from other writers and normalises them', () => {
    expect(indicesFromBitmask('0X0A')).toEqual([1, 3]);
    expect(TagBitset.fromHex('0x000f').toHex()).toBe('0xf');
  });

  it('rejects strings that are not 0x-prefixed hex, naming the character', () => {
    expect(() => indicesFromBitmask('5')).toThrow('bitmask: bitmask must be a hex string like "0x5", got "5"');
    expect(() => indicesFromBitmask('0x')).toThrow('bitmask: bitmask must be a hex string like "0x5", got "0x"');
    expect(() => indicesFromBitmask('0x1g2')).toThrow('bitmask:1:4: bitmask has a non-hex character "g"');
    expect(() => indicesFromBitmask('0x12 ')).toThrow('bitmask:1:5: bitmask has a non-hex character " "');
  });

  it('rejects negative or fractional indices', () => {
    expect(() => bitmaskFromIndices([-1])).toThrow('sample index must be a non-negative integer, got -1');
    expect(() => bitmaskFromIndices([1.5])).toThrow('sample index must be a non-negative integer, got 1.5');
  });

  it('agrees with a BigInt reference on random index sets (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }), (indices) => {
        const hex = bitmaskFromIndices(indices);
        expect(hex).toBe(referenceHex(indices));
        expect(indicesFromBitmask(hex)).toEqual([...indices].sort((a, b) => a - b));
        expect(TagBitset.fromHex(hex).count()).toBe(indices.length);
      }),
      { numRuns: 300 },
    );
  });

  it('computes union, intersection and difference like sets do', () => {
    expect(bitmaskUnion('0x5', '0x2')).toBe('0x7');
    expect(bitmaskIntersection('0x5', '0x6')).toBe('0x4');
    expect(bitmaskDifference('0x7', '0x2')).toBe('0x5');
    expect(bitmaskDifference('0x1', '0x1')).toBe('0x0');
    expect(bitmaskUnion('0x1', '0x100000000')).toBe('0x100000001');
    expect(bitmaskIntersection('0x100000001', '0x1')).toBe('0x1');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 })),
        fc.uniqueArray(fc.integer({ min: 0, max: 500 })),
        (a, b) => {
          const [ha, hb] = [bitmaskFromIndices(a), bitmaskFromIndices(b)];
          const setB = new Set(b);
          expect(bitmaskUnion(ha, hb)).toBe(referenceHex([...a, ...b]));
          expect(bitmaskIntersection(ha, hb)).toBe(referenceHex(a.filter((i) => setB.has(i))));
          expect(bitmaskDifference(ha, hb)).toBe(referenceHex(a.filter((i) => !setB.has(i))));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers membership and the dataset size a mask needs', () => {
    const set = TagBitset.fromHex('0x8000000000000001');
    expect(set.has(0)).toBe(true);
    expect(set.has(63)).toBe(true);
    expect(set.has(1)).toBe(false);
    expect(set.has(1000)).toBe(false);
    expect(set.highestIndexPlusOne()).toBe(64);
    expect(TagBitset.empty(100).highestIndexPlusOne()).toBe(0);
    expect(TagBitset.fromHex('0x5').equals(TagBitset.fromIndices([0, 2]))).toBe(true);
  });

  it('converts 10 million samples in linear time (well under a second each way)', () => {
    const indices = Array.from({ length: 5_000_000 }, (_, i) => i * 2);
    let started = performance.now();
    const hex = bitmaskFromIndices(indices);
    const encode = performance.now() - started;
    expect(hex.length).toBe(2 + 2_500_000);
    expect(hex.startsWith('0x5555')).toBe(true);
    started = performance.now();
    const back = indicesFromBitmask(hex);
    const decode = performance.now() - started;
    expect(back.length).toBe(5_000_000);
    expect(back[4_999_999]).toBe(9_999_998);
    // Generous bound for a loaded 2-core CI machine; bench/tags prints the real figures.
    expect(encode + decode).toBeLessThan(5000);
  });
});
