import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Selectable } from 'kysely';
import { BUILTIN_MODELS, DEFAULT_MODEL_NAME } from '../../embed/builtin-models';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { localDatasource, readPredictions, type PredictionProblem } from '../../predictions';
import { predictImages } from '../../predictions/predict-images';
import { safeLocalPath } from '../../s3';
import type { JobsTable } from '../store/schema';
import type { Store } from '../store/store';
import { datasetStorageDir, getDataset, type UserScope } from './datasets';
import { savePredictions } from './predictions';
import { queueJob } from './queue-job';
import { parseJson } from './rows';

/** A predict job's request as stored in its row. */
export interface PredictJobRequest {
  /** The prediction task the results are stored under (letters, digits, `_`, `-`, `.`). */
  task: string;
  /** A built-in model with a classifier head: `default` (efficientnet-lite0, ImageNet-1k). */
  model?: string;
}

/** What a finished predict job stored, and what it could not: `GET …/predictions/jobs/{jobId}`. */
export interface PredictJobResult {
  task: string;
  modelId: string;
  /** Images the model predicted. */
  predicted: number;
  /** Samples whose predictions were stored. */
  stored: number;
  scores: string[];
  /** Images that could not be read or decoded, by file name. */
  skipped: { file: string; reason: string }[];
  /** Predictions that were not stored (file, reason). */
  problems: PredictionProblem[];
  /** Samples whose image the platform does not hold (kept in an S3 datasource, say): not predicted. */
  notOnPlatform: number;
}

const TASK_NAME = /^[A-Za-z0-9_.-]+$/;

function resultPath(store: Store, jobId: string): string {
  return path.join(store.home, 'predict', `${jobId}.json`);
}

/**
 * `POST /v1/datasets/{datasetId}/predictions/predict`: validates the request now (400 naming the field) and queues a
 * job that runs a built-in classifier over the images the platform stores for the dataset and stores the predictions
 * and their scores, as `winnow predict` + `winnow predictions upload` would. → `{ jobId }`
 *
 * Only built-in models: a REST client never names a file on the server. Run your own ONNX classifier or detector with
 * `winnow predict`, the n8n Winnow Predict node or the pipeline's predictions step, which store the same way.
 */
export async function startPredict(scope: UserScope, runner: { enqueue(jobId: string): void }, datasetId: string, request: PredictJobRequest): Promise<{ jobId: string }> {
  const dataset = await getDataset(scope, datasetId);
  if (!TASK_NAME.test(request.task) || request.task === '.' || request.task === '..') {
    throw new InvalidInputError({ file: 'body', column: 'task' }, `task name ${JSON.stringify(request.task)} must be letters, digits, "_", "-" or "."`);
  }
  const model = request.model ?? 'default';
  const name = model === 'default' ? DEFAULT_MODEL_NAME : model;
  if (BUILTIN_MODELS[name]?.classifier === undefined) {
    const heads = Object.entries(BUILTIN_MODELS).filter(([, m]) => m.classifier !== undefined).map(([n]) => n);
    throw new InvalidInputError(
      { file: 'body', column: 'model' },
      `${JSON.stringify(model)} is not a built-in model with a classifier head (use default or ${heads.join(', ')}); run your own ONNX model with \`winnow predict\` or the n8n Winnow Predict node and upload its predictions`,
    );
  }
  return queueJob(scope, runner, { datasetId, type: 'PREDICT', total: dataset.nSamples, embeddingId: '', newTagName: '', request: { task: request.task, model } });
}

/**
 * Runs one predict job (called by the platform's JobRunner): the dataset's stored images are predicted into a scratch
 * folder in Lightly's format, read back with the same validation as an upload, and stored per sample. A broken image
 * or a bad prediction is named in the result; everything else is stored. Progress goes to the job row.
 */
export async function runPredictJob(store: Store, job: Selectable<JobsTable>): Promise<PredictJobResult> {
  const request = parseJson<PredictJobRequest>(job.request) as PredictJobRequest;
  const datasetId = job.dataset_id;
  const scope: UserScope = { store, userId: job.user_id };
  await getDataset(scope, datasetId);
  const root = datasetStorageDir(store.home, datasetId);
  const rows = await store.db.selectFrom('samples').select('file_name').where('dataset_id', '=', datasetId).orderBy('idx').execute();
  const files: string[] = [];
  for (const { file_name } of rows) {
    const local = safeLocalPath(root, file_name);
    if (local.ok && (await stat(local.path).catch(() => null))?.isFile()) files.push(file_name);
  }
  if (files.length === 0 && rows.length > 0) {
    throw new InvalidConfigError(
      `the platform holds none of dataset ${datasetId}'s images (they stay in its datasource): run \`winnow predict\` where the images are and upload the predictions (\`winnow predictions upload\`)`,
    );
  }
  const scratch = path.join(store.home, 'predict', job.id);
  await rm(scratch, { recursive: true, force: true });
  let lastWrite = 0;
  let writes: Promise<unknown> = Promise.resolve();
  try {
    const predicted = await predictImages({
      inputDir: root,
      outDir: scratch,
      task: request.task,
      model: request.model === 'default' ? undefined : request.model,
      files,
      onProgress: (p) => {
        const now = Date.now();
        // Pollers need a fresh figure about once a second, not one per image.
        if (now - lastWrite < 1000) return;
        lastWrite = now;
        writes = writes.then(() => store.db.updateTable('jobs').set({ processed: p.done, last_modified_at: now }).where('id', '=', job.id).execute());
      },
    });
    await writes;
    const read = await readPredictions(localDatasource(scratch), { tasks: [request.task] });
    const saved = await savePredictions(scope, datasetId, read.tasks);
    const task = saved.tasks.find((t) => t.name === request.task);
    const result: PredictJobResult = {
      task: request.task,
      modelId: predicted.modelId,
      predicted: predicted.predicted,
      stored: task?.stored ?? 0,
      scores: task?.scores ?? [],
      skipped: predicted.skipped,
      problems: [...read.problems, ...saved.problems],
      notOnPlatform: rows.length - files.length,
    };
    await mkdir(path.dirname(resultPath(store, job.id)), { recursive: true });
    await writeFile(resultPath(store, job.id), JSON.stringify(result));
    return result;
  } finally {
    await writes.catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `GET /v1/datasets/{datasetId}/predictions/jobs/{jobId}`: what a finished predict job stored and skipped. */
export async function getPredictJobResult(scope: UserScope, datasetId: string, jobId: string): Promise<PredictJobResult> {
  await getDataset(scope, datasetId);
  const job = await scope.store.db.selectFrom('jobs').select(['status', 'error']).where('id', '=', jobId).where('dataset_id', '=', datasetId).where('type', '=', 'PREDICT').executeTakeFirst();
  if (!job) throw new NotFoundError('predict job', jobId);
  if (job.status !== 'FINISHED') throw new InvalidConfigError(`predict job ${jobId} is ${job.status}${job.error ? ` (${job.error})` : ''}; its result exists once it has FINISHED`);
  return JSON.parse(await readFile(resultPath(scope.store, jobId), 'utf8')) as PredictJobResult;
}

