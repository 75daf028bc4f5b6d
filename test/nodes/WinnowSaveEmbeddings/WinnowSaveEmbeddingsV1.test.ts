import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowSaveEmbeddings } from '../../../nodes/WinnowSaveEmbeddings/WinnowSaveEmbeddings.node';
import { binaryItem, executeNode } from '../fake-context';
import { embeddedImages, usePlatformFixture } from '../platform-fixture';

const node = new WinnowSaveEmbeddings().nodeVersions[1];

describe('Winnow Save Embeddings V1', () => {
  const platform = usePlatformFixture();
  let csv: string;
  let fileNames: string[];

  beforeAll(async () => {
    ({ csv, fileNames } = await embeddedImages(platform.work, 'save', 8));
  });

  it('saves the CSV in file-name order and uploads samples and embeddings to a new dataset', async () => {
    const outputCsv = path.join(platform.work, 'sorted.csv');
    const [item] = await executeNode(node, {
      items: [{ json: { embeddingsCsv: csv, localFolder: '/images' } }],
      parameters: { operation: 'save', inputSource: 'path', inputCsv: csv, outputCsv, uploadToPlatform: true, datasetName: 'node-save', embeddingName: 'default' },
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({ localFolder: '/images', embeddingsCsv: outputCsv, rows: 8, samples: 8, samplesCreated: 8, datasetName: 'node-save' });
    const names = (await readFile(outputCsv, 'utf8')).trim().split('\r\n').slice(1).map((line) => line.split(',')[0]);
    expect(names).toEqual(fileNames);
    expect(await platform.client.getFilenames(String(item.json.datasetId))).toEqual(fileNames);
    expect((await platform.client.getEmbeddings(String(item.json.datasetId)))[0].id).toBe(item.json.embeddingId);
  });

  it('is idempotent: a rerun reuses the dataset and its samples', async () => {
    const [item] = await executeNode(node, {
      parameters: {
        operation: 'save',
        inputSource: 'path',
        inputCsv: csv,
        outputCsv: path.join(platform.work, 'again.csv'),
        uploadToPlatform: true,
        datasetName: 'node-save',
        embeddingName: 'default',
      },
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({ samples: 8, samplesCreated: 0 });
  });

  it('validates a CSV handed over as binary data', async () => {
    const [item] = await executeNode(node, {
      items: [binaryItem(await readFile(csv), 'embeddings.csv', 'text/csv')],
      parameters: { operation: 'validate', inputSource: 'binary', binaryPropertyName: 'data' },
    });
    expect(item.json).toMatchObject({ valid: true, rows: 8 });
    expect(item.json).not.toHaveProperty('embeddingsCsv');
  });

  it('names the file and line of a broken CSV', async () => {
    const broken = path.join(platform.work, 'broken.csv');
    await writeFile(broken, 'filenames,embedding_0,labels\r\na.jpg,0.5,0\r\nb.jpg,zero,0\r\n');
    const error = await executeNode(node, { parameters: { operation: 'validate', inputSource: 'path', inputCsv: broken } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain(`${broken}:3`);
  });

  it('merges CSVs, later rows replacing earlier ones', async () => {
    const outputCsv = path.join(platform.work, 'merged.csv');
    const [item] = await executeNode(node, { parameters: { operation: 'merge', inputCsvs: `${csv}\n${csv}`, outputCsv } });
    expect(item.json).toMatchObject({ embeddingsCsv: outputCsv, inputs: 2, rows: 8, replaced: 8 });
  });
});
