import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDatasource, predictionFileName, readPredictions } from '../../src/predictions';

let root: string;
const pred = (...parts: string[]) => path.join(root, '.lightly/predictions', ...parts);
async function put(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-pred-'));
  // A 40×30 image for the box checks (generated shapes are fine for a unit test of validation).
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toFile(path.join(root, 'sub/img.png'));
  await put(pred('tasks.json'), ['cls', 'det']);
  await put(pred('cls/schema.json'), { task_type: 'classification', categories: [{ id: 0, name: 'cat' }, { id: 1, name: 'dog' }] });
  await put(pred('det/schema.json'), { task_type: 'object-detection', categories: [{ id: 0, name: 'car' }] });
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('readPredictions (Lightly datasource format)', () => {
  it('reads both task types and maps images to prediction files by path', async () => {
    expect(predictionFileName('sub/img.png')).toBe('sub/img.json');
    await put(pred('cls/a.json'), { file_name: 'a.jpg', predictions: [{ category_id: 1, probabilities: [0.2, 0.8] }] });
    await put(pred('det/sub/img.json'), { file_name: 'sub/img.png', predictions: [{ category_id: 0, bbox: [10, 5, 30, 25], score: 0.7 }] });
    const { tasks, problems } = await readPredictions(localDatasource(root));
    expect(problems).toEqual([]);
    expect(tasks.map((t) => [t.task.name, t.task.task_type, t.images.length])).toEqual([
      ['cls', 'classification', 1],
      ['det', 'object-detection', 1],
    ]);
    expect(tasks[1].images[0].predictions[0].bbox).toEqual([10, 5, 30, 25]);
  });

  it('reports each bad file with its field and keeps every good one', async () => {
    await put(pred('cls/good.json'), { file_name: 'good.jpg', predictions: [{ category_id: 0, probabilities: [0.6, 0.4] }] });
    await put(pred('cls/sum.json'), { file_name: 'sum.jpg', predictions: [{ category_id: 0, probabilities: [0.6, 0.1] }] });
    await put(pred('cls/unknown.json'), { file_name: 'unknown.jpg', predictions: [{ category_id: 7, probabilities: [0.5, 0.5] }] });
    await put(pred('cls/broken.json'), '{"file_name": "broken.jpg", ');
    await put(pred('cls/moved.json'), { file_name: 'elsewhere.jpg', predictions: [] });
    await put(pred('cls/escape.json'), { file_name: '../escape.jpg', predictions: [] });
    await put(pred('det/sub/img.json'), { file_name: 'sub/img.png', predictions: [{ category_id: 0, bbox: [20, 10, 30, 10], score: 0.7 }] });
    const { tasks, problems } = await readPredictions(localDatasource(root));
    expect(tasks[0].images.map((i) => i.file_name)).toEqual(['good.jpg']);
    expect(tasks[1].images).toEqual([]);
    const byFile = Object.fromEntries(problems.map((p) => [path.relative(root, p.file), p.message]));
    expect(byFile['.lightly/predictions/cls/sum.json']).toMatch(/column "predictions\[0\]\.probabilities"\): probabilities sum to 0\.7, not 1/);
    expect(byFile['.lightly/predictions/cls/unknown.json']).toMatch(/column "predictions\[0\]\.category_id"\): unknown category 7/);
    expect(byFile['.lightly/predictions/cls/broken.json']).toMatch(/not valid JSON/);
    expect(byFile['.lightly/predictions/cls/moved.json']).toMatch(/column "file_name"\): "elsewhere.jpg" belongs in elsewhere.json, not moved.json/);
    expect(byFile['.lightly/predictions/cls/escape.json']).toMatch(/not a relative image path/);
    expect(byFile['.lightly/predictions/det/sub/img.json']).toMatch(/column "predictions\[0\]\.bbox"\): bbox \[20,10,30,10\] reaches \(50, 20\), outside the 40×30 image/);
    expect(problems).toHaveLength(6);
  });

  it('skips a task with a bad schema, reading the others', async () => {
    await put(pred('cls/schema.json'), { task_type: 'segmentation', categories: [] });
    await put(pred('det/sub/img.json'), { file_name: 'sub/img.png', predictions: [] });
    const { tasks, problems } = await readPredictions(localDatasource(root));
    expect(tasks.map((t) => t.task.name)).toEqual(['det']);
    expect(problems[0].message).toMatch(/cls\/schema.json \(column "task_type"\): task_type "segmentation" is not supported/);
  });

  it('fails clearly without tasks.json or with a task name that could leave the folder', async () => {
    await rm(pred('tasks.json'));
    await expect(readPredictions(localDatasource(root))).rejects.toThrow(/predictions tasks file ".*tasks.json" not found/);
    await put(pred('tasks.json'), ['../up']);
    await expect(readPredictions(localDatasource(root))).rejects.toThrow(/tasks.json \(column "\[0\]"\): task name "..\/up"/);
  });
});
