export {
  INVALID_BITMASK,
  TagBitset,
  bitmaskDifference,
  bitmaskFromIndices,
  bitmaskIntersection,
  bitmaskUnion,
  indicesFromBitmask,
} from './bitset';
export { bitmaskFromFileNames, fileNamesFromBitmask, indexByFileName } from './file-names';
