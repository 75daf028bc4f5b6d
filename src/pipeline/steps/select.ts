import { findTag } from '../../platform';
import { datapoolTagId } from '../datapool';
import type { SaveResult, SelectResult } from '../step-types';
import type { StepContext } from './step-context';

/**
 * How many images to keep: `select` is a count (≥ 1, at most the rows) or a fraction of the rows (< 1, at least one).
 *
 * @example selectionSize(0.1, 264) // → 26
 * @example selectionSize(500, 264) // → 264
 */
export function selectionSize(select: number, rows: number): number {
  return select < 1 ? Math.max(1, Math.round(select * rows)) : Math.min(select, rows);
}

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
    const pool = config.incremental ? await datapoolTagId(client, save.datasetId, config.tag.name, tagName) : { size: 0 };
    const { jobId } = await client.startSelection(save.datasetId, save.embeddingId, {
      newTagName: tagName,
      selection: { ...config.selection, n },
      ...(pool.tagId ? { preselectedTagId: pool.tagId } : {}),
    });
    const job = await client.waitForJob(jobId, { onProgress: ctx.onProgress, signal: ctx.signal });
    const tagId = job.result?.data ?? (await client.getTagByName(save.datasetId, tagName)).id;
    return { tagId, n, jobId, reused: false, ...(config.incremental ? { datapool: pool.size } : {}) };
  });
}
