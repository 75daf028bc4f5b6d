import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowSelect } from '../../../nodes/WinnowSelect/WinnowSelect.node';
import { formatCustomMetadata, saveCustomMetadata } from '../../../src/metadata';
import { executeNode } from '../fake-context';
import { embeddedImages, usePlatformFixture } from '../platform-fixture';

const node = new WinnowSelect().nodeVersions[1];

describe('Winnow Select V1', () => {
  const platform = usePlatformFixture();
  let csv: string;
  let fileNames: string[];

  beforeAll(async () => {
    ({ csv, fileNames } = await embeddedImages(platform.work, 'select', 12));
  });

  const base = { embeddingsCsv: '', strategy: 'coreset', numberOfSamples: 4, datapool: 'none', options: { seed: 1 } };

  it('writes a coreset selection to the selection file and puts only counts in the item', async () => {
    const selectionFile = path.join(platform.work, 'coreset.txt');
    const [item] = await executeNode(node, {
      items: [{ json: { embeddingsCsv: csv, datasetId: 'kept' } }],
      parameters: { ...base, embeddingsCsv: csv, selectionFile },
    });
    expect(item.json).toMatchObject({ datasetId: 'kept', selectionFile, selected: 4, candidates: 12, datapool: 0 });
    const picked = (await readFile(selectionFile, 'utf8')).trim().split('\n');
    expect(picked).toHaveLength(4);
    expect(new Set(picked).size).toBe(4);
    expect(picked.every((name) => fileNames.includes(name))).toBe(true);
    expect(item.json).not.toHaveProperty('fileNames');
  });

  it('selects by metadata weights from a custom config', async () => {
    const metadataFile = path.join(platform.work, 'meta.json');
    await saveCustomMetadata(metadataFile, formatCustomMetadata(fileNames.map((name, i) => [name, { sharpness: i }])));
    const [item] = await executeNode(node, {
      parameters: {
        ...base,
        embeddingsCsv: csv,
        strategy: 'custom',
        selectionConfig: JSON.stringify({ n: 3, strategies: [{ input: { type: 'METADATA', key: 'sharpness' }, strategy: { type: 'WEIGHTS' } }] }),
        selectionFile: path.join(platform.work, 'weights.txt'),
        options: { metadataFile, includeFileNames: true },
      },
    });
    expect(item.json.fileNames).toEqual(fileNames.slice(-3).reverse());
  });

  it('keeps a datapool of earlier tags and picks new images away from them', async () => {
    const datasetId = (await platform.client.createDataset('node-select')).id;
    await platform.client.createSamples(datasetId, fileNames.map((fileName) => ({ fileName })));
    await platform.client.createTagFromFilenames(datasetId, 'nightly-1', fileNames.slice(0, 3));
    const selectionFile = path.join(platform.work, 'datapool.txt');
    const [item] = await executeNode(node, {
      parameters: { ...base, embeddingsCsv: csv, selectionFile, datapool: 'platformTags', datasetId, datapoolTagPrefix: 'nightly-' },
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({ selected: 4, datapool: 3 });
    const picked = (await readFile(selectionFile, 'utf8')).trim().split('\n');
    expect(picked.filter((name) => fileNames.slice(0, 3).includes(name))).toEqual([]);
  });

  it('names the bad field of a selection config', async () => {
    const error = await executeNode(node, {
      parameters: { ...base, embeddingsCsv: csv, strategy: 'custom', selectionConfig: '{"n": 2, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "CLUSTER"}}]}', selectionFile: path.join(platform.work, 'x.txt') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain('CLUSTER');
  });
});
