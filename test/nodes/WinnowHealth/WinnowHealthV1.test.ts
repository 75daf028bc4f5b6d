import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowHealth } from '../../../nodes/WinnowHealth/WinnowHealth.node';
import { embedImages } from '../../../src/embed';
import { loadEmbeddingMatrix } from '../../../src/embeddings';
import { measuresPathFor } from '../../../src/health';
import { executeNode } from '../fake-context';
import { usePlatformFixture } from '../platform-fixture';

const node = new WinnowHealth().nodeVersions[1];
const PHOTOS = path.join(__dirname, '..', '..', 'fixtures', 'model-parity');

describe('Winnow Health V1', () => {
  const platform = usePlatformFixture();
  let csv: string;
  let names: string[];

  beforeAll(async () => {
    const images = path.join(platform.work, 'health-images');
    await mkdir(images, { recursive: true });
    for (const f of await readdir(PHOTOS)) await copyFile(path.join(PHOTOS, f), path.join(images, f));
    await copyFile(path.join(PHOTOS, 'skimage-coffee.png'), path.join(images, 'z-coffee-copy.png'));
    await sharp(path.join(PHOTOS, 'sklearn-flower.png')).blur(6).toFile(path.join(images, 'z-flower-blurred.png'));
    csv = path.join(platform.work, 'health.csv');
    await embedImages({ inputDir: images, outCsv: csv, measuresOut: measuresPathFor(csv) });
    names = (await loadEmbeddingMatrix(csv)).fileNames;
  }, 120_000);

  it('passes on the embeddings without the duplicates, with the report and counts', async () => {
    const [item] = await executeNode(node, {
      items: [{ json: { embeddingsCsv: csv, measuresFile: measuresPathFor(csv) } }],
      parameters: { embeddingsCsv: csv, measuresFile: measuresPathFor(csv), keeper: 'earliest', tagOnPlatform: false, options: {} },
    });
    expect(item.json).toMatchObject({ allEmbeddingsCsv: csv, images: 10, remaining: 9, exactDuplicateGroups: 1, duplicatesRemoved: 1 });
    expect((item.json.issues as Record<string, number>).blurry).toBeGreaterThanOrEqual(1);
    const remaining = await loadEmbeddingMatrix(String(item.json.embeddingsCsv));
    expect(remaining.fileNames).toEqual(names.filter((n) => n !== 'z-coffee-copy.png'));
  });

  it('tags the findings on the platform', async () => {
    const datasetId = (await platform.client.createDataset('node-health')).id;
    await platform.client.createSamples(datasetId, names.map((fileName) => ({ fileName })));
    const [item] = await executeNode(node, {
      parameters: { embeddingsCsv: csv, measuresFile: measuresPathFor(csv), keeper: 'largest', tagOnPlatform: true, datasetId, options: {} },
      credentials: platform.credentials,
    });
    expect(item.json.tags).toContainEqual({ name: 'duplicates-removed', count: 9 });
    expect(await platform.client.exportFilenamesByTagName(datasetId, 'duplicates-removed')).not.toContain('z-coffee-copy.png');
  });

  it('names the bad option', async () => {
    const error = await executeNode(node, {
      parameters: { embeddingsCsv: csv, measuresFile: '', keeper: 'largest', tagOnPlatform: false, options: { nearDuplicateThreshold: 0 } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain('Options.nearDuplicateThreshold must be a number in (0, 1], got 0');
  });
});
