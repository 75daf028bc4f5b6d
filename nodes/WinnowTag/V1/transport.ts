import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { readNameListFile } from '../../../src/name-list';
import { findTag } from '../../../src/platform/client/find';
import type { TagData } from '../../../src/platform/schemas';
import { indicesFromBitmask } from '../../../src/tags';
import { splitList } from '../../shared/globs';
import { withPlatformClient } from '../../shared/platform';

async function selectedFileNames(ctx: IExecuteFunctions, itemIndex: number): Promise<string[]> {
  if (ctx.getNodeParameter('selectionSource', itemIndex) === 'list') return splitList(ctx.getNodeParameter('fileNames', itemIndex));
  const file = String(ctx.getNodeParameter('selectionFile', itemIndex)).trim();
  return readNameListFile(file);
}

const describeTag = (tag: TagData) => ({
  datasetId: tag.datasetId,
  tagId: tag.id,
  tagName: tag.name,
  // The tag's size is the number of set bits; counting them avoids downloading every file name.
  size: indicesFromBitmask(tag.bitMaskData).length,
  parentTagId: tag.prevTagId,
});

/** Creates (or keeps, or replaces) the tag of one item's selection; the output names the tag and its size. */
export async function tagSelection(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
  const tagName = String(ctx.getNodeParameter('tagName', itemIndex)).trim();
  const ifExists = ctx.getNodeParameter('ifExists', itemIndex, 'fail') as 'fail' | 'keep' | 'replace';
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const parentTagId = String(options.parentTagId ?? '').trim() || undefined;
  const fileNames = await selectedFileNames(ctx, itemIndex);
  if (fileNames.length === 0) {
    throw new NodeOperationError(ctx.getNode(), 'The selection is empty: there is nothing to tag', {
      itemIndex,
      description: 'Check the Winnow Select output: its "selected" count is 0 when every image is already in the datapool.',
    });
  }
  return withPlatformClient(ctx, async (client) => {
    const existing = await findTag(client, datasetId, tagName);
    if (existing && ifExists === 'keep') return { ...describeTag(existing), created: false };
    if (existing && ifExists === 'fail') {
      throw new NodeOperationError(ctx.getNode(), `A tag named "${tagName}" already exists in this dataset`, {
        itemIndex,
        description: 'Choose another Tag Name, or set "If Tag Exists" to Keep Existing or Replace.',
      });
    }
    if (existing) await client.deleteTag(datasetId, existing.id);
    const tag = await client.createTagFromFilenames(datasetId, tagName, fileNames, parentTagId);
    return { ...describeTag(tag), created: true };
  });
}
