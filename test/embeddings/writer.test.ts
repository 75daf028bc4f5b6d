import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddingsWriter, loadEmbeddingMatrix, validateEmbeddingsFile } from '../../src/embeddings';
import { FIXTURES, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const next = () => path.join(dir, `w-${counter++}.csv`);

describe('createEmbeddingsWriter', () => {
  it('writes what save_embeddings writes: header, CRLF, minimal quoting, numpy float text', async () => {
    const file = next();
    const writer = await createEmbeddingsWriter(file, { dim: 3 });
    await writer.write('img_1.jpg', [0.1, -2.5e-7, 3]);
    await writer.write('cats/a,b.jpg', Float32Array.of(0.25, 1.5, -0.75), 1);
    await writer.write('say "hi".png', [1e20, -0, 123456789], 2);
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe(
      'filenames,embedding_0,embedding_1,embedding_2,labels\r\n' +
        'img_1.jpg,0.1,-2.5e-07,3.0,0\r\n' +
        '"cats/a,b.jpg",0.25,1.5,-0.75,1\r\n' +
        '"say ""hi"".png",1e+20,-0.0,1.2345679e+08,2\r\n',
    );
    expect(writer.rowsWritten).toBe(3);
  });

  it('refuses rows the reader would reject', async () => {
    const file = next();
    const writer = await createEmbeddingsWriter(file, { dim: 2 });
    await writer.write('a.jpg', [1, 2]);
    await expect(writer.write('b.jpg', [1])).rejects.toThrow(`${file}:3: embedding for "b.jpg" has 1 values, the file has 2`);
    await expect(writer.write('', [1, 2])).rejects.toThrow(`${file}:3: empty file name`);
    await expect(writer.write('c.jpg', [1, Number.NaN])).rejects.toThrow(`${file}:3: embedding for "c.jpg" has a non-finite value NaN at index 1`);
    await expect(writer.write('c.jpg', [1, 1e39])).rejects.toThrow(`${file}:3: embedding for "c.jpg" has a non-finite value 1e+39 at index 1`);
    await expect(writer.write('c.jpg', [1, 2], 1.5)).rejects.toThrow(`${file}:3: label 1.5 for "c.jpg" is not a 32-bit integer`);
    await expect(writer.write('a.jpg', [1, 2])).rejects.toThrow(`${file}:3: duplicate file name "a.jpg"`);
    await writer.close();
    await expect(writer.write('d.jpg', [1, 2])).rejects.toThrow('is closed');
    expect(await validateEmbeddingsFile(file)).toEqual({ rows: 1, dim: 2, canonical: true });
  });

  it('waits for the disk under backpressure and writes 20k rows × 64 dims intact', async () => {
    const file = next();
    const writer = await createEmbeddingsWriter(file, { dim: 64 });
    const row = new Float32Array(64);
    for (let i = 0; i < 20000; i++) {
      row.fill(i / 7);
      await writer.write(`img_${i}.jpg`, row, i % 5);
    }
    await writer.close();
    const matrix = await loadEmbeddingMatrix(file);
    expect(matrix.fileNames.length).toBe(20000);
    expect(matrix.data[64 * 19999]).toBe(Math.fround(19999 / 7));
    expect(matrix.labels[19999]).toBe(4);
  });

  it('rejects a dim that is not a positive integer', async () => {
    await expect(createEmbeddingsWriter(next(), { dim: 0 })).rejects.toThrow('dim must be a positive integer, got 0');
  });
});

describe('append mode (resume)', () => {
  async function start(file: string, names: string[]) {
    const writer = await createEmbeddingsWriter(file, { dim: 2 });
    for (const name of names) await writer.write(name, [1, 2]);
    await writer.close();
  }

  it('continues a file and reports the rows and names already there', async () => {
    const file = next();
    await start(file, ['a.jpg', 'b.jpg']);
    const writer = await createEmbeddingsWriter(file, { dim: 2, append: true });
    expect(writer.existing).toEqual({ rows: 2, fileNames: new Set(['a.jpg', 'b.jpg']), truncatedBytes: 0 });
    await expect(writer.write('a.jpg', [3, 4])).rejects.toThrow(`${file}:4: duplicate file name "a.jpg"`);
    await writer.write('c.jpg', [3, 4]);
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('filenames,embedding_0,embedding_1,labels\r\na.jpg,1.0,2.0,0\r\nb.jpg,1.0,2.0,0\r\nc.jpg,3.0,4.0,0\r\n');
  });

  it('cuts off a row that a crash left half-written, so the resumed file is valid', async () => {
    for (const partial of ['c.jpg,0.12', 'c.jpg,0.125,7.5,1\r', '"c,', 'c']) {
      const file = next();
      await start(file, ['a.jpg', 'b.jpg']);
      appendFileSync(file, partial);
      const writer = await createEmbeddingsWriter(file, { dim: 2, append: true });
      expect(writer.existing?.truncatedBytes).toBe(Buffer.byteLength(partial));
      expect(writer.existing?.rows).toBe(2);
      await writer.write('c.jpg', [5, 6]);
      await writer.close();
      expect(await validateEmbeddingsFile(file)).toEqual({ rows: 3, dim: 2, canonical: true });
      expect(readFileSync(file, 'utf8').endsWith('b.jpg,1.0,2.0,0\r\nc.jpg,5.0,6.0,0\r\n')).toBe(true);
    }
  });

  it('starts afresh when the file is missing, empty or holds only part of the header', async () => {
    for (const content of [undefined, '', 'filenames,embed']) {
      const file = next();
      if (content !== undefined) writeFileSync(file, content);
      const writer = await createEmbeddingsWriter(file, { dim: 2, append: true });
      expect(writer.existing).toBeUndefined();
      await writer.write('a.jpg', [1, 2]);
      await writer.close();
      expect(readFileSync(file, 'utf8')).toBe('filenames,embedding_0,embedding_1,labels\r\na.jpg,1.0,2.0,0\r\n');
    }
  });

  it('refuses a different dimension, extra columns, and corruption that is not a crash remnant', async () => {
    const file = next();
    await start(file, ['a.jpg']);
    await expect(createEmbeddingsWriter(file, { dim: 3, append: true })).rejects.toThrow(
      `${file}:1: cannot append 3-dimensional embeddings to a file of dimension 2`,
    );
    const masked = next();
    writeFileSync(masked, 'filenames,embedding_0,embedding_1,masked,labels\r\na.jpg,1,2,0,0\r\n');
    await expect(createEmbeddingsWriter(masked, { dim: 2, append: true })).rejects.toThrow(
      `${masked}:1: cannot append to a file with extra columns (masked); rewrite it first with \`winnow embeddings merge\``,
    );
    const corrupt = next();
    writeFileSync(corrupt, 'filenames,embedding_0,embedding_1,labels\r\na.jpg,1,x,0\r\nb.jpg,1,2,0\r\n');
    await expect(createEmbeddingsWriter(corrupt, { dim: 2, append: true })).rejects.toThrow(`${corrupt}:2 (column "embedding_1"): value "x" is not a number`);
    expect(readFileSync(corrupt, 'utf8')).toContain('b.jpg');
  });

  it('appends to the lightly fixture and keeps its bytes', async () => {
    const file = next();
    const original = readFileSync(path.join(FIXTURES, 'lightly', 'embeddings_small.csv'));
    writeFileSync(file, original);
    const writer = await createEmbeddingsWriter(file, { dim: 8, append: true });
    await writer.write('new.jpg', new Float32Array(8).fill(0.5), 3);
    await writer.close();
    const text = readFileSync(file);
    expect(text.subarray(0, original.length).equals(original)).toBe(true);
    expect(text.subarray(original.length).toString()).toBe('new.jpg,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,3\r\n');
  });

  it('flush() puts every buffered row in the file before close, so a killed process keeps them', async () => {
    const file = next();
    const writer = await createEmbeddingsWriter(file, { dim: 2 });
    await writer.write('a.jpg', [1, 2]);
    await writer.write('b.jpg', [3, 4], 1);
    // Two small rows sit in the writer's 1 MiB buffer until flushed.
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain('b.jpg');
    await writer.flush();
    expect(readFileSync(file, 'utf8')).toBe('filenames,embedding_0,embedding_1,labels\r\na.jpg,1.0,2.0,0\r\nb.jpg,3.0,4.0,1\r\n');
    await writer.write('c.jpg', [5, 6]);
    await writer.close();
    expect((await validateEmbeddingsFile(file)).rows).toBe(3);
  });
});
