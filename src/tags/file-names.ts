import { InvalidInputError } from '../errors';
import { INVALID_BITMASK, TagBitset } from './bitset';

// Error messages list at most this many unknown names, so a wrong list of a million names stays readable.
const MAX_LISTED = 5;

/**
 * Bitmask of the samples with these file names, bit k = position of the name in `datasetOrder` (the platform's
 * sample order). Unknown names are an error that lists them (lightly users hit this when CSV and server disagree).
 *
 * Example: `bitmaskFromFileNames(['c.jpg', 'a.jpg'], ['a.jpg', 'b.jpg', 'c.jpg'])` → `'0x5'`.
 */
export function bitmaskFromFileNames(fileNames: Iterable<string>, datasetOrder: readonly string[] | ReadonlyMap<string, number>): string {
  const position = datasetOrder instanceof Map ? datasetOrder : indexByFileName(datasetOrder as readonly string[]);
  const unknown: string[] = [];
  let unknownCount = 0;
  const indices: number[] = [];
  for (const name of fileNames) {
    const index = position.get(name);
    if (index === undefined) {
      unknownCount++;
      if (unknown.length < MAX_LISTED) unknown.push(name);
    } else {
      indices.push(index);
    }
  }
  if (unknownCount > 0) {
    const listed = unknown.map((n) => JSON.stringify(n)).join(', ') + (unknownCount > MAX_LISTED ? ', …' : '');
    throw new InvalidInputError({ file: 'file names' }, unknownCount === 1 ? `1 file name is not a sample of the dataset: ${listed}` : `${unknownCount} file names are not samples of the dataset: ${listed}`, 'UNKNOWN_FILE_NAMES');
  }
  return TagBitset.fromIndices(indices).toHex();
}

/**
 * File names of the samples in a bitmask, in dataset order. A bit beyond the end of `datasetOrder` is an error
 * (the tag belongs to a larger dataset).
 *
 * Example: `fileNamesFromBitmask('0x5', ['a.jpg', 'b.jpg', 'c.jpg'])` → `['a.jpg', 'c.jpg']`.
 */
export function fileNamesFromBitmask(hex: string, datasetOrder: readonly string[]): string[] {
  const bitset = TagBitset.fromHex(hex);
  const end = bitset.highestIndexPlusOne();
  if (end > datasetOrder.length) {
    throw new InvalidInputError(
      { file: 'bitmask' },
      `bitmask selects sample ${end - 1} but the dataset has only ${datasetOrder.length} samples`,
      INVALID_BITMASK,
    );
  }
  return bitset.indices().map((i) => datasetOrder[i]);
}

/** `datasetOrder` as name → position, for repeated lookups (build once, pass to bitmaskFromFileNames). */
export function indexByFileName(datasetOrder: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  datasetOrder.forEach((name, index) => {
    if (!map.has(name)) map.set(name, index);
  });
  return map;
}
