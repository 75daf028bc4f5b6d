import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitmaskFromIndices, indicesFromBitmask } from '../../src/tags/bitset';
import { bitmaskToMembers, countBits, indicesFromMask, indicesToBitmask } from '../../web/src/bitmask';

// The web app decodes and encodes tag bitmasks itself (without BigInt, for 100k-sample masks); it must agree with the
// platform's helpers bit for bit, or a tag made on the map would hold other samples than the ones selected.
describe('web bitmask helpers', () => {
  const indexSets = fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 });

  it('encodes like the platform', () => {
    fc.assert(
      fc.property(indexSets, (indices) => {
        expect(indicesToBitmask(indices)).toBe(bitmaskFromIndices(indices));
      }),
    );
  });

  it('decodes what the platform encodes, and counts it', () => {
    fc.assert(
      fc.property(indexSets, (indices) => {
        const mask = bitmaskFromIndices(indices);
        const members = bitmaskToMembers(mask, 5001);
        const decoded = [...members.keys()].filter((i) => members[i] === 1);
        expect(decoded).toEqual(indicesFromBitmask(mask));
        expect(indicesFromMask(mask)).toEqual(indicesFromBitmask(mask));
        expect(countBits(mask)).toBe(indices.length);
      }),
    );
  });

  it('reads Lightly spellings: 0x5 → samples 0 and 2; no prefix; ignores bits past the dataset size', () => {
    expect([...bitmaskToMembers('0x5', 4)]).toEqual([1, 0, 1, 0]);
    expect([...bitmaskToMembers('F', 2)]).toEqual([1, 1]);
    expect(indicesToBitmask([])).toBe('0x0');
    expect(countBits('0x0')).toBe(0);
  });
});
