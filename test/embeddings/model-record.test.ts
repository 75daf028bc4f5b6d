import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { centerEmbeddingsFile, mergeEmbeddingsFiles, modelRecordPath, readModelRecord, sortEmbeddingsByFileName, writeModelRecord } from '../../src/embeddings';
import { InvalidInputError, WinnowError } from '../../src/errors';
import { tempDir, writeText } from './helpers';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'filenames,embedding_0,embedding_1,labels\r\n';
const LITE0 = { model: 'efficientnet-lite0@a491eddbb11182f3', dim: 2 };
const OLD = { model: 'nsfwjs-mobilenet_v2@2b226540bd20cb14', dim: 2 };

describe('model records', () => {
  it('round-trip beside the CSV and leave the CSV bytes as lightly writes them', async () => {
    const csv = writeText(dir, 'r.csv', `${HEADER}a.jpg,1.0,1.0,0\r\n`);
    await writeModelRecord(csv, LITE0);
    expect(modelRecordPath(csv)).toBe(`${csv}.model.json`);
    expect(await readModelRecord(csv)).toEqual(LITE0);
    expect(readFileSync(csv, 'utf8')).toBe(`${HEADER}a.jpg,1.0,1.0,0\r\n`);
    await writeModelRecord(csv, undefined);
    expect(await readModelRecord(csv)).toBeUndefined();
  });

  it('name the file and field when malformed', async () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(`${csv}.model.json`, '{"model": 3, "dim": 2}');
    await expect(readModelRecord(csv)).rejects.toThrow(`${csv}.model.json (column "model"): must be a non-empty string`);
    writeFileSync(`${csv}.model.json`, '{"model": "x",');
    await expect(readModelRecord(csv)).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('merging and sorting with model records', () => {
  it('refuses to merge files made by two models, naming both', async () => {
    const a = writeText(dir, 'a.csv', `${HEADER}a.jpg,1,1,0\r\n`);
    const b = writeText(dir, 'b.csv', `${HEADER}b.jpg,2,2,0\r\n`);
    await writeModelRecord(a, LITE0);
    await writeModelRecord(b, OLD);
    const out = path.join(dir, 'never.csv');
    const error = await mergeEmbeddingsFiles([a, b], out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WinnowError);
    expect((error as WinnowError).code).toBe('MODEL_MISMATCH');
    expect((error as Error).message).toBe(
      `cannot merge ${a} (made by ${LITE0.model}) with ${b} (made by ${OLD.model}): embeddings of two models are not comparable; embed both with the same --model`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('gives the merged file the inputs\' model, or no record when an input has none', async () => {
    const a = writeText(dir, 'a2.csv', `${HEADER}a.jpg,1,1,0\r\n`);
    const b = writeText(dir, 'b2.csv', `${HEADER}b.jpg,2,2,0\r\n`);
    await writeModelRecord(a, LITE0);
    await writeModelRecord(b, LITE0);
    const out = path.join(dir, 'merged.csv');
    await mergeEmbeddingsFiles([a, b], out);
    expect(await readModelRecord(out)).toEqual(LITE0);
    await writeModelRecord(b, undefined);
    await mergeEmbeddingsFiles([a, b], out);
    expect(await readModelRecord(out)).toBeUndefined();
  });

  it('keeps the record when rows are only reordered', async () => {
    const a = writeText(dir, 'unsorted.csv', `${HEADER}b.jpg,1,1,0\r\na.jpg,2,2,0\r\n`);
    await writeModelRecord(a, OLD);
    const out = path.join(dir, 'sorted.csv');
    await sortEmbeddingsByFileName(a, out);
    expect(await readModelRecord(out)).toEqual(OLD);
  });
});

describe('centerEmbeddingsFile', () => {
  it('subtracts the mean row, re-normalises, and marks the model record as centered', async () => {
    const input = writeText(dir, 'to-center.csv', `${HEADER}a.jpg,1,0,0\r\nb.jpg,0,1,1\r\n`);
    await writeModelRecord(input, LITE0);
    const out = path.join(dir, 'centered.csv');
    expect(await centerEmbeddingsFile(input, out)).toEqual({ rows: 2, dim: 2 });
    // mean (0.5, 0.5): a → (0.5, -0.5) → (0.7071, -0.7071); b → (-0.7071, 0.7071)
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}a.jpg,0.70710677,-0.70710677,0\r\nb.jpg,-0.70710677,0.70710677,1\r\n`);
    expect(await readModelRecord(out)).toEqual({ model: `${LITE0.model}+centered`, dim: 2 });
  });
});
