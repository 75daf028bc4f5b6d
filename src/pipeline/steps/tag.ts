import type { SelectResult, TagResult } from '../step-types';
import type { StepContext } from './step-context';

/** Confirms the selection's tag, counts its samples and writes their file names to the run's files. */
export async function tagStep(ctx: StepContext<unknown>, datasetId: string, selection: Pick<SelectResult, 'tagId'>): Promise<TagResult> {
  const { tag, names } = await ctx.usePlatform(async ({ client }) => {
    const found = await client.getTagById(datasetId, selection.tagId);
    return { tag: found, names: await client.exportFilenamesByTagId(datasetId, found.id) };
  });
  const selectionFile = await ctx.files.writeSelection(ctx, names);
  return { tagId: tag.id, name: tag.name, count: names.length, selectionFile };
}
