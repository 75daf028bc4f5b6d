import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { InvalidInputError } from '../errors';
import { formatHeader, INVALID_EMBEDDINGS, quoteField } from './csv-format';
import { MAX_FLOAT32_TEXT, writeFloat32 } from './float32-format';
import type { RowSink } from './csv-parser';
import type { EmbeddingMatrix } from './matrix';
import { parseEmbeddingsFile } from './reader';

// Rows are formatted as bytes into 1 MiB chunks (no per-value strings), and a chunk is handed to the stream when full;
// 1 MiB of buffered chunks before `write()` asks us to wait keeps the disk busy without piling up gigabytes.
const CHUNK_BYTES = 1 << 20;
const WRITE_HIGH_WATER_MARK = 1 << 20;
const COMMA = 44;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface EmbeddingsWriterOptions {
  dim: number;
  /**
   * Continue an existing file (resume after a crash): its header must have the same `dim`, its rows are validated,
   * and an unterminated last row — what a crash mid-write leaves — is cut off so the file stays valid.
   */
  append?: boolean;
}

/** What append mode found in the existing file. */
export interface AppendState {
  /** Valid rows already in the file. */
  rows: number;
  /** Their file names, so a resumed job can skip them. */
  fileNames: Set<string>;
  /** Bytes of an unterminated last row that were cut off (0 when the file ended cleanly). */
  truncatedBytes: number;
}

/**
 * Writes embeddings rows exactly as lightly's `save_embeddings` does.
 *
 * Example: `const w = await createEmbeddingsWriter('out.csv', { dim: 3 }); await w.write('a.jpg', [0.1, 2, -3e-7]);
 * await w.close()` → `filenames,embedding_0,embedding_1,embedding_2,labels\r\na.jpg,0.1,2.0,-3e-07,0\r\n`.
 */
export interface EmbeddingsWriter {
  readonly path: string;
  readonly dim: number;
  /** Rows written through this writer (not counting rows that were already there in append mode). */
  readonly rowsWritten: number;
  /** Set in append mode. */
  readonly existing: AppendState | undefined;
  /** Resolves once the row is buffered; waits for the disk when the buffer is full (backpressure). */
  write(fileName: string, embedding: ArrayLike<number>, label?: number): Promise<void>;
  /**
   * Hands every buffered row to the operating system and waits until it has them, so they survive the process
   * being killed (a resumable job calls this before it reports progress it will not redo).
   */
  flush(): Promise<void>;
  /** Flushes and closes; the file is complete once this resolves. */
  close(): Promise<void>;
}

async function existingSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads the file being resumed: validates it, collects its file names and cuts off a partial last row.
 * Returns undefined when there is nothing usable (no file, empty file, or only part of a header), so the caller
 * starts it afresh.
 */
async function prepareAppend(path: string, dim: number): Promise<AppendState | undefined> {
  const size = await existingSize(path);
  if (size === undefined || size === 0) return undefined;
  const expectedHeader = formatHeader(dim);
  if (size < expectedHeader.length) {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size), 0, size, 0);
      // A crash while the header was being written: start again rather than reject the file.
      if (expectedHeader.startsWith(buffer.toString('utf8', 0, bytesRead))) return undefined;
    } finally {
      await handle.close();
    }
  }
  const fileNames = new Set<string>();
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      if (header.dim !== dim) {
        throw new InvalidInputError(
          { file: path, line: 1 },
          `cannot append ${dim}-dimensional embeddings to a file of dimension ${header.dim}`,
          INVALID_EMBEDDINGS,
        );
      }
      if (!header.canonical) {
        throw new InvalidInputError(
          { file: path, line: 1 },
          `cannot append to a file with extra columns (${header.columns.filter((c) => c === 'masked' || c === 'selected' || !/^(filenames|labels|embedding_\d+)$/.test(c)).join(', ')}); rewrite it first with \`winnow embeddings merge\``,
          INVALID_EMBEDDINGS,
        );
      }
      sink.values = new Float32Array(dim);
    },
    onRow(fileName) {
      fileNames.add(fileName);
    },
  };
  const parser = await parseEmbeddingsFile(path, sink, { lenientEnd: true });
  const truncatedBytes = parser.pendingBytes;
  if (truncatedBytes > 0) await truncate(path, parser.consumed);
  return { rows: parser.rows, fileNames, truncatedBytes };
}

