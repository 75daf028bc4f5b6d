import { describe, expect, it } from 'vitest';
import { bitmaskFromFileNames, fileNamesFromBitmask, indexByFileName } from '../../src/tags';

const ORDER = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'];

describe('tags by file name', () => {
  it('maps file names to bits by their position in the dataset order, and back', () => {
    expect(bitmaskFromFileNames(['c.jpg', 'a.jpg'], ORDER)).toBe('0x5');
    expect(bitmaskFromFileNames([], ORDER)).toBe('0x0');
    expect(bitmaskFromFileNames(['d.jpg'], indexByFileName(ORDER))).toBe('0x8');
    expect(fileNamesFromBitmask('0x5', ORDER)).toEqual(['a.jpg', 'c.jpg']);
    expect(fileNamesFromBitmask('0x0', ORDER)).toEqual([]);
  });

  it('names unknown file names (at most five) in the error', () => {
    expect(() => bitmaskFromFileNames(['a.jpg', 'x.jpg'], ORDER)).toThrow('file names: 1 file name is not a sample of the dataset: "x.jpg"');
    expect(() => bitmaskFromFileNames(['1', '2', '3', '4', '5', '6', 'a.jpg'], ORDER)).toThrow(
      'file names: 6 file names are not samples of the dataset: "1", "2", "3", "4", "5", …',
    );
  });

  it('refuses a mask that selects samples beyond the dataset', () => {
    expect(() => fileNamesFromBitmask('0x10', ORDER)).toThrow('bitmask: bitmask selects sample 4 but the dataset has only 4 samples');
  });
});
