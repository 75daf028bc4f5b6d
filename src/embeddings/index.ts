export type { EmbeddingMatrix } from './matrix';
export { MAX_FLOAT32_TEXT, formatFloat32, writeFloat32 } from './float32-format';
export {
  INVALID_EMBEDDINGS,
  formatHeader,
  formatRow,
  quoteField,
  type ColumnRole,
  type EmbeddingsHeader,
} from './csv-format';
export { EmbeddingsCsvParser, type ParserOptions, type RowSink } from './csv-parser';
export {
  loadEmbeddingMatrix,
  readEmbeddingRows,
  readEmbeddingsHeader,
  validateEmbeddingsFile,
  type EmbeddingRow,
  type LoadMatrixOptions,
  type ReadEmbeddingsOptions,
} from './reader';
export {
  createEmbeddingsWriter,
  writeEmbeddingMatrix,
  type AppendState,
  type EmbeddingsWriter,
  type EmbeddingsWriterOptions,
} from './writer';
export { centerEmbeddingsFile } from './center';
export {
  DEFAULT_WHITEN_COMPONENTS,
  DEFAULT_WHITEN_SHRINKAGE,
  whitenEmbeddingsFile,
  type WhitenOptions,
  type WhitenResult,
} from './whiten';
export { mergeEmbeddingsFiles, reorderEmbeddings, sortEmbeddingsByFileName, type RewriteResult } from './merge';
export {
  MODEL_MISMATCH,
  assertSameModel,
  modelRecordPath,
  readModelRecord,
  writeModelRecord,
  type ModelRecord,
} from './model-record';
