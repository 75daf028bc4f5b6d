import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinnowEmbed } from '../../../nodes/WinnowEmbed/WinnowEmbed.node';
import { executeNode } from '../fake-context';
import { writeImages } from '../image-fixtures';

const node = new WinnowEmbed().nodeVersions[1];

describe('Winnow Embed V1', () => {
  let work: string;
  let images: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'winnow-embed-node-'));
    images = path.join(work, 'images');
    await writeImages(images, 6);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('embeds the folder named by the previous item into a Lightly CSV and keeps the item references', async () => {
    const csv = path.join(work, 'embeddings.csv');
    const [item] = await executeNode(node, {
      items: [{ json: { localFolder: images, s3Uri: 's3://farm/' } }],
      parameters: { imageFolder: images, embeddingsCsv: csv, options: { batchSize: 4 } },
    });
    expect(item.pairedItem).toEqual({ item: 0 });
    expect(item.json).toMatchObject({ s3Uri: 's3://farm/', embeddingsCsv: csv, total: 6, embedded: 6, alreadyPresent: 0, skipped: 0 });
    expect(item.json.dimensions).toBeGreaterThan(0);
    const lines = (await readFile(csv, 'utf8')).trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^filenames,embedding_0,.*,labels$/);
    expect(lines).toHaveLength(7);
    expect(JSON.stringify(item.json)).not.toMatch(/embedding_0/);
  });

  it('resumes: a rerun embeds only images that are new', async () => {
    const csv = path.join(work, 'embeddings.csv');
    await writeImages(path.join(work, 'more'), 1, ['goats']);
    await writeFile(path.join(images, 'goats-new.jpg'), await readFile(path.join(work, 'more', 'goats', '000.jpg')));
    const [item] = await executeNode(node, { parameters: { imageFolder: images, embeddingsCsv: csv, options: {} } });
    expect(item.json).toMatchObject({ total: 7, embedded: 1, alreadyPresent: 6 });
  });

  it('reports a missing folder as an item error under Continue On Fail', async () => {
    const [item] = await executeNode(node, {
      parameters: { imageFolder: path.join(work, 'nope'), embeddingsCsv: path.join(work, 'x.csv'), options: {} },
      continueOnFail: true,
    });
    expect(String(item.json.error)).toMatch(/not found/);
  });
});
