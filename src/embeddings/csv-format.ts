import { InvalidInputError, type ErrorCode } from '../errors';
import { formatFloat32 } from './float32-format';

/**
 * The lightly embeddings CSV dialect (lightly `save_embeddings` / `check_embeddings`): header
 * `filenames,embedding_0,…,embedding_{D-1},labels`, `\r\n` row ends, Python csv minimal quoting.
 */

/** Error code of every embeddings-file validation failure (REST/Temporal see it as the failure type). */
export const INVALID_EMBEDDINGS = 'INVALID_EMBEDDINGS' satisfies ErrorCode;

/** What each header column means to the reader; `ignored` = lightly's optional `masked`/`selected` and anything after `labels`. */
export type ColumnRole = 'fileName' | 'embedding' | 'label' | 'ignored';

/**
 * A parsed header.
 *
 * Example: `filenames,embedding_0,embedding_1,masked,labels` → `{ dim: 2, columns: ['filenames','embedding_0',
 * 'embedding_1','masked','labels'], roles: ['fileName','embedding','embedding','ignored','label'], canonical: false }`.
 */
export interface EmbeddingsHeader {
  dim: number;
  columns: string[];
  roles: ColumnRole[];
  /** True when the header is exactly what `save_embeddings` writes (no extra columns). */
  canonical: boolean;
}

// lightly allows these two bookkeeping columns between the embeddings and the labels (check_embeddings).
const OPTIONAL_COLUMNS = new Set(['masked', 'selected']);
const EMBEDDING_COLUMN = /^embedding_(\d+)$/;

/** Validates header cells the way lightly's `check_embeddings` does, naming the offending column. */
export function parseHeader(file: string, columns: string[]): EmbeddingsHeader {
  const at = (column: string | number) => ({ file, line: 1, column });
  if (columns.length === 1 && columns[0] === '') throw new InvalidInputError(at(1), 'empty header row', INVALID_EMBEDDINGS);
  columns.forEach((name, index) => {
    if (name.trim() !== name) {
      throw new InvalidInputError(
        at(index + 1),
        `header column ${JSON.stringify(name)} must not contain leading or trailing whitespace`,
        INVALID_EMBEDDINGS,
      );
    }
  });
  if (columns[0] !== 'filenames') {
    throw new InvalidInputError(
      at(1),
      `first header column must be "filenames", found ${JSON.stringify(columns[0])}`,
      INVALID_EMBEDDINGS,
    );
  }
  const labelIndex = columns.indexOf('labels');
  if (labelIndex < 0) throw new InvalidInputError(at(1), 'header has no "labels" column', INVALID_EMBEDDINGS);
  const roles: ColumnRole[] = columns.map(() => 'ignored');
  roles[0] = 'fileName';
  roles[labelIndex] = 'label';
  let dim = 0;
  for (let index = 1; index < labelIndex; index++) {
    const name = columns[index];
    if (OPTIONAL_COLUMNS.has(name)) continue;
    const match = EMBEDDING_COLUMN.exec(name);
    if (!match) {
      throw new InvalidInputError(
        at(name),
        `unexpected column ${JSON.stringify(name)}: columns between "filenames" and "labels" must be embedding_<i>, "masked" or "selected"`,
        INVALID_EMBEDDINGS,
      );
    }
    // Lightly reads the columns in file order, so embedding_<i> must be the i-th embedding column.
    if (Number(match[1]) !== dim || match[1] !== String(dim)) {
      throw new InvalidInputError(
        at(name),
        `embedding columns must be numbered in order: expected "embedding_${dim}", found ${JSON.stringify(name)}`,
        INVALID_EMBEDDINGS,
      );
    }
    roles[index] = 'embedding';
    dim++;
  }
  if (dim === 0) throw new InvalidInputError(at(1), 'header has no embedding_<i> columns', INVALID_EMBEDDINGS);
  const canonical = columns.length === dim + 2 && labelIndex === dim + 1;
  return { dim, columns, roles, canonical };
}

/** `filenames,embedding_0,…,embedding_{dim-1},labels` plus the row terminator. */
export function formatHeader(dim: number): string {
  const columns = ['filenames'];
  for (let i = 0; i < dim; i++) columns.push(`embedding_${i}`);
  columns.push('labels');
  return `${columns.join(',')}\r\n`;
}

/** Python csv QUOTE_MINIMAL: quote only when the field holds the delimiter, the quote or a line break. */
export function quoteField(field: string): string {
  if (!/[",\r\n]/.test(field)) return field;
  return `"${field.replace(/"/g, '""')}"`;
}

/** One data row as `save_embeddings` writes it, `\r\n` included. */
export function formatRow(fileName: string, embedding: ArrayLike<number>, label: number, offset = 0, dim = embedding.length): string {
  let row = quoteField(fileName);
  for (let i = 0; i < dim; i++) row += `,${formatFloat32(embedding[offset + i])}`;
  return `${row},${label}\r\n`;
}
