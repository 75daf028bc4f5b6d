import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSelection, encodeSelection, MAX_SELECTION_PARAM } from '../../web/src/selection-param';

// The selection rides in the URL (`sel=`) as base-36 runs; what comes back must be exactly what was selected.
describe('selection in the URL', () => {
  it('round-trips any selection that fits, and says null for one that does not', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200_000 }), { maxLength: 600 }), (indices) => {
        const text = encodeSelection(indices);
        if (text === null) return;
        expect(text.length).toBeLessThanOrEqual(MAX_SELECTION_PARAM);
        expect(decodeSelection(text)).toEqual([...indices].sort((a, b) => a - b));
      }),
    );
  });

  it('writes ranges compactly: all of 100,000 samples is a few characters; scattered ones give up', () => {
    expect(encodeSelection(Array.from({ length: 100_000 }, (_, i) => i))).toBe('0-255r');
    expect(encodeSelection([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 46, 100])).toBe('0-b.1a.2s');
    expect(encodeSelection(Array.from({ length: 5000 }, (_, i) => i * 3))).toBeNull();
    expect(decodeSelection('0-2.zz-x.!.5')).toEqual([0, 1, 2, 5]);
  });
});
