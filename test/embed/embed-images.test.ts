import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedImages, type EmbedResult } from '../../src/embed';
import { readEmbeddingRows, type EmbeddingRow } from '../../src/embeddings';
import { InvalidConfigError, InvalidInputError } from '../../src/errors';
import type { Progress } from '../../src/progress';
import { cosine, noisy, scene, tempDir, writeBadFiles, writeImage } from './images';
import { TINY_CONFIG, writeTinyModel } from './tiny-model';

let root: string;
let cleanup: () => Promise<void>;
let data: string;
let tinyModel: string;
const good = [
  'cats/c0.jpg',
  'cats/c1.png',
  'cats/c2.webp',
  'dogs/d0.jpg',
  'dogs/d1.jpg',
  'dogs/deep/d2.tiff',
  'loose.jpg',
  'zebras/z0.gif',
];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  data = path.join(root, 'data');
  for (const [i, file] of good.entries()) {
    const ext = path.extname(file).slice(1) as 'jpg' | 'png' | 'webp' | 'tiff' | 'gif';
    const image = i % 3 === 0 ? scene(['circles', 'stripes', 'checker'][i % 3] as 'circles', 320, 240, i) : noisy(i, 200, 150);
    await writeImage(path.join(data, file), ext === 'jpg' ? image.jpeg() : image.toFormat(ext));
  }
  await writeBadFiles(path.join(data, 'bad'));
  tinyModel = path.join(root, 'tiny.onnx');
  await writeTinyModel(tinyModel);
});
afterAll(() => cleanup());

async function rows(csv: string): Promise<EmbeddingRow[]> {
  const out: EmbeddingRow[] = [];
  for await (const row of readEmbeddingRows(csv)) out.push(row);
  return out;
}

const tiny = { model: '', modelConfig: TINY_CONFIG };

describe('embedImages', () => {
  let result: EmbedResult;
  let progress: Progress[];
  const csv = () => path.join(root, 'full.csv');

  beforeAll(async () => {
    progress = [];
    result = await embedImages({ inputDir: data, outCsv: csv(), batchSize: 3, onProgress: (p) => progress.push(p) });
  });

  it('embeds every good image with the default model and writes a Lightly CSV in sorted order', async () => {
    expect(result).toMatchObject({ csvPath: csv(), total: 14, embedded: 8, alreadyPresent: 0, dim: 1280 });
    expect(result.modelId).toMatch(/^efficientnet-lite0@[0-9a-f]{16}$/);
    const written = await rows(csv());
    expect(written.map((r) => r.fileName)).toEqual(good);
    expect((await readFile(csv(), 'utf8')).slice(0, 40)).toBe('filenames,embedding_0,embedding_1,embedd');
    for (const row of written) expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 4);
  });

  it('labels rows by first sub-folder like lightly (sorted classes: bad, cats, dogs, zebras), else 0', async () => {
    const labels = Object.fromEntries((await rows(csv())).map((r) => [r.fileName, r.label]));
    expect(labels).toEqual({
      'cats/c0.jpg': 1,
      'cats/c1.png': 1,
      'cats/c2.webp': 1,
      'dogs/d0.jpg': 2,
      'dogs/d1.jpg': 2,
      'dogs/deep/d2.tiff': 2,
      'loose.jpg': 0,
      'zebras/z0.gif': 3,
    });
  });

  it('skips every bad file kind with its reason', async () => {
    const expected = await writeBadFiles(path.join(root, 'unused'));
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(Object.keys(expected).map((f) => `bad/${f}`).sort());
    for (const [file, pattern] of Object.entries(expected)) expect(reasons[`bad/${file}`], file).toMatch(pattern);
  });

  it('reports progress with rate and ETA up to the total', () => {
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ done: 13, total: 13, etaSeconds: 0 });
    expect(last.rate).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThan(progress[i - 1].done);
  });

  it('resumes: embeds only the missing files, repairs a torn last line, and matches a fresh run', async () => {
    const partial = path.join(root, 'partial.csv');
    const first = await embedImages({ inputDir: data, outCsv: partial, files: good.slice(0, 4), batchSize: 2 });
    expect(first).toMatchObject({ total: 4, embedded: 4, alreadyPresent: 0, skipped: [] });
    // A crash mid-row leaves an unterminated line; it must be cut off and that file embedded again.
    await appendFile(partial, 'dogs/d1.jpg,0.1,0.2');
    const batches: number[] = [];
    const second = await embedImages({ inputDir: data, outCsv: partial, batchSize: 2, onBatch: (b) => void batches.push(b.filesDone) });
    expect(second).toMatchObject({ total: 14, embedded: 4, alreadyPresent: 4 });
    expect(batches[batches.length - 1]).toBe(9); // 13 image files − 4 already present
    const resumed = await rows(partial);
    const fresh = new Map((await rows(csv())).map((r) => [r.fileName, r.embedding]));
    expect(resumed.map((r) => r.fileName).sort()).toEqual([...good].sort());
    for (const row of resumed) expect(cosine(row.embedding, fresh.get(row.fileName) as Float32Array)).toBeGreaterThan(0.99999);

    const third = await embedImages({ inputDir: data, outCsv: partial });
    expect(third).toMatchObject({ embedded: 0, alreadyPresent: 8 });
  });

  it('stops on abort with the finished batches saved, and a resume completes the file', async () => {
    const out = path.join(root, 'aborted.csv');
    const controller = new AbortController();
    const run = embedImages({
      inputDir: data,
      outCsv: out,
      batchSize: 2,
      signal: controller.signal,
      onBatch: () => controller.abort(new Error('cancelled by test')),
    });
    await expect(run).rejects.toThrow('cancelled by test');
    const saved = await rows(out);
    expect(saved.length).toBeGreaterThanOrEqual(2);
    expect(saved.length).toBeLessThan(good.length);
    const resumed = await embedImages({ inputDir: data, outCsv: out, batchSize: 4 });
    expect(resumed.embedded + resumed.alreadyPresent).toBe(good.length);
    expect((await rows(out)).length).toBe(good.length);
  });
});

