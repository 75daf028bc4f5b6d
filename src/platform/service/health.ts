import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadEmbeddingMatrix } from '../../embeddings/reader';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { analyseHealth, fromLightlyMetaData, healthTags, parseHealthOptions, type HealthReport, type ImageMeasures } from '../../health';
import type { Store } from '../store/store';
import { bitmaskFromIndices } from './bitmask';
import { getDataset, type UserScope } from './datasets';
import { queueJob } from './queue-job';
import { getEmbedding } from './embeddings';
import { parseJson } from './rows';
import { loadFileNames } from './samples';
import { embeddingVersion, writeSimilarityIndex } from './similar';
import { createTag, updateTag } from './tags';

/** A health job's request as stored in its row. */
export interface HealthJobRequest {
  /** Health options (`parseHealthOptions`), validated when the job is created. */
  options?: Record<string, unknown>;
  /** Put before every tag name the job makes (`nightly-` → `nightly-duplicates-removed`). */
  tagPrefix?: string;
}

const TAG_PREFIX = /^[\w.-]{0,64}$/;

/**
 * `POST …/embeddings/{embeddingId}/health`: validates the options now (400 naming the field) and queues a job that
 * finds duplicates, outliers and quality issues, stores the report and makes one tag per finding. → `{ jobId }`
 */
export async function startHealth(
  scope: UserScope,
  runner: { enqueue(jobId: string): void },
  datasetId: string,
  embeddingId: string,
  request: HealthJobRequest,
): Promise<{ jobId: string }> {
  const dataset = await getDataset(scope, datasetId);
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (!embedding.isProcessed) {
    throw new InvalidConfigError(`embedding ${JSON.stringify(embedding.name)} has no uploaded CSV yet: embed the images and save the embeddings first`, 'NO_EMBEDDINGS');
  }
  parseHealthOptions(request.options ?? {}, 'body.options');
  if (request.tagPrefix !== undefined && !TAG_PREFIX.test(request.tagPrefix)) {
    throw new InvalidInputError({ file: 'body', column: 'tagPrefix' }, 'must be up to 64 letters, digits, dots, dashes or underscores');
  }
  return queueJob(scope, runner, {
    datasetId,
    type: 'HEALTH',
    total: dataset.nSamples,
    embeddingId,
    newTagName: `${request.tagPrefix ?? ''}duplicates-removed`,
    request,
  });
}

function reportPath(store: Store, jobId: string): string {
  return path.join(store.home, 'health', `${jobId}.json`);
}

/** `GET /v1/datasets/{datasetId}/health/{jobId}`: the report of a finished health job. */
export async function getHealthReport(scope: UserScope, datasetId: string, jobId: string): Promise<HealthReport> {
  await getDataset(scope, datasetId);
  const job = await scope.store.db
    .selectFrom('jobs')
    .select(['status', 'type', 'error'])
    .where('id', '=', jobId)
    .where('dataset_id', '=', datasetId)
    .where('type', '=', 'HEALTH')
    .executeTakeFirst();
  if (!job) throw new NotFoundError('health job', jobId);
  if (job.status !== 'FINISHED') throw new InvalidConfigError(`health job ${jobId} is ${job.status}${job.error ? ` (${job.error})` : ''}; its report exists once it has FINISHED`);
  return JSON.parse(await readFile(reportPath(scope.store, jobId), 'utf8')) as HealthReport;
}

/**
 * Runs one health job (called by the platform's JobRunner): the embedding CSV and the measures stored in the samples'
 * metaData (Lightly's shape, see `toLightlyMetaData`) go into `analyseHealth`; the report is written under the
 * store's home and every finding becomes a tag, replacing the bits of a tag of that name from an earlier run.
 * → the id of the `duplicates-removed` tag.
 */
