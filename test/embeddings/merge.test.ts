import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix, mergeEmbeddingsFiles, reorderEmbeddings, sortEmbeddingsByFileName } from '../../src/embeddings';
import { FIXTURES, tempDir, writeText } from './helpers';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'filenames,embedding_0,embedding_1,labels\r\n';

describe('mergeEmbeddingsFiles', () => {
  it('lets rows of later files replace earlier rows with the same file name', async () => {
    const a = writeText(dir, 'a.csv', `${HEADER}a.jpg,1,1,0\r\nb.jpg,2,2,0\r\nc.jpg,3,3,0\r\n`);
    const b = writeText(dir, 'b.csv', `${HEADER}b.jpg,20,20,1\r\nd.jpg,4,4,0\r\n`);
    const out = path.join(dir, 'merged.csv');
    expect(await mergeEmbeddingsFiles([a, b], out)).toEqual({ rows: 4, dim: 2, replaced: 1 });
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}a.jpg,1.0,1.0,0\r\nc.jpg,3.0,3.0,0\r\nb.jpg,20.0,20.0,1\r\nd.jpg,4.0,4.0,0\r\n`);
  });

  it('rewrites a single input canonically (drops masked/selected, \\n → \\r\\n, shortest floats)', async () => {
    const input = writeText(dir, 'odd.csv', 'filenames,embedding_0,masked,embedding_1,labels\na.jpg,0.100000001,1,2.50,3\n');
    const out = path.join(dir, 'canonical.csv');
    expect(await mergeEmbeddingsFiles([input], out)).toEqual({ rows: 1, dim: 2, replaced: 0 });
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}a.jpg,0.1,2.5,3\r\n`);
  });

  it('is the identity on the lightly fixture, even when writing over its input', async () => {
    const copy = writeText(dir, 'fixture-copy.csv', readFileSync(path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv')));
    expect(await mergeEmbeddingsFiles([copy], copy)).toEqual({ rows: 1000, dim: 32, replaced: 0 });
    expect(readFileSync(copy).equals(readFileSync(path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv')))).toBe(true);
  });

  it('refuses inputs of different dimensions and leaves no output behind', async () => {
    const a = writeText(dir, 'dim2.csv', `${HEADER}a.jpg,1,1,0\r\n`);
    const b = writeText(dir, 'dim1.csv', 'filenames,embedding_0,labels\r\nb.jpg,1,0\r\n');
    const out = path.join(dir, 'never.csv');
    await expect(mergeEmbeddingsFiles([a, b], out)).rejects.toThrow(
      `${b}:1: has 1 embedding columns but ${a} has 2; merged files must have the same dimension`,
    );
    expect(() => readFileSync(out)).toThrow();
  });

  it('refuses an invalid input with its location', async () => {
    const bad = writeText(dir, 'bad.csv', `${HEADER}a.jpg,1,oops,0\r\n`);
    await expect(mergeEmbeddingsFiles([bad], path.join(dir, 'x.csv'))).rejects.toThrow(`${bad}:2 (column "embedding_1"): value "oops" is not a number`);
    await expect(mergeEmbeddingsFiles([], path.join(dir, 'x.csv'))).rejects.toThrow('needs at least one input');
  });
});

describe('reorderEmbeddings', () => {
  const input = () => writeText(dir, 'order.csv', `${HEADER}a.jpg,1,1,0\r\n"b,1.jpg",2,2,1\r\nc.jpg,3,3,2`);

  it('writes the rows in the given file-name order', async () => {
    const out = path.join(dir, 'ordered.csv');
    expect(await reorderEmbeddings(input(), ['c.jpg', 'a.jpg', 'b,1.jpg'], out)).toEqual({ rows: 3, dim: 2, replaced: 0 });
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}c.jpg,3.0,3.0,2\r\na.jpg,1.0,1.0,0\r\n"b,1.jpg",2.0,2.0,1\r\n`);
    const matrix = await loadEmbeddingMatrix(out);
    expect(matrix.fileNames).toEqual(['c.jpg', 'a.jpg', 'b,1.jpg']);
  });

  it('refuses lists that do not align with the file, naming the offenders', async () => {
    const file = input();
    const out = path.join(dir, 'bad-order.csv');
    await expect(reorderEmbeddings(file, ['a.jpg', 'c.jpg'], out)).rejects.toThrow(
      `${file}: 3 rows in the file but 2 file names to order them by: 1 rows whose file names are not in the list ("b,1.jpg")`,
    );
    await expect(reorderEmbeddings(file, ['a.jpg', 'c.jpg', 'x.jpg'], out)).rejects.toThrow(
      `${file}: 3 rows in the file but 3 file names to order them by: 1 file names not in the file ("x.jpg"); 1 rows whose file names are not in the list ("b,1.jpg")`,
    );
    await expect(reorderEmbeddings(file, ['a.jpg', 'a.jpg', 'c.jpg', 'b,1.jpg'], out)).rejects.toThrow(
      `${file}: 3 rows in the file but 4 file names to order them by: 1 file names listed twice ("a.jpg")`,
    );
    writeFileSync(out, 'untouched');
    expect(readFileSync(out, 'utf8')).toBe('untouched');
  });
});

describe('sortEmbeddingsByFileName', () => {
  it('writes the rows sorted by file name and returns the names, in one parse', async () => {
    const input = writeText(dir, 'unsorted.csv', `${HEADER}c.jpg,3,3,2\r\na.jpg,1,1,0\r\n"b,1.jpg",2,2,1\r\n`);
    const out = path.join(dir, 'sorted.csv');
    expect(await sortEmbeddingsByFileName(input, out)).toEqual({ rows: 3, dim: 2, replaced: 0, fileNames: ['a.jpg', 'b,1.jpg', 'c.jpg'] });
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}a.jpg,1.0,1.0,0\r\n"b,1.jpg",2.0,2.0,1\r\nc.jpg,3.0,3.0,2\r\n`);
  });

  it('gives the same bytes as reorderEmbeddings with the sorted names', async () => {
    const fixture = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');
    const names = (await loadEmbeddingMatrix(fixture)).fileNames.slice().sort();
    await reorderEmbeddings(fixture, names, path.join(dir, 'by-list.csv'));
    const sorted = await sortEmbeddingsByFileName(fixture, path.join(dir, 'by-sort.csv'));
    expect(sorted.fileNames).toEqual(names);
    expect(readFileSync(path.join(dir, 'by-sort.csv')).equals(readFileSync(path.join(dir, 'by-list.csv')))).toBe(true);
  });
});
