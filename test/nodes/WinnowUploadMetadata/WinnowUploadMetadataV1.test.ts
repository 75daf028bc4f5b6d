import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowUploadMetadata } from '../../../nodes/WinnowUploadMetadata/WinnowUploadMetadata.node';
import { formatCustomMetadata } from '../../../src/metadata';
import { binaryItem, executeNode } from '../fake-context';
import { usePlatformFixture } from '../platform-fixture';

const node = new WinnowUploadMetadata().nodeVersions[1];

describe('Winnow Upload Metadata V1', () => {
  const platform = usePlatformFixture();
  let datasetId: string;
  const metadata = formatCustomMetadata([
    ['a.jpg', { weather: 'rain' }],
    ['b.jpg', { weather: 'sun' }],
    ['not-in-dataset.jpg', { weather: 'fog' }],
  ]);

  beforeAll(async () => {
    datasetId = (await platform.client.createDataset('node-metadata')).id;
    await platform.client.createSamples(datasetId, [{ fileName: 'a.jpg' }, { fileName: 'b.jpg' }]);
  });

  it('uploads a metadata file from binary data and reports the entries the dataset does not have', async () => {
    const [item] = await executeNode(node, {
      items: [binaryItem(JSON.stringify(metadata), 'metadata.json', 'application/json', { datasetId })],
      parameters: { operation: 'upload', datasetId, inputSource: 'binary', binaryPropertyName: 'data' },
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({ datasetId, entries: 3, updated: 2, skipped: 1 });
    expect(String(item.json.warnings)).toContain('not-in-dataset.jpg');
    let weather: unknown;
    for await (const sample of platform.client.iterateSamples(datasetId)) if (sample.fileName === 'b.jpg') weather = sample.customMetaData?.weather;
    expect(weather).toBe('sun');
  });

  it('validates without credentials and points at the line of a broken file', async () => {
    const file = path.join(platform.work, 'broken.json');
    await writeFile(file, '{\n  "images": [{"id": 0, "file_name": "a.jpg"}],\n  "metadata": [{"image_id": 7}]\n}\n');
    const error = await executeNode(node, { parameters: { operation: 'validate', inputSource: 'path', metadataFile: file } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(new RegExp(`${file}:3`));
  });

  it('turns a wrong token into an item error under Continue On Fail, without the token in it', async () => {
    const file = path.join(platform.work, 'ok.json');
    await writeFile(file, JSON.stringify(metadata));
    const [item] = await executeNode(node, {
      parameters: { operation: 'upload', datasetId, inputSource: 'path', metadataFile: file },
      credentials: { winnowApi: { baseUrl: platform.server.baseUrl, apiToken: 'wrong-token-123' } },
      continueOnFail: true,
    });
    expect(String(item.json.error)).toMatch(/token|auth|401/i);
    expect(String(item.json.error)).not.toContain('wrong-token-123');
  });
});
