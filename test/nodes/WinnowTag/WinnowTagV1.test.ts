import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowTag } from '../../../nodes/WinnowTag/WinnowTag.node';
import { executeNode } from '../fake-context';
import { usePlatformFixture } from '../platform-fixture';

const node = new WinnowTag().nodeVersions[1];
const FILES = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];

describe('Winnow Tag V1', () => {
  const platform = usePlatformFixture();
  let datasetId: string;
  let selectionFile: string;

  beforeAll(async () => {
    datasetId = (await platform.client.createDataset('node-tag')).id;
    await platform.client.createSamples(datasetId, FILES.map((fileName) => ({ fileName })));
    selectionFile = path.join(platform.work, 'selection.txt');
    await writeFile(selectionFile, 'd.jpg\nb.jpg\n');
  });

  const params = (extra: Record<string, unknown>) => ({
    datasetId: '',
    tagName: 'to-label',
    selectionSource: 'file',
    selectionFile: '',
    ifExists: 'fail',
    options: {},
    ...extra,
  });

  it('tags the selection file on the platform and reports the tag size', async () => {
    const [item] = await executeNode(node, {
      items: [{ json: { datasetId, selectionFile, selected: 2 } }],
      parameters: params({ datasetId, selectionFile }),
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({ datasetId, tagName: 'to-label', size: 2, created: true, selected: 2 });
    expect((await platform.client.exportFilenamesByTagName(datasetId, 'to-label')).sort()).toEqual(['b.jpg', 'd.jpg']);
  });

  it('fails on an existing tag by default, keeps or replaces it when asked', async () => {
    const error = await executeNode(node, { parameters: params({ datasetId, selectionFile }), credentials: platform.credentials }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain('already exists');

    const [kept] = await executeNode(node, { parameters: params({ datasetId, selectionFile, ifExists: 'keep' }), credentials: platform.credentials });
    expect(kept.json).toMatchObject({ size: 2, created: false });

    const [replaced] = await executeNode(node, {
      parameters: params({ datasetId, selectionSource: 'list', fileNames: 'a.jpg, c.jpg\ne.jpg', ifExists: 'replace' }),
      credentials: platform.credentials,
    });
    expect(replaced.json).toMatchObject({ size: 3, created: true });
    expect(replaced.json.tagId).not.toBe(kept.json.tagId);
  });

  it('names unknown file names, per item under Continue On Fail', async () => {
    const [item] = await executeNode(node, {
      parameters: params({ datasetId, tagName: 'bad-names', selectionSource: 'list', fileNames: 'a.jpg\nzzz.jpg' }),
      credentials: platform.credentials,
      continueOnFail: true,
    });
    expect(String(item.json.error)).toContain('zzz.jpg');
  });
});
