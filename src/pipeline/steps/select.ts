import { loadEmbeddingMatrix } from '../../embeddings';
import { metadataByFileName, readCustomMetadataFile } from '../../metadata';
import { writeNameListFile } from '../../name-list';
import { findTag } from '../../platform';
import { parseSelectionConfig, selectSamples, type SelectionResult } from '../../select';
import { datapoolTagId, findDatapool } from '../datapool';
import { selectionSize } from '../plan';
import type { SaveResult, SelectResult } from '../step-types';
import type { StepContext, StepIO } from './step-context';

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

export interface SelectFilesInput {
  /** A Lightly embeddings CSV on this machine. */
  embeddingsCsv: string;
  /** Lightly custom metadata, for METADATA inputs. */
  metadataFile?: string;
  /** A selection config (validated here; errors name `configName` and the field). */
  selection: Record<string, unknown>;
  configName?: string;
  /** Earlier picks kept as centres and never picked again: the datapool of the dataset's tags matching `tags`. */
  datapool?: { datasetId: string; tags: string };
  /** Where the picks are written, one file name a line in pick order. */
  selectionFile: string;
}

/**
 * The select step on named files, on this machine: the same selection engine and the same datapool definition as the
 * platform's selection job, from an embeddings CSV to a selection file (the tag step's input).
 */
export async function selectFiles(io: StepIO, input: SelectFilesInput): Promise<SelectionResult> {
  const config = parseSelectionConfig(input.selection, input.configName ?? 'selection config');
  const datapool = input.datapool;
  const pool = datapool ? await io.usePlatform(({ client }) => findDatapool(client, datapool.datasetId, datapool.tags)) : undefined;
  const embeddings = await loadEmbeddingMatrix(input.embeddingsCsv, { signal: io.signal });
  // Earlier picks of images that are no longer in the CSV cannot act as centres.
  const known = new Set(embeddings.fileNames);
  const metadata = input.metadataFile === undefined ? undefined : metadataByFileName(await readCustomMetadataFile(input.metadataFile));
  const result = await selectSamples({
    embeddings,
    metadata,
    config,
    preselected: (pool?.fileNames ?? []).filter((name) => known.has(name)),
    source: input.embeddingsCsv,
    signal: io.signal,
    onProgress: io.onProgress,
  });
  await writeNameListFile(input.selectionFile, result.selected);
  return result;
}
