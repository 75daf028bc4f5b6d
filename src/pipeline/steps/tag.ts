import { InvalidConfigError } from '../../errors';
import { readNameListFile } from '../../name-list';
import { tagFileNames, type IfTagExists } from '../../platform/client/find';
import { indicesFromBitmask } from '../../tags';
import type { SelectResult, TagResult } from '../step-types';
import type { StepContext, StepIO } from './step-context';

/** Confirms the selection's tag, counts its samples and writes their file names to the run's files. */
export async function tagStep(ctx: StepContext<unknown>, datasetId: string, selection: Pick<SelectResult, 'tagId'>): Promise<TagResult> {
  const { tag, names } = await ctx.usePlatform(async ({ client }) => {
    const found = await client.getTagById(datasetId, selection.tagId);
    return { tag: found, names: await client.exportFilenamesByTagId(datasetId, found.id) };
  });
  const selectionFile = await ctx.files.writeSelection(ctx, names);
  return { tagId: tag.id, name: tag.name, count: names.length, selectionFile };
}

export interface TagFilesInput {
  datasetId: string;
  tagName: string;
  /** The file names, or a selection file holding them one a line (as the select step writes it). */
  fileNames: string[] | { selectionFile: string };
  ifExists: IfTagExists;
  /** The tag the selection was made from (default: the dataset's initial tag). */
  parentTagId?: string;
}

/** The tag step on named files: a tag of a selection made elsewhere (kept, replaced or refused when the name is taken). */
export async function tagFiles(io: StepIO, input: TagFilesInput): Promise<TagResult & { parentTagId?: string | null; created: boolean }> {
  const names = Array.isArray(input.fileNames) ? input.fileNames : await readNameListFile(input.fileNames.selectionFile);
  if (names.length === 0) {
    throw new InvalidConfigError('the selection is empty: there is nothing to tag (a selection is empty when every image is already in the datapool)');
  }
  const { tag, created } = await io.usePlatform(({ client }) =>
    tagFileNames(client, input.datasetId, input.tagName, names, { ifExists: input.ifExists, parentTagId: input.parentTagId }),
  );
  // The tag's size is the number of set bits; counting them avoids downloading every file name.
  return { tagId: tag.id, name: tag.name, count: indicesFromBitmask(tag.bitMaskData).length, parentTagId: tag.prevTagId, created };
}
