import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { InvalidInputError } from '../../src/errors';
import { validateEmbeddingsFile, readEmbeddingsHeader } from '../../src/embeddings';
import { tempDir, writeText } from './helpers';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function file(text: string): string {
  return writeText(dir, `case-${counter++}.csv`, text);
}

const HEADER = 'filenames,embedding_0,embedding_1,labels\r\n';

async function errorOf(text: string): Promise<InvalidInputError> {
  const path = file(text);
  try {
    await validateEmbeddingsFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const invalid = error as InvalidInputError;
    expect(invalid.code).toBe('INVALID_EMBEDDINGS');
    expect(invalid.message.startsWith(path)).toBe(true);
    return invalid;
  }
  throw new Error('expected the file to be rejected');
}

/** The message without the file path prefix. */
async function problem(text: string): Promise<string> {
  const error = await errorOf(text);
  return error.message.slice(error.location.file.length);
}

describe('embeddings CSV validation (lightly check_embeddings rules)', () => {
  it('rejects header cells with surrounding whitespace', async () => {
    expect(await problem('filenames, embedding_0,labels\r\n')).toBe(':1:2: header column " embedding_0" must not contain leading or trailing whitespace');
    expect(await problem('filenames ,embedding_0,labels\r\n')).toBe(':1:1: header column "filenames " must not contain leading or trailing whitespace');
  });

  it('requires "filenames" as the first column', async () => {
    expect(await problem('file,embedding_0,labels\r\n')).toBe(':1:1: first header column must be "filenames", found "file"');
  });

  it('requires a labels column', async () => {
    expect(await problem('filenames,embedding_0,embedding_1\r\n')).toBe(':1:1: header has no "labels" column');
  });

  it('rejects bad column names and allows masked/selected, as lightly does', async () => {
    expect(await problem('filenames,embedding_0,weight,labels\r\n')).toBe(
      ':1 (column "weight"): unexpected column "weight": columns between "filenames" and "labels" must be embedding_<i>, "masked" or "selected"',
    );
    expect(await problem('filenames,embedding_1,embedding_0,labels\r\n')).toBe(
      ':1 (column "embedding_1"): embedding columns must be numbered in order: expected "embedding_0", found "embedding_1"',
    );
    expect(await problem('filenames,embedding_00,labels\r\n')).toBe(
      ':1 (column "embedding_00"): embedding columns must be numbered in order: expected "embedding_0", found "embedding_00"',
    );
    expect(await problem('filenames,masked,labels\r\n')).toBe(':1:1: header has no embedding_<i> columns');
    const ok = file('filenames,embedding_0,masked,embedding_1,selected,labels,extra\r\na.jpg,1,1,2,0,3,x\r\n');
    expect(await validateEmbeddingsFile(ok)).toEqual({ rows: 1, dim: 2, canonical: false });
  });

  it('rejects an empty file, an empty header and a byte-order mark', async () => {
    expect(await problem('')).toBe(':1: file is empty (no header row)');
    expect(await problem('\r\n')).toBe(':1:1: empty header row');
    expect(await problem(`\ufeff${HEADER}`)).toBe(':1:1: file starts with a UTF-8 byte-order mark; save it as plain UTF-8 (lightly rejects the BOM too)');
  });

  it('rejects empty rows with their line', async () => {
    expect(await problem(`${HEADER}a.jpg,1,2,0\r\n\r\nb.jpg,1,2,0\r\n`)).toBe(':3: empty row');
    expect(await problem(`${HEADER}a.jpg,1,2,0\r\n\r\n`)).toBe(':3: empty row');
    expect(await problem(`${HEADER}\n`)).toBe(':2: empty row');
  });

  it('rejects ragged rows', async () => {
    expect(await problem(`${HEADER}a.jpg,1,2,0\r\nb.jpg,1,0\r\n`)).toBe(':3: row has 3 fields, the header has 4 (missing from column "labels")');
    expect(await problem(`${HEADER}a.jpg,1,2,0,7,8\r\n`)).toBe(':2: row has at least 6 fields, the header has 4');
    expect(await problem(`${HEADER}a.jpg\r\n`)).toBe(':2: row has 1 fields, the header has 4 (missing from column "embedding_0")');
  });

  it('rejects non-numeric, NaN, Infinity, empty and out-of-range values, naming the column', async () => {
    expect(await problem(`${HEADER}a.jpg,1,abc,0\r\n`)).toBe(':2 (column "embedding_1"): value "abc" is not a number');
    expect(await problem(`${HEADER}a.jpg,nan,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "nan" is not a finite number');
    expect(await problem(`${HEADER}a.jpg,NaN,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "NaN" is not a finite number');
    expect(await problem(`${HEADER}a.jpg,1,-inf,0\r\n`)).toBe(':2 (column "embedding_1"): value "-inf" is not a finite number');
    expect(await problem(`${HEADER}a.jpg,Infinity,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "Infinity" is not a finite number');
    expect(await problem(`${HEADER}a.jpg,,2,0\r\n`)).toBe(':2 (column "embedding_0"): empty value');
    expect(await problem(`${HEADER}a.jpg,1e39,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "1e39" is out of the float32 range');
    expect(await problem(`${HEADER}a.jpg,1.5.2,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "1.5.2" is not a number');
    expect(await problem(`${HEADER}a.jpg, 1,2,0\r\n`)).toBe(':2 (column "embedding_0"): value " 1" is not a number');
    expect(await problem(`${HEADER}a.jpg,1e,2,0\r\n`)).toBe(':2 (column "embedding_0"): value "1e" is not a number');
    expect(await problem(`${HEADER}a.jpg,"x",2,0\r\n`)).toBe(':2 (column "embedding_0"): value "x" is not a number');
  });

  it('rejects labels that are not 32-bit integers', async () => {
    expect(await problem(`${HEADER}a.jpg,1,2,1.0\r\n`)).toBe(':2 (column "labels"): label "1.0" is not an integer');
    expect(await problem(`${HEADER}a.jpg,1,2,cat\r\n`)).toBe(':2 (column "labels"): label "cat" is not an integer');
    expect(await problem(`${HEADER}a.jpg,1,2,\r\n`)).toBe(':2 (column "labels"): empty label');
    expect(await problem(`${HEADER}a.jpg,1,2,3000000000\r\n`)).toBe(':2 (column "labels"): label "3000000000" is out of the 32-bit integer range');
  });

  it('rejects duplicate and empty file names', async () => {
    expect(await problem(`${HEADER}a.jpg,1,2,0\r\nb.jpg,1,2,0\r\na.jpg,3,4,0\r\n`)).toBe(
      ':4 (column "filenames"): duplicate file name "a.jpg" (first on line 2)',
    );
    expect(await problem(`${HEADER},1,2,0\r\n`)).toBe(':2 (column "filenames"): empty file name');
  });

  it('rejects broken quoting and stray carriage returns', async () => {
    expect(await problem(`${HEADER}"a.jpg,1,2,0\r\n`)).toBe(':2 (column "filenames"): unterminated quoted field');
    expect(await problem(`${HEADER}"a"b.jpg,1,2,0\r\n`)).toBe(':2 (column "filenames"): unexpected character after a quoted field');
    expect(await problem(`${HEADER}a.jpg,1,2,0\rb.jpg,1,2,0\r\n`)).toBe(':2 (column "labels"): carriage return (\\r) without a line feed (\\n) after it');
  });

  it('counts lines inside quoted file names when reporting later errors', async () => {
    expect(await problem(`${HEADER}"two\nlines.jpg",1,2,0\r\nb.jpg,1,x,0\r\n`)).toBe(':4 (column "embedding_1"): value "x" is not a number');
  });

  it('accepts what lightly accepts: \\n line ends, no final line break, quoted numbers, + signs, exponents', async () => {
    const path = file('filenames,embedding_0,embedding_1,labels\na.jpg,+1.5,"2",-3\nb.jpg,.5,1E-3,+4');
    expect(await validateEmbeddingsFile(path)).toEqual({ rows: 2, dim: 2, canonical: true });
  });

  it('reads the header alone', async () => {
    const header = await readEmbeddingsHeader(file(`${HEADER}a.jpg,1,2,0\r\n`));
    expect(header).toEqual({
      dim: 2,
      columns: ['filenames', 'embedding_0', 'embedding_1', 'labels'],
      roles: ['fileName', 'embedding', 'embedding', 'label'],
      canonical: true,
    });
  });

  it('reports a missing file as NotFoundError', async () => {
    await expect(validateEmbeddingsFile(`${dir}/nope.csv`)).rejects.toThrow(`embeddings file "${dir}/nope.csv" not found`);
  });
});

describe('memory bounds', () => {
  it('refuses a row longer than 64 MiB instead of buffering it', async () => {
    const { EmbeddingsCsvParser, MAX_ROW_BYTES } = await import('../../src/embeddings/csv-parser');
    const parser = new EmbeddingsCsvParser('huge.csv');
    const sink = { values: new Float32Array(1), offset: 0, onRow: () => undefined };
    parser.push(Buffer.from('filenames,embedding_0,labels\r\n'), sink);
    const piece = Buffer.alloc(8 << 20, 0x31);
    expect(() => {
      for (let sent = 0; sent <= MAX_ROW_BYTES; sent += piece.length) parser.push(piece, sink);
    }).toThrow('huge.csv:2: a row is longer than 64 MiB without a line break; is this an embeddings CSV?');
  });
});
