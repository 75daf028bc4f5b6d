import { open } from 'node:fs/promises';
import { InvalidInputError } from '../errors';
import { INVALID_EMBEDDINGS, type EmbeddingsHeader } from './csv-format';
import { assertSameModel, readModelRecord, writeModelRecord } from './model-record';
import { EmbeddingsCsvParser, type RowSink } from './csv-parser';
import { parseEmbeddingsFile, readEmbeddingRows, readEmbeddingsHeader } from './reader';
import { createEmbeddingsWriter, withTemporaryOutput } from './writer';

/** Result of a merge or reorder. */
export interface RewriteResult {
  rows: number;
  dim: number;
  /** Rows dropped because a later input had the same file name (merge only). */
  replaced: number;
}

/**
 * Merges embeddings files into one canonical file (lightly's header, `\r\n`, shortest float32 text). A row of a later
 * input replaces a row with the same file name from an earlier input; dimensions must match. Rows keep the order of
 * their input, inputs in the order given, so replaced rows move to the position of their newest version. One input
 * is a canonical rewrite (drops `masked`/`selected` columns). Memory holds file names only, never embeddings. Inputs
 * whose model records (`<csv>.model.json`) name different models are refused; the output's record is theirs.
 *
 * Example: `mergeEmbeddingsFiles(['old.csv', 'new.csv'], 'all.csv')` → `{ rows: 1200, dim: 32, replaced: 40 }`.
 */
export async function mergeEmbeddingsFiles(
  inputs: string[],
  out: string,
  options: { signal?: AbortSignal } = {},
): Promise<RewriteResult> {
  if (inputs.length === 0) throw new RangeError('mergeEmbeddingsFiles needs at least one input');
  const headers: EmbeddingsHeader[] = [];
  for (const input of inputs) headers.push(await readEmbeddingsHeader(input));
  const dim = headers[0].dim;
  headers.forEach((header, index) => {
    if (header.dim !== dim) {
      throw new InvalidInputError(
        { file: inputs[index], line: 1 },
        `has ${header.dim} embedding columns but ${inputs[0]} has ${dim}; merged files must have the same dimension`,
        INVALID_EMBEDDINGS,
      );
    }
  });
  const model = await commonModel(inputs);
  // Pass 1: which input holds the newest row of each file name.
  const newest = new Map<string, number>();
  let total = 0;
  for (let index = 0; index < inputs.length; index++) {
    const sink: RowSink = {
      values: new Float32Array(dim),
      offset: 0,
      onRow(fileName) {
        newest.set(fileName, index);
        total++;
      },
    };
    await parseEmbeddingsFile(inputs[index], sink, { signal: options.signal });
  }
  // Pass 2: stream each input again and keep only the newest rows.
  return withTemporaryOutput(out, async (temp) => {
    const writer = await createEmbeddingsWriter(temp, { dim });
    try {
      for (let index = 0; index < inputs.length; index++) {
        for await (const row of readEmbeddingRows(inputs[index], { signal: options.signal, checkDuplicates: false })) {
          if (newest.get(row.fileName) === index) await writer.write(row.fileName, row.embedding, row.label);
        }
      }
    } finally {
      await writer.close();
    }
    return { rows: newest.size, dim, replaced: total - newest.size };
  }).then(async (result) => {
    await writeModelRecord(out, model === undefined ? undefined : { model, dim });
    return result;
  });
}

/**
 * The model all `inputs` were made by, from their model records: undefined when any has none (the output gets no
 * record then), MODEL_MISMATCH naming both when two records differ.
 */
async function commonModel(inputs: string[]): Promise<string | undefined> {
  const records = await Promise.all(inputs.map((input) => readModelRecord(input)));
  const firstKnown = records.findIndex((r) => r !== undefined);
  records.forEach((record, index) => {
    if (firstKnown >= 0) {
      assertSameModel({ source: inputs[firstKnown], model: records[firstKnown]?.model }, { source: inputs[index], model: record?.model }, 'merge');
    }
  });
  return records.every((r) => r !== undefined) ? records[0]?.model : undefined;
}

/**
 * Rewrites a file with its rows in the order of `fileNames` (the dataset's sample order on the platform), as lightly
 * does before uploading. The file's names and `fileNames` must be the same set, else InvalidInputError says which
 * names are missing or extra. Memory holds one byte range per row; rows are re-read by offset.
 *
 * Example: `reorderEmbeddings('e.csv', ['b.jpg', 'a.jpg'], 'sorted.csv')` → `{ rows: 2, dim: 32, replaced: 0 }`.
 */
