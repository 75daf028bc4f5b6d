import { describe, expect, it } from 'vitest';
import { selectionSize } from '../../../src/pipeline/steps';

describe('selectionSize', () => {
  it('reads select as a count (at most the rows) or a fraction (at least one)', () => {
    expect(selectionSize(0.1, 264)).toBe(26);
    expect(selectionSize(0.001, 264)).toBe(1);
    expect(selectionSize(500, 264)).toBe(264);
    expect(selectionSize(10, 264)).toBe(10);
  });
});