describe('the model record beside the CSV', () => {
  it('names the model that made the rows, and resuming with another model is refused naming both', async () => {
    const out = path.join(root, 'recorded.csv');
    const made = await embedImages({ inputDir: data, outCsv: out, files: good.slice(0, 3) });
    expect(JSON.parse(await readFile(`${out}.model.json`, 'utf8'))).toEqual({ model: made.modelId, dim: 1280 });
    const old = await embedImages({ inputDir: data, outCsv: path.join(root, 'old.csv'), model: 'nsfwjs-mobilenet_v2', files: good.slice(0, 1) });
    await expect(embedImages({ inputDir: data, outCsv: out, model: 'nsfwjs-mobilenet_v2' })).rejects.toThrow(
      `${out} was made by ${made.modelId}, this run embeds with ${old.modelId}: resume it with the same --model, or write a new file (--no-resume or another output)`,
    );
    expect((await rows(out)).length).toBe(3);
    // Starting over with the other model is fine and rewrites the record.
    await embedImages({ inputDir: data, outCsv: out, model: 'nsfwjs-mobilenet_v2', resume: false, files: good.slice(0, 2) });
    expect(JSON.parse(await readFile(`${out}.model.json`, 'utf8'))).toEqual({ model: old.modelId, dim: 1280 });
  });

  it('checks a CSV without a record (older Winnow) by embedding its first row again', async () => {
    const out = path.join(root, 'unrecorded.csv');
    await embedImages({ inputDir: data, outCsv: out, model: 'nsfwjs-mobilenet_v2', files: good.slice(0, 2) });
    await rm(`${out}.model.json`);
    await expect(embedImages({ inputDir: data, outCsv: out })).rejects.toThrow(
      /unrecorded\.csv has no model record and was made by another model than efficientnet-lite0@[0-9a-f]{16} \(its row for cats\/c0\.jpg has cosine 0\.\d+/,
    );
    // The same model resumes it, and the record is written.
    const resumed = await embedImages({ inputDir: data, outCsv: out, model: 'nsfwjs-mobilenet_v2', files: good.slice(0, 3) });
    expect(resumed).toMatchObject({ embedded: 1, alreadyPresent: 2 });
    expect(JSON.parse(await readFile(`${out}.model.json`, 'utf8'))).toMatchObject({ model: resumed.modelId });
  });
});

describe('embedImages with a custom model', () => {
  it('writes the custom model dimension; resume=false starts over; a dimension clash is refused', async () => {
    const out = path.join(root, 'tiny.csv');
    const options = { ...tiny, model: tinyModel, inputDir: data, outCsv: out };
    const first = await embedImages(options);
    expect(first).toMatchObject({ dim: 8, embedded: 8, modelId: 'tiny-conv' });
    const again = await embedImages({ ...options, resume: false });
    expect(again).toMatchObject({ embedded: 8, alreadyPresent: 0 });
    expect((await rows(out)).length).toBe(8);
    // The default model on a CSV the tiny model made: refused by the model record, naming both models.
    await expect(embedImages({ inputDir: data, outCsv: out })).rejects.toThrow(/tiny\.csv was made by tiny-conv, this run embeds with efficientnet-lite0@/);
    // Without the record, the writer still refuses the dimension clash.
    await rm(`${out}.model.json`);
    await expect(embedImages({ inputDir: data, outCsv: out })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('embeds a subset, reporting unknown and non-image files', async () => {
    const out = path.join(root, 'new-folder', 'subset.csv');
    const result = await embedImages({
      ...tiny,
      model: tinyModel,
      inputDir: data,
      outCsv: out,
      files: ['dogs/d0.jpg', 'dogs/missing.jpg', 'bad/notes.bmpx', 'dogs/d0.jpg'],
    });
    expect(result).toMatchObject({ total: 3, embedded: 1 });
    expect(result.skipped).toEqual([
      { file: 'bad/notes.bmpx', reason: 'unsupported file type (.bmpx)' },
      { file: 'dogs/missing.jpg', reason: 'file not found' },
    ]);
    expect((await rows(out)).map((r) => [r.fileName, r.label])).toEqual([['dogs/d0.jpg', 2]]);
  });

  it('refuses bad arguments before doing any work', async () => {
    const base = { inputDir: data, outCsv: path.join(root, 'never.csv') };
    await expect(embedImages({ ...base, batchSize: 0 })).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(embedImages({ ...base, inputDir: path.join(root, 'nope') })).rejects.toThrow(/input folder .* not found/);
    await expect(embedImages({ ...base, files: ['../x.jpg'] })).rejects.toBeInstanceOf(InvalidConfigError);
    await writeFile(path.join(root, 'cfg.json'), '{}');
    await expect(embedImages({ ...base, model: tinyModel, modelConfig: path.join(root, 'cfg.json') })).rejects.toThrow(/cfg\.json/);
  });
});
