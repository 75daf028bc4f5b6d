import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EmbeddingsCsvParser,
  loadEmbeddingMatrix,
  readEmbeddingRows,
  writeEmbeddingMatrix,
  type RowSink,
} from '../../src/embeddings';
import { FIXTURES, tempDir, writeText } from './helpers';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SMALL = path.join(FIXTURES, 'lightly', 'embeddings_small.csv');
const LARGE = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');

/** Parses a buffer fed in pieces of `step` bytes, collecting names, labels and values. */
function parseInPieces(bytes: Buffer, step: number) {
  const names: string[] = [];
  const labels: number[] = [];
  const values: number[] = [];
  const parser = new EmbeddingsCsvParser('pieces.csv');
  const sink: RowSink = {
    values: new Float32Array(0),
    offset: 0,
    onHeader(header) {
      sink.values = new Float32Array(header.dim);
    },
    onRow(fileName, label) {
      names.push(fileName);
      labels.push(label);
      values.push(...sink.values);
    },
  };
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step), sink);
  parser.end(sink);
  return { names, labels, values };
}

describe('reading the lightly fixtures', () => {
  it('agrees with csv-parse on every field of both fixtures', async () => {
    for (const file of [SMALL, LARGE]) {
      const records = parse(readFileSync(file), { relaxColumnCount: false }) as string[][];
      const [, ...rows] = records;
      const matrix = await loadEmbeddingMatrix(file);
      expect(matrix.fileNames).toEqual(rows.map((r) => r[0]));
      expect([...matrix.labels]).toEqual(rows.map((r) => Number(r[r.length - 1])));
      const expected = rows.flatMap((r) => r.slice(1, -1).map((v) => Math.fround(Number(v))));
      expect([...matrix.data]).toEqual(expected);
      expect(matrix.dim).toBe(records[0].length - 2);
    }
  });

  it('reads quoted file names with commas and quotes, and -0.0, 1e+20, 1.2345679e+08', async () => {
    const rows = [];
    for await (const row of readEmbeddingRows(SMALL)) rows.push(row);
    expect(rows.map((r) => r.fileName)).toEqual(['img_0.jpg', 'cats/img_1.jpg', 'dogs/a,b.jpg', 'quote"d.png', 'deep/er/img_4.webp']);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6]);
    expect(rows[1].label).toBe(1);
    expect(Object.is(rows[1].embedding[2], -0)).toBe(true);
    expect(rows[1].embedding[0]).toBe(Math.fround(123456790));
    expect(rows[1].embedding[1]).toBe(Math.fround(1e20));
    expect(rows[0].embedding).toBeInstanceOf(Float32Array);
  });

  it('round-trips both fixtures byte for byte (read → write)', async () => {
    for (const file of [SMALL, LARGE]) {
      const out = path.join(dir, `roundtrip-${path.basename(file)}`);
      await writeEmbeddingMatrix(out, await loadEmbeddingMatrix(file));
      expect(readFileSync(out).equals(readFileSync(file))).toBe(true);
    }
  });

  it('gives the same result however the bytes are chunked', () => {
    const bytes = readFileSync(SMALL);
    const whole = parseInPieces(bytes, bytes.length);
    for (const step of [1, 2, 3, 7, 64]) expect(parseInPieces(bytes, step)).toEqual(whole);
    const large = readFileSync(LARGE);
    expect(parseInPieces(large, 4093)).toEqual(parseInPieces(large, large.length));
  });

  it('keeps the matrix within 30% of its final size and can allocate it shared', async () => {
    const matrix = await loadEmbeddingMatrix(LARGE, { shared: true });
    expect(matrix.data.length).toBe(1000 * 32);
    expect(matrix.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(matrix.data.buffer.byteLength).toBeLessThanOrEqual(1000 * 32 * 4 * 1.3);
  });

  it('loads a file whose rows grow longer than the first ones (capacity re-estimated)', async () => {
    const lines = ['filenames,embedding_0,labels'];
    for (let i = 0; i < 200; i++) lines.push(`s${i}.jpg,1,0`);
    for (let i = 0; i < 3000; i++) lines.push(`a-much-longer-file-name-number-${i}.jpg,${(i * 0.001).toFixed(6)},0`);
    const file = writeText(dir, 'growing.csv', `${lines.join('\r\n')}\r\n`);
    const matrix = await loadEmbeddingMatrix(file);
    expect(matrix.fileNames.length).toBe(3200);
    expect(matrix.data[3199]).toBe(Math.fround(2.999));
  });

  it('reads a header-only file as zero rows', async () => {
    const file = writeText(dir, 'empty-body.csv', 'filenames,embedding_0,labels\r\n');
    const matrix = await loadEmbeddingMatrix(file);
    expect(matrix).toEqual({ fileNames: [], labels: new Int32Array(0), dim: 1, data: new Float32Array(0) });
  });

  it('reports progress in bytes and stops on abort', async () => {
    const seen: number[] = [];
    await loadEmbeddingMatrix(LARGE, { onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(readFileSync(LARGE).length);
    const controller = new AbortController();
    controller.abort();
    await expect(loadEmbeddingMatrix(LARGE, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
