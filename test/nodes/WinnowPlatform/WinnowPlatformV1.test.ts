import { NodeOperationError, type ILoadOptionsFunctions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { WinnowPlatform } from '../../../nodes/WinnowPlatform/WinnowPlatform.node';
import { getDatasets } from '../../../nodes/shared/platform';
import { executeNode } from '../fake-context';
import { usePlatformFixture } from '../platform-fixture';

const node = new WinnowPlatform().nodeVersions[1];

describe('Winnow Platform V1', () => {
  const platform = usePlatformFixture();
  let datasetId: string;

  const run = (parameters: Record<string, unknown>, continueOnFail = false) =>
    executeNode(node, { parameters, credentials: platform.credentials, continueOnFail });

  it('creates a dataset, finds it by name and lists it; Reuse Existing returns it again', async () => {
    const [created] = await run({ resource: 'dataset', operation: 'create', name: 'node-platform', options: {} });
    datasetId = String(created.json.id);
    const [byName] = await run({ resource: 'dataset', operation: 'get', findBy: 'name', datasetName: 'node-platform' });
    expect(byName.json.id).toBe(datasetId);
    const [again] = await run({ resource: 'dataset', operation: 'create', name: 'node-platform', options: { reuseExisting: true } });
    expect(again.json.id).toBe(datasetId);
    const listed = await run({ resource: 'dataset', operation: 'getAll', returnAll: true });
    expect(listed.map((item) => item.json.id)).toContain(datasetId);
  });

  it('lists samples up to the limit and updates custom metadata', async () => {
    await platform.client.createSamples(datasetId, ['a.jpg', 'b.jpg', 'c.jpg'].map((fileName) => ({ fileName })));
    const samples = await run({ resource: 'sample', operation: 'getAll', datasetId, returnAll: false, limit: 2 });
    expect(samples.map((item) => item.json.fileName)).toEqual(['a.jpg', 'b.jpg']);
    const [updated] = await run({
      resource: 'sample',
      operation: 'updateCustomMetadata',
      datasetId,
      sampleId: samples[0].json.id,
      customMetadata: '{"weather": "rain"}',
    });
    expect(updated.json.customMetaData).toEqual({ weather: 'rain' });
  });

  it('creates, combines, exports and deletes tags', async () => {
    const [first] = await run({ resource: 'tag', operation: 'create', datasetId, tagName: 'first', fileNames: 'a.jpg\nb.jpg', options: {} });
    const [second] = await run({ resource: 'tag', operation: 'create', datasetId, tagName: 'second', fileNames: 'b.jpg,c.jpg', options: {} });
    const [both] = await run({
      resource: 'tag',
      operation: 'combine',
      datasetId,
      tagId1: first.json.id,
      tagId2: second.json.id,
      combineOperation: 'INTERSECTION',
      newTagName: 'both',
    });
    expect(both.json.id).toBeDefined();
    const exported = await run({ resource: 'export', operation: 'fileNames', datasetId, findBy: 'name', tagName: 'both', output: 'itemPerFile' });
    expect(exported.map((item) => item.json.fileName)).toEqual(['b.jpg']);
    const [list] = await run({ resource: 'export', operation: 'fileNames', datasetId, findBy: 'id', tagId: first.json.id, output: 'list' });
    expect(list.json).toMatchObject({ count: 2, fileNames: ['a.jpg', 'b.jpg'] });
    const [deleted] = await run({ resource: 'tag', operation: 'delete', datasetId, findBy: 'name', tagName: 'both' });
    expect(deleted.json).toMatchObject({ deleted: true });
    const tags = await run({ resource: 'tag', operation: 'getAll', datasetId });
    expect(tags.map((item) => item.json.name)).not.toContain('both');
  });

  it('reports a missing dataset as NodeOperationError, or as an error item under Continue On Fail', async () => {
    const error = await run({ resource: 'dataset', operation: 'get', findBy: 'id', datasetId: 'ffffffffffffffffffffffff' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as NodeOperationError).description).toMatch(/id or name/);
    const [item] = await run({ resource: 'dataset', operation: 'get', findBy: 'id', datasetId: 'ffffffffffffffffffffffff' }, true);
    expect(item.json.error).toMatch(/not found/i);
  });

  it('fills the dataset dropdown', async () => {
    const ctx = { getCredentials: async () => platform.credentials.winnowApi } as unknown as ILoadOptionsFunctions;
    const options = await getDatasets.call(ctx);
    expect(options).toContainEqual(expect.objectContaining({ name: 'node-platform', value: datasetId }));
  });
});
