import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NotFoundError } from '../errors';
import { measureProgress, type ProgressCallback } from '../progress';
import type { EmbeddingsHeader } from './csv-format';
import { EmbeddingsCsvParser, type RowSink } from './csv-parser';
import type { EmbeddingMatrix } from './matrix';

// 1 MiB reads: large enough that per-chunk overhead vanishes, small enough to keep memory flat.
const READ_CHUNK = 1 << 20;
// The matrix is sized from the file size and the bytes per row seen so far; this slack absorbs rows that run a bit
// longer than the sample, so the usual case allocates once and ends within ~5% of the exact size.
const CAPACITY_SLACK = 1.05;
// When the estimate was too small after all, grow by this factor (peak memory = old + new buffer while copying).
const GROWTH = 1.25;
// Rows read before the matrix is sized for the whole file (enough to average out file-name length differences).
const ESTIMATE_SAMPLE_ROWS = 64;
// If the estimate was too large by more than this, copy into an exact-size buffer instead of keeping a view.
const MAX_UNUSED_FRACTION = 0.3;

/** Options shared by the streaming readers. */
export interface ReadEmbeddingsOptions {
  signal?: AbortSignal;
  /** Progress in bytes read (`total` = file size). */
  onProgress?: ProgressCallback;
  /** Reject duplicate file names (default true). */
  checkDuplicates?: boolean;
}

/** One data row. `line` is the 1-based line where the row starts (the header is line 1). */
export interface EmbeddingRow {
  fileName: string;
  embedding: Float32Array;
  label: number;
  line: number;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('embeddings file', path);
    throw error;
  }
}

/**
 * The file in 1 MiB chunks, reporting bytes read as progress: the one read loop under every reader here.
 * Breaking out of the loop closes the file.
 */
async function* readChunks(path: string, options: ReadEmbeddingsOptions, total: number): AsyncGenerator<Buffer> {
  const started = Date.now();
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK, signal: options.signal });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      yield chunk;
      read += chunk.length;
      options.onProgress?.(measureProgress(read, total, started));
    }
  } finally {
    stream.destroy();
  }
}

/**
 * Streams a file through the parser, chunk by chunk; `afterChunk` runs between chunks (e.g. to yield rows).
 * Returns the parser so callers can read its header and counts.
 */
export async function parseEmbeddingsFile(
  path: string,
  sink: RowSink,
  options: ReadEmbeddingsOptions & { headerOnly?: boolean; lenientEnd?: boolean } = {},
  afterChunk?: () => Promise<void> | void,
): Promise<EmbeddingsCsvParser> {
  const parser = new EmbeddingsCsvParser(path, options);
  for await (const chunk of readChunks(path, options, await fileSize(path))) {
    parser.push(chunk, sink);
    if (afterChunk) await afterChunk();
    if (options.headerOnly && parser.header) break;
  }
  // lenientEnd: the caller (append mode) decides what an unterminated last row means.
  if (!options.lenientEnd || !parser.header) parser.end(sink);
  return parser;
}

/**
 * Reads the header row only.
 *
 * Example: → `{ dim: 32, columns: ['filenames', 'embedding_0', …, 'embedding_31', 'labels'] }`.
 */
export async function readEmbeddingsHeader(path: string): Promise<EmbeddingsHeader> {
  const sink: RowSink = { values: new Float32Array(0), offset: 0, onRow: () => undefined };
  const parser = await parseEmbeddingsFile(path, sink, { headerOnly: true });
  return parser.header as EmbeddingsHeader;
}

/**
 * Streams the rows of an embeddings CSV, validating as it goes (errors are InvalidInputError naming file, line and
 * column). Memory stays flat: one read chunk plus the rows of that chunk.
 *
 * Example: `for await (const row of readEmbeddingRows('embeddings.csv'))` → `{ fileName: 'img_0.jpg',
 * embedding: Float32Array(8) [0.1, -2.5e-7, …], label: 0, line: 2 }`.
 */
