export {
  formatCustomMetadata,
  readCustomMetadataFile,
  readCustomMetadataWithWarnings,
  saveCustomMetadata,
  validateCustomMetadata,
  type CustomMetadata,
  type CustomMetadataEntry,
  type CustomMetadataImage,
  type ValidateMetadataOptions,
} from './custom-metadata';
export { discoverMetadataKeys, getMetadataValue, metadataByFileName, type MetadataKey, type MetadataValueType } from './key-paths';
export {
  INVALID_METADATA,
  PyFloat,
  copyNumberMarks,
  isFloatAt,
  markFloat,
  parseJsonWithPositions,
  positionOf,
  pyFloat,
  rawIntegerAt,
  type SourcePosition,
} from './json-source';
export { formatPythonFloat, formatPythonString, stringifyPythonJson } from './python-json';
