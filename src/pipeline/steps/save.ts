import { mergeEmbeddingsFiles, sortEmbeddingsByFileName, validateEmbeddingsFile } from '../../embeddings';
import { WinnowError } from '../../errors';
import { readMeasuresBeside } from '../../health/measures-file';
import { sampleCreateRequests } from '../../platform';
import { isFolderSource, type PipelineConfig } from '../config';
import type { SaveResult } from '../step-types';
import { pathInsideFolder } from '../../safe-names';
import { datasetOf, describeSamplesReporting } from './describe-samples';
import type { StepContext } from './step-context';

/**
 * Merges the shard CSVs (and the datapool of an incremental run) into one Lightly CSV in file-name order — the same
 * bytes whichever driver ran the steps — then hands samples and embeddings to the platform, and only then grows the
 * datapool, so a failed run is simply embedded again.
 */
export async function saveStep(ctx: StepContext<unknown>, shardCount: number): Promise<SaveResult> {
  const { config, signal } = ctx;
  const { inputs, mergedCsv, imagesDir, facts } = await ctx.files.saveInputs(ctx, shardCount);
  if (inputs.length === 0) throw new WinnowError(`no images found in ${describeSource(config.source)}`, { code: 'NO_IMAGES' });
  const merged = `${mergedCsv}.merged`;
  await mergeEmbeddingsFiles(inputs, merged, { signal });
  ctx.beat();
  const { fileNames } = await sortEmbeddingsByFileName(merged, mergedCsv, { signal });
  await validateEmbeddingsFile(mergedCsv);
  ctx.beat();

  // Names come from the embeddings CSV (a user's --embeddings file too): none may read outside the image folder.
  const described = facts
    ? undefined
    : await describeSamplesReporting(fileNames.map((fileName) => ({ fileName, path: pathInsideFolder(imagesDir, fileName, { file: mergedCsv, column: 'filenames' }) })), ctx);
  const byName = facts ?? new Map(described!.samples.map((s) => [s.fileName, s]));
  // The embed pass's health measures (beside every shard CSV, whichever driver ran it) become the samples' metaData.
  const measures = await readMeasuresBeside(inputs);
  const saved = await ctx.usePlatform(async ({ client }) => {
    const dataset = await datasetOf(client, config);
    const created = await client.createSamples(dataset.id, sampleCreateRequests(fileNames, byName, measures), { signal });
    ctx.beat();
    const embedding = await client.uploadEmbeddings(dataset.id, mergedCsv, 'default', { signal });
    return { datasetId: dataset.id, embeddingId: embedding.id, samplesCreated: created.filter((s) => s.created).length };
  });
  const csvFile = await ctx.files.publishSaved(ctx, mergedCsv, fileNames);
  return { csvFile, rows: fileNames.length, ...saved, ...(described && described.notStored.length > 0 ? { notStored: described.notStored } : {}) };
}

function describeSource(source: PipelineConfig['source']): string {
  return isFolderSource(source) ? source.folder : `s3://${source.bucket}/${source.prefix ?? ''}`;
}
