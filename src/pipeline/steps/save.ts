import { rm } from 'node:fs/promises';
import { mergeEmbeddingsFiles, sortEmbeddingsByFileName, validateEmbeddingsFile } from '../../embeddings';
import { WinnowError } from '../../errors';
import { readMeasuresBeside } from '../../health/measures-file';
import { sampleCreateRequests } from '../../platform';
import { isFolderSource, type PipelineConfig } from '../config';
import type { SaveResult } from '../step-types';
import { pathInsideFolder } from '../../safe-names';
import { datasetOf, describeSamplesReporting } from './describe-samples';
import type { UploadedSample } from '../../s3';
import type { StepContext, StepIO } from './step-context';

/**
 * Merges the shard CSVs (and the datapool of an incremental run) into one Lightly CSV in file-name order — the same
 * bytes whichever driver ran the steps — then hands samples and embeddings to the platform, and only then grows the
 * datapool, so a failed run is simply embedded again.
 */
export async function saveStep(ctx: StepContext<unknown>, shardCount: number): Promise<SaveResult> {
  const { config } = ctx;
  const { inputs, mergedCsv, imagesDir, facts } = await ctx.files.saveInputs(ctx, shardCount);
  if (inputs.length === 0) throw new WinnowError(`no images found in ${describeSource(config.source)}`, { code: 'NO_IMAGES' });
  const beat = () => ctx.beat();
  const { fileNames } = await saveEmbeddings(ctx, { inputs, outputCsv: mergedCsv, beat });
  // Names come from the embeddings CSV (a user's --embeddings file too): none may read outside the image folder.
  const described = facts
    ? undefined
    : await describeSamplesReporting(fileNames.map((fileName) => ({ fileName, path: pathInsideFolder(imagesDir, fileName, { file: mergedCsv, column: 'filenames' }) })), ctx);
  const stored = await storeEmbeddings(ctx, {
    csvFile: mergedCsv,
    fileNames,
    measuresOf: inputs,
    facts: facts ?? new Map(described?.samples.map((s) => [s.fileName, s])),
    dataset: { name: config.dataset, id: config.datasetId },
    beat,
  });
  const csvFile = await ctx.files.publishSaved(ctx, mergedCsv, fileNames);
  const notStored = described?.notStored ?? [];
  return {
    csvFile,
    rows: fileNames.length,
    datasetId: stored.datasetId,
    embeddingId: stored.embeddingId,
    samplesCreated: stored.samplesCreated,
    ...(notStored.length > 0 ? { notStored } : {}),
  };
}

/**
 * The file half of the save step: merges Lightly CSVs in the order given (a later row replaces an earlier one of the
 * same file name) into one canonical CSV in file-name order, and validates it. Returns the sorted names.
 */
export async function saveEmbeddings(
  io: StepIO,
  input: { inputs: string[]; outputCsv: string; beat?: () => void },
): Promise<{ rows: number; dim: number; fileNames: string[] }> {
  const { signal } = io;
  const merged = `${input.outputCsv}.merged`;
  await mergeEmbeddingsFiles(input.inputs, merged, { signal });
  input.beat?.();
  const { fileNames, rows, dim } = await sortEmbeddingsByFileName(merged, input.outputCsv, { signal });
  await rm(merged, { force: true });
  await validateEmbeddingsFile(input.outputCsv, { signal });
  input.beat?.();
  return { rows, dim, fileNames };
}

export interface StoreEmbeddingsInput {
  /** The saved CSV (`saveEmbeddings`' output) and its file names. */
  csvFile: string;
  fileNames: readonly string[];
  /** CSVs whose embed pass wrote health measures beside them (`<csv>.measures.jsonl`): the samples' metaData. */
  measuresOf: readonly string[];
  /** What the platform records of each image (size, EXIF, thumbnail), where the caller has read the images. */
  facts?: ReadonlyMap<string, UploadedSample>;
  /** By id, else found or created by name. */
  dataset: { name: string; id?: string };
  /** Uploading the same name again replaces the embedding. */
  embeddingName?: string;
  beat?: () => void;
}

/** The platform half of the save step: one sample per row (idempotent by file name), then the embedding. */
export async function storeEmbeddings(
  io: StepIO,
  input: StoreEmbeddingsInput,
): Promise<{ datasetId: string; datasetName: string; embeddingId: string; samples: number; samplesCreated: number }> {
  const { signal } = io;
  const measures = await readMeasuresBeside(input.measuresOf);
  return io.usePlatform(async ({ client }) => {
    const dataset = await datasetOf(client, { dataset: input.dataset.name, datasetId: input.dataset.id });
    const created = await client.createSamples(dataset.id, sampleCreateRequests(input.fileNames, input.facts ?? new Map(), measures), { signal });
    input.beat?.();
    const embedding = await client.uploadEmbeddings(dataset.id, input.csvFile, input.embeddingName ?? 'default', { signal });
    return { datasetId: dataset.id, datasetName: dataset.name, embeddingId: embedding.id, samples: created.length, samplesCreated: created.filter((s) => s.created).length };
  });
}

function describeSource(source: PipelineConfig['source']): string {
  return isFolderSource(source) ? source.folder : `s3://${source.bucket}/${source.prefix ?? ''}`;
}