export async function* readEmbeddingRows(path: string, options: ReadEmbeddingsOptions = {}): AsyncGenerator<EmbeddingRow> {
  let batch: EmbeddingRow[] = [];
  let dim = 0;
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      dim = header.dim;
      sink.values = new Float32Array(dim);
    },
    onRow(fileName, label, line) {
      batch.push({ fileName, embedding: sink.values, label, line });
      sink.values = new Float32Array(dim);
    },
  };
  // Rows are handed out between chunks, so a consumer that stops early stops the read too.
  const parser = new EmbeddingsCsvParser(path, options);
  for await (const chunk of readChunks(path, options, await fileSize(path))) {
    parser.push(chunk, sink);
    const rows = batch;
    batch = [];
    yield* rows;
  }
  parser.end(sink);
  yield* batch;
}

/** Options for loadEmbeddingMatrix. */
export interface LoadMatrixOptions extends ReadEmbeddingsOptions {
  /** Allocate on a SharedArrayBuffer so worker threads can scan it without a copy. */
  shared?: boolean;
}

function allocate(length: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/**
 * Loads a whole embeddings CSV into one contiguous row-major Float32Array for the selection engine.
 * Memory: the matrix is sized once from the file size and the bytes per row of the first chunk, so the peak is
 * about 1.05× the final matrix (1.25× + copy only if later rows are much longer than the first ones).
 *
 * Example: → `{ fileNames: ['img_0.jpg', …], labels: Int32Array(1000), dim: 32, data: Float32Array(32000) }`.
 */
export async function loadEmbeddingMatrix(path: string, options: LoadMatrixOptions = {}): Promise<EmbeddingMatrix> {
  const shared = options.shared ?? false;
  const size = await fileSize(path);
  const parser = new EmbeddingsCsvParser(path, options);
  const fileNames: string[] = [];
  let labels = new Int32Array(0);
  let dim = 0;
  let capacity = 0;
  let estimated = false;

  const resize = (rows: number) => {
    const values = allocate(rows * dim, shared);
    values.set(sink.values.subarray(0, fileNames.length * dim));
    sink.values = values;
    const nextLabels = new Int32Array(rows);
    nextLabels.set(labels.subarray(0, fileNames.length));
    labels = nextLabels;
    capacity = rows;
  };
  // Rows still to come ≈ bytes left / bytes per row so far.
  const estimateRows = (bytesDone: number): number => {
    const rows = fileNames.length;
    const bytesPerRow = Math.max((bytesDone - parser.headerBytes) / Math.max(rows, 1), 1);
    return Math.ceil(rows + ((size - bytesDone) / bytesPerRow) * CAPACITY_SLACK) + 1;
  };
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      dim = header.dim;
      // Until a few rows show the real row length, assume the shortest possible values ("0,") within one chunk.
      resize(Math.ceil(Math.min(READ_CHUNK, size) / (2 * dim)) + 1);
    },
    onRow(fileName, label, _line, _start, end) {
      const row = fileNames.length;
      fileNames.push(fileName);
      labels[row] = label;
      sink.offset = (row + 1) * dim;
      if (!estimated && row + 1 >= ESTIMATE_SAMPLE_ROWS) {
        // The first real sample of row length: size the matrix for the whole file now, while it is still small.
        estimated = true;
        resize(Math.max(estimateRows(end), row + 2));
      } else if (row + 1 >= capacity) {
        resize(Math.max(Math.ceil(capacity * GROWTH), estimateRows(end)));
      }
    },
  };
  for await (const chunk of readChunks(path, options, size)) parser.push(chunk, sink);
  parser.end(sink);
  const rows = fileNames.length;
  let data = sink.values.subarray(0, rows * dim);
  if (capacity > 0 && (capacity - rows) / capacity > MAX_UNUSED_FRACTION) {
    data = allocate(rows * dim, shared);
    data.set(sink.values.subarray(0, rows * dim));
  }
  return { fileNames, labels: labels.slice(0, rows), dim, data };
}

/**
 * Validates a whole file without keeping it in memory.
 *
 * Example: → `{ rows: 1000, dim: 32, canonical: true }` (canonical = no `masked`/`selected`/extra columns).
 */
export async function validateEmbeddingsFile(
  path: string,
  options: ReadEmbeddingsOptions = {},
): Promise<{ rows: number; dim: number; canonical: boolean }> {
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      sink.values = new Float32Array(header.dim);
    },
    onRow: () => undefined,
  };
  const parser = await parseEmbeddingsFile(path, sink, options);
  const header = parser.header as EmbeddingsHeader;
  return { rows: parser.rows, dim: header.dim, canonical: header.canonical };
}