export async function runHealthJob(store: Store, job: { id: string; dataset_id: string; user_id: string; embedding_id: string | null; request: string | null }): Promise<string | undefined> {
  const scope: UserScope = { store, userId: job.user_id };
  const request = parseJson<HealthJobRequest>(job.request) ?? {};
  const embedding = await getEmbedding(scope, job.dataset_id, job.embedding_id ?? '');
  if (embedding.filePath === null) throw new InvalidConfigError(`embedding ${embedding.name} has no CSV: embed the images first`, 'NO_EMBEDDINGS');
  const embeddings = await loadEmbeddingMatrix(embedding.filePath);
  const measures = await loadMeasures(store, job.dataset_id);
  const report = await analyseHealth({ embeddings, measures, options: request.options ?? {} });
  await mkdir(path.dirname(reportPath(store, job.id)), { recursive: true });
  await writeFile(reportPath(store, job.id), JSON.stringify(report));
  // The web app's "find similar" searches this index; built here, from the matrix already loaded, rather than on
  // someone's first click.
  await writeSimilarityIndex(store, embedding.id, await embeddingVersion(store, embedding.id), embeddings);

  const fileNames = await loadFileNames(store, job.dataset_id);
  const position = new Map(fileNames.map((name, i) => [name, i]));
  let keptTagId: string | undefined;
  for (const [name, files] of healthTags(report, embeddings.fileNames, request.tagPrefix ?? '')) {
    const bits = bitmaskFromIndices(files.map((f) => position.get(f)).filter((i): i is number => i !== undefined));
    const existing = await store.db.selectFrom('tags').select('id').where('dataset_id', '=', job.dataset_id).where('name', '=', name).executeTakeFirst();
    const tag = existing
      ? await updateTag(scope, job.dataset_id, existing.id, { name, bitMaskData: bits, updateCreator: 'USER_WORKER' })
      : await createTag(scope, job.dataset_id, { name, bitMaskData: bits, creator: 'USER_WORKER', runId: job.id, changes: { sampler: { method: 'selected' } } });
    if (name === `${request.tagPrefix ?? ''}duplicates-removed`) keptTagId = tag.id;
  }
  return keptTagId;
}

/** The newest health job of a dataset and, once it has finished, its report (`report: null` before that). */
export interface LatestHealth {
  jobId: string;
  embeddingId: string | null;
  /** The tag of everything but the duplicates this job made (`<tagPrefix>duplicates-removed`). */
  keptTagName: string;
  status: string;
  error: string | null;
  createdAt: number;
  report: HealthReport | null;
}

/** `GET /v1/datasets/{datasetId}/health/latest` → the newest health job and its report, or null when none ran. */
export async function getLatestHealth(scope: UserScope, datasetId: string): Promise<LatestHealth | null> {
  await getDataset(scope, datasetId);
  const job = await scope.store.db
    .selectFrom('jobs')
    .select(['id', 'status', 'error', 'embedding_id', 'created_at', 'new_tag_name'])
    .where('dataset_id', '=', datasetId)
    .where('type', '=', 'HEALTH')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!job) return null;
  const finished = job.status === 'FINISHED';
  return {
    jobId: job.id,
    embeddingId: job.embedding_id,
    keptTagName: job.new_tag_name ?? 'duplicates-removed',
    status: job.status,
    error: job.error,
    createdAt: Number(job.created_at),
    report: finished ? (JSON.parse(await readFile(reportPath(scope.store, job.id), 'utf8')) as HealthReport) : null,
  };
}

/** The quality measures the Health page draws a histogram of, in the report's units. */
export const MEASURE_COLUMNS = ['sharpness', 'brightness', 'contrast', 'darkFraction', 'overexposedFraction', 'entropy', 'colourfulness', 'width', 'height', 'aspectRatio', 'sizeInBytes'] as const;
export type MeasureColumn = (typeof MEASURE_COLUMNS)[number];

export interface HealthMeasureColumns {
  /** Sample ids in dataset order; column value k belongs to sample k (null: not measured). */
  sampleIds: string[];
  fileNames: string[];
  columns: Record<MeasureColumn, Array<number | null>>;
}

/**
 * `GET /v1/datasets/{datasetId}/health/measures`: every sample's quality measures as columns, in dataset order —
 * one request for the histograms of 100,000 samples instead of paging through their metaData.
 */
export async function getHealthMeasureColumns(scope: UserScope, datasetId: string): Promise<HealthMeasureColumns> {
  await getDataset(scope, datasetId);
  const rows = await scope.store.db.selectFrom('samples').select(['id', 'file_name', 'meta_data']).where('dataset_id', '=', datasetId).orderBy('idx').execute();
  const columns = Object.fromEntries(MEASURE_COLUMNS.map((c) => [c, new Array<number | null>(rows.length).fill(null)])) as HealthMeasureColumns['columns'];
  rows.forEach((r, k) => {
    const m = fromLightlyMetaData(r.file_name, parseJson<Record<string, unknown>>(r.meta_data));
    if (m === undefined) return;
    for (const c of MEASURE_COLUMNS) columns[c][k] = m[c];
  });
  return { sampleIds: rows.map((r) => r.id), fileNames: rows.map((r) => r.file_name), columns };
}

/** Health measures of every sample that has them, by file name, from `meta_data`. */
export async function loadMeasures(store: Store, datasetId: string): Promise<Map<string, ImageMeasures>> {
  const rows = await store.db.selectFrom('samples').select(['file_name', 'meta_data']).where('dataset_id', '=', datasetId).where('meta_data', 'is not', null).execute();
  const out = new Map<string, ImageMeasures>();
  for (const r of rows) {
    const m = fromLightlyMetaData(r.file_name, parseJson<Record<string, unknown>>(r.meta_data));
    if (m) out.set(r.file_name, m);
  }
  return out;
}
