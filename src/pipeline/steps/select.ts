import { findTag } from '../../platform';
import { datapoolTagId } from '../datapool';
import { selectionSize } from '../plan';
import type { SaveResult, SelectResult } from '../step-types';
import type { StepContext } from './step-context';


/**
 * Runs the platform's selection job, which stores the full ranking (the web app's slider reads it) and creates the tag
 * `tagName`. An incremental run preselects its datapool, so the new tag holds every earlier pick plus this run's.
 * A retry after the job finished but before the step reported finds the tag and selects nothing twice.
 */
export async function selectStep(ctx: StepContext<unknown>, save: Pick<SaveResult, 'datasetId' | 'embeddingId' | 'rows'>, tagName: string): Promise<SelectResult> {
  const { config } = ctx;
  const n = selectionSize(config.select, save.rows);
  return ctx.usePlatform(async ({ client }) => {
    const existing = await findTag(client, save.datasetId, tagName);
    if (existing) return { tagId: existing.id, n, reused: true };
    const pool = config.incremental ? await datapoolTagId(client, save.datasetId, config.datapool?.tags ?? config.tag.name, tagName) : { size: 0 };
    // After a health step the selection draws only from what remains once the duplicates are removed.
    const remaining = config.health?.selectFromRemaining ? await findTag(client, save.datasetId, `${config.health.tagPrefix ?? ''}duplicates-removed`) : undefined;
    const { jobId } = await client.startSelection(save.datasetId, save.embeddingId, {
      newTagName: tagName,
      selection: { ...config.selection, n },
      ...(pool.tagId ? { preselectedTagId: pool.tagId } : {}),
      ...(remaining ? { queryTagId: remaining.id } : {}),
    });
    const job = await client.waitForJob(jobId, { onProgress: ctx.onProgress, signal: ctx.signal });
    const tagId = job.result?.data ?? (await client.getTagByName(save.datasetId, tagName)).id;
    return { tagId, n, jobId, reused: false, ...(config.incremental ? { datapool: pool.size } : {}) };
  });
}