export async function reorderEmbeddings(
  input: string,
  fileNames: string[],
  out: string,
  options: { signal?: AbortSignal } = {},
): Promise<RewriteResult> {
  return rewriteInOrder(
    input,
    out,
    (ranges) => {
      checkSameNames(input, ranges, fileNames);
      return fileNames;
    },
    options,
  );
}

/**
 * Rewrites a file with its rows sorted by file name (JavaScript string order), the order every face of the pipeline
 * saves in, so `winnow run`, the Temporal pipeline and the n8n node write the same bytes. One parse finds both the
 * names and their rows. Returns the sorted names too, for the samples that go with the rows.
 *
 * Example: `sortEmbeddingsByFileName('e.csv', 'sorted.csv')` → `{ rows: 2, dim: 32, replaced: 0, fileNames: ['a.jpg', 'b.jpg'] }`.
 */
export async function sortEmbeddingsByFileName(input: string, out: string, options: { signal?: AbortSignal } = {}): Promise<RewriteResult & { fileNames: string[] }> {
  let fileNames: string[] = [];
  const result = await rewriteInOrder(input, out, (ranges) => (fileNames = [...ranges.keys()].sort()), options);
  return { ...result, fileNames };
}

/** Writes `input`'s rows to `out` in the order `orderOf` picks from the names found in the file. */
async function rewriteInOrder(
  input: string,
  out: string,
  orderOf: (ranges: Map<string, [number, number]>) => string[],
  options: { signal?: AbortSignal },
): Promise<RewriteResult> {
  const ranges = new Map<string, [number, number]>();
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      sink.values = new Float32Array(header.dim);
    },
    onRow(fileName, _label, _line, start, end) {
      ranges.set(fileName, [start, end]);
    },
  };
  const parser = await parseEmbeddingsFile(input, sink, { signal: options.signal });
  const header = parser.header as EmbeddingsHeader;
  const fileNames = orderOf(ranges);
  const record = await readModelRecord(input);

  return withTemporaryOutput(out, async (temp) => {
    const writer = await createEmbeddingsWriter(temp, { dim: header.dim });
    const handle = await open(input, 'r');
    try {
      // A fresh parser primed with the header re-parses single rows read by their byte range.
      const rowParser = new EmbeddingsCsvParser(input, { checkDuplicates: false });
      const headerBuffer = Buffer.alloc(parser.headerBytes);
      await handle.read(headerBuffer, 0, parser.headerBytes, 0);
      let pending: Promise<void> = Promise.resolve();
      const rowSink: RowSink = {
        values: new Float32Array(header.dim),
        offset: 0,
        onRow(fileName, label) {
          pending = writer.write(fileName, rowSink.values, label);
        },
      };
      rowParser.pushComplete(headerBuffer, rowSink);
      let buffer = Buffer.alloc(0);
      for (const fileName of fileNames) {
        options.signal?.throwIfAborted();
        const [start, end] = ranges.get(fileName) as [number, number];
        if (buffer.length < end - start) buffer = Buffer.alloc((end - start) * 2);
        await handle.read(buffer, 0, end - start, start);
        rowParser.pushComplete(buffer.subarray(0, end - start), rowSink);
        await pending;
      }
    } finally {
      await handle.close();
      await writer.close();
    }
    return { rows: fileNames.length, dim: header.dim, replaced: 0 };
  }).then(async (result) => {
    // The same rows in another order: the same model made them.
    await writeModelRecord(out, record);
    return result;
  });
}

// Like lightly's upload check: same count, same set; the message lists a few offenders of each kind.
function checkSameNames(input: string, inFile: Map<string, unknown>, wanted: string[]): void {
  const seen = new Set<string>();
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const name of wanted) {
    if (seen.has(name)) duplicated.push(name);
    seen.add(name);
    if (!inFile.has(name)) missing.push(name);
  }
  const extra = [...inFile.keys()].filter((name) => !seen.has(name));
  const problems: string[] = [];
  const sample = (names: string[]) => names.slice(0, 5).map((n) => JSON.stringify(n)).join(', ') + (names.length > 5 ? ', …' : '');
  if (duplicated.length > 0) problems.push(`${duplicated.length} file names listed twice (${sample(duplicated)})`);
  if (missing.length > 0) problems.push(`${missing.length} file names not in the file (${sample(missing)})`);
  if (extra.length > 0) problems.push(`${extra.length} rows whose file names are not in the list (${sample(extra)})`);
  if (problems.length > 0) {
    throw new InvalidInputError(
      { file: input },
      `${inFile.size} rows in the file but ${wanted.length} file names to order them by: ${problems.join('; ')}`,
      INVALID_EMBEDDINGS,
    );
  }
}
