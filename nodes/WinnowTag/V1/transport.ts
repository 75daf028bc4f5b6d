import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { IfTagExists } from '../../../src/platform/client/find';
import { splitList } from '../../shared/globs';
import { nodeStepIO } from '../../shared/step-io';

/** Loaded on first use, as every node loads its step: the engine behind it stays out of n8n's start-up. */
const loadTagStep = () => import('../../../src/pipeline/steps/tag.js');

/** The tag step on one item's selection (`tagFiles`): creates, keeps or replaces the tag; the output names it and its size. */
export async function tagSelection(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
  const tagName = String(ctx.getNodeParameter('tagName', itemIndex)).trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const fileNames =
    ctx.getNodeParameter('selectionSource', itemIndex) === 'list'
      ? splitList(ctx.getNodeParameter('fileNames', itemIndex))
      : { selectionFile: String(ctx.getNodeParameter('selectionFile', itemIndex)).trim() };
  const { tagFiles } = await loadTagStep();
  const tag = await tagFiles(nodeStepIO(ctx, `tag ${tagName}`).io, {
    datasetId,
    tagName,
    fileNames,
    ifExists: ctx.getNodeParameter('ifExists', itemIndex, 'fail') as IfTagExists,
    parentTagId: String(options.parentTagId ?? '').trim() || undefined,
  });
  return { datasetId, tagId: tag.tagId, tagName: tag.name, size: tag.count, parentTagId: tag.parentTagId, created: tag.created };
}