// Writing next to the output and renaming at the end means `out` may also be one of the inputs, and a crash never
// leaves a half-written file under the final name.
/** Runs `work` on a temporary path beside `out`, then renames it to `out`; on failure the temporary file is removed. */
export async function withTemporaryOutput<T>(out: string, work: (path: string) => Promise<T>): Promise<T> {
  const temp = `${out}.tmp-${process.pid}-${Date.now()}`;
  try {
    const result = await work(temp);
    await rename(temp, out);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes an embeddings file through `write` under a temporary name (see withTemporaryOutput); the writer is closed either way. */
export async function writeEmbeddingsFile<T>(out: string, options: EmbeddingsWriterOptions, write: (writer: EmbeddingsWriter) => Promise<T>): Promise<T> {
  return withTemporaryOutput(out, async (temp) => {
    const writer = await createEmbeddingsWriter(temp, options);
    try {
      const result = await write(writer);
      await writer.close();
      return result;
    } catch (error) {
      await writer.close().catch(() => undefined);
      throw error;
    }
  });
}

/** Opens a writer; with `append` the existing file is checked and repaired first (see EmbeddingsWriterOptions). */
export async function createEmbeddingsWriter(path: string, options: EmbeddingsWriterOptions): Promise<EmbeddingsWriter> {
  const { dim } = options;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  const existing = options.append ? await prepareAppend(path, dim) : undefined;
  const stream: WriteStream = createWriteStream(path, {
    flags: existing ? 'a' : 'w',
    highWaterMark: WRITE_HIGH_WATER_MARK,
  });
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });
  const names = existing?.fileNames ?? new Set<string>();
  let line = (existing?.rows ?? 0) + 2;
  let rowsWritten = 0;
  let closed = false;

  const push = async (text: string | Buffer) => {
    if (failure) throw failure;
    if (!stream.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (error: Error) => {
          stream.off('drain', onDrain);
          reject(error);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    }
  };
  if (!existing) await push(formatHeader(dim));
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = async () => {
    if (used === 0) return;
    const full = chunk.subarray(0, used);
    // The stream keeps a reference until the bytes are on disk, so the next rows go into a fresh chunk.
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    await push(full);
  };

  const reject = (problem: string): never => {
    throw new InvalidInputError({ file: path, line }, problem, INVALID_EMBEDDINGS);
  };

  return {
    path,
    dim,
    get rowsWritten() {
      return rowsWritten;
    },
    existing,
    async write(fileName, embedding, label = 0) {
      if (closed) throw new Error(`embeddings writer for ${path} is closed`);
      // The writer refuses exactly what the reader would reject, so a file it produced always reads back.
      if (fileName === '') reject('empty file name');
      if (embedding.length !== dim) reject(`embedding for ${JSON.stringify(fileName)} has ${embedding.length} values, the file has ${dim}`);
      if (!Number.isInteger(label) || label < INT32_MIN || label > INT32_MAX) {
        reject(`label ${label} for ${JSON.stringify(fileName)} is not a 32-bit integer`);
      }
      for (let i = 0; i < dim; i++) {
        const value = Math.fround(embedding[i]);
        if (!Number.isFinite(value)) reject(`embedding for ${JSON.stringify(fileName)} has a non-finite value ${embedding[i]} at index ${i}`);
      }
      if (names.has(fileName)) reject(`duplicate file name ${JSON.stringify(fileName)}`);
      names.add(fileName);
      const name = quoteField(fileName);
      const bound = Buffer.byteLength(name) + dim * (MAX_FLOAT32_TEXT + 1) + 16;
      if (used + bound > chunk.length) {
        await flush();
        if (bound > chunk.length) chunk = Buffer.allocUnsafe(bound);
      }
      used += chunk.write(name, used, 'utf8');
      for (let i = 0; i < dim; i++) {
        chunk[used++] = COMMA;
        used = writeFloat32(embedding[i], chunk, used);
      }
      used += chunk.write(`,${label}\r\n`, used, 'latin1');
      line++;
      rowsWritten++;
    },
    async flush() {
      if (closed) return;
      await flush();
      // A write callback fires once fs.write returned for that chunk and every chunk queued before it.
      await new Promise<void>((resolve, rejectFlush) => stream.write('', (error?: Error | null) => (error ? rejectFlush(error) : resolve())));
      if (failure) throw failure;
    },
    async close() {
      if (closed) return;
      closed = true;
      await flush();
      await new Promise<void>((resolve, rejectClose) => {
        stream.end((error?: Error | null) => (error ? rejectClose(error) : resolve()));
      });
      if (failure) throw failure;
    },
  };
}

/**
 * Writes a whole matrix as a lightly embeddings CSV.
 *
 * Example: `writeEmbeddingMatrix('e.csv', { fileNames: ['a.jpg'], labels: Int32Array.of(0), dim: 2,
 * data: Float32Array.of(1, 0.5) })` → file `filenames,embedding_0,embedding_1,labels\r\na.jpg,1.0,0.5,0\r\n`.
 */
export async function writeEmbeddingMatrix(path: string, matrix: EmbeddingMatrix): Promise<void> {
  const { dim, data, fileNames, labels } = matrix;
  const writer = await createEmbeddingsWriter(path, { dim });
  try {
    for (let row = 0; row < fileNames.length; row++) {
      await writer.write(fileNames[row], data.subarray(row * dim, (row + 1) * dim), labels[row]);
    }
  } finally {
    await writer.close();
  }
}
