import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../../errors';
import { uploadPredictions } from '../../platform/prediction-upload';
import { localDatasource, readPredictions, s3Datasource, type DatasourceFiles, type PredictionProblem } from '../../predictions';
import { embedObjects, objectEmbeddingsPath } from '../../predictions/object-embeddings';
import { predictImages, type PredictImagesResult } from '../../predictions/predict-images';
import { isS3Uri, openObjectStore, parseS3Uri } from '../../s3';
import { isFolderSource } from '../config';
import type { PredictionsResult } from '../step-types';
import type { StepContext, StepIO } from './step-context';

/** Problems reported in the step's result (the count is always complete). */
const MAX_PROBLEMS_REPORTED = 20;

/**
 * Stores model predictions on the dataset (per sample, with Lightly's scores), so the select step's SCORES and
 * PREDICTIONS inputs can use them. Reads Lightly-format `.lightly/predictions` from `predictions.datasource` (a folder
 * or `s3://bucket/prefix`; default the run's source); with `predictions.model` it first runs that classifier (or the
 * default model's ImageNet head, `model: "default"`) over the run's images on this machine (a folder source, or a
 * bucket source synced into the work folder), writing into the run folder.
 * Bad prediction files are counted and named in the result; every other file is stored.
 */
export async function predictionsStep(ctx: StepContext<unknown>, datasetId: string): Promise<PredictionsResult> {
  const options = ctx.config.predictions;
  if (options === undefined) return { tasks: [], problems: 0, problemFiles: [] };
  const { source } = ctx.config;
  let datasource: DatasourceFiles;
  let close = () => {};
  /** A local datasource's folder, whose `.lightly/object-embeddings` are stored along with the predictions. */
  let localRoot: string | undefined;
  if (options.model !== undefined) {
    // A bucket source's images are in the run's work folder after sync; S3 staging keeps them in S3 only.
    const folder = options.datasource ?? (isFolderSource(source) ? source.folder : ctx.files.imagesDir);
    if (folder === undefined || isS3Uri(folder)) {
      throw new InvalidConfigError('predictions.model runs the model over images on this machine: use a folder source, a work folder (not S3 staging) or a local predictions.datasource, or run `winnow predict` first');
    }
    const outDir = path.join(ctx.files.runDir, 'predictions');
    // A detector's objects are embedded when the selection selects through them (EMBEDDINGS with this task).
    const embedObjects = selectsThroughObjects(ctx.config.selection, options.task);
    await predictFolder(ctx, { inputDir: folder, outDir, task: options.task, model: options.model, modelConfig: options.modelConfig, embedObjects });
    datasource = localDatasource(outDir);
    localRoot = outDir;
  } else if (options.datasource !== undefined && !isS3Uri(options.datasource)) {
    datasource = localDatasource(options.datasource);
    localRoot = options.datasource;
  } else if (options.datasource !== undefined || !isFolderSource(source)) {
    // An s3:// datasource is read with the source's credentials when it is in the source's bucket, else staging's.
    const location = options.datasource !== undefined ? parseS3Uri(options.datasource) : { bucket: (source as { bucket: string }).bucket, prefix: (source as { prefix?: string }).prefix ?? '' };
    const credentials = !isFolderSource(source) && source.bucket === location.bucket ? source : (ctx.config.staging ?? { bucket: location.bucket });
    const store = openObjectStore(ctx.s3Settings({ ...credentials, bucket: location.bucket }), location.bucket);
    datasource = s3Datasource(store, location.prefix);
    close = () => store.close();
  } else {
    datasource = localDatasource(source.folder);
    localRoot = source.folder;
  }
  try {
    const stored = await storePredictions(ctx, datasetId, { datasource, localRoot, tasks: options.model !== undefined ? [options.task] : undefined });
    for (const p of stored.problemList) ctx.log.warn(`prediction skipped: ${p.message}`);
    return { tasks: stored.tasks, problems: stored.problems, problemFiles: stored.problemList.map((p) => p.file) };
  } finally {
    close();
  }
}

export interface PredictFolderInput {
  /** Folder of images on this machine. */
  inputDir: string;
  /** Where `.lightly/predictions` is written. */
  outDir: string;
  task: string;
  /** `default` (or none): the default model's ImageNet classifier; else a path to an .onnx classifier or detector. */
  model?: string;
  /** The .onnx model's predictor config (a JSON path). */
  modelConfig?: string;
  /** A detector's objects are embedded too (`.lightly/object-embeddings/<task>.csv` under `outDir`). */
  embedObjects?: boolean;
}

/**
 * The model half of the predictions step: runs the classifier or detector over a folder into Lightly-format files
 * (and a detector's object embeddings, when asked). Images that cannot be read are skipped, named in the result.
 */
export async function predictFolder(io: StepIO, input: PredictFolderInput): Promise<PredictImagesResult> {
  const predicted = await predictImages({
    inputDir: input.inputDir,
    outDir: input.outDir,
    task: input.task,
    model: input.model === undefined || input.model === 'default' ? undefined : input.model,
    predictorConfig: input.modelConfig,
    onProgress: io.onProgress,
    onWarning: (message) => io.log.warn(message),
    signal: io.signal,
  });
  if (input.embedObjects && predicted.taskType === 'object-detection') {
    await embedObjects({ inputDir: input.inputDir, predictionsDir: input.outDir, task: input.task, outCsv: objectEmbeddingsPath(input.outDir, input.task), onWarning: (m) => io.log.warn(m), signal: io.signal });
  }
  return predicted;
}

export interface StorePredictionsInput {
  /** Lightly-format `.lightly/predictions` (a folder or a bucket prefix). */
  datasource: DatasourceFiles;
  /** A local datasource's folder: a detector task's `.lightly/object-embeddings/<task>.csv` there is stored too. */
  localRoot?: string;
  /** Only these tasks (default: every task in `tasks.json`). */
  tasks?: string[];
}

/** The platform half: the predictions (and scores) per sample on the dataset; bad files and unknown samples named. */
export async function storePredictions(
  io: StepIO,
  datasetId: string,
  input: StorePredictionsInput,
): Promise<Pick<PredictionsResult, 'tasks' | 'problems'> & { problemList: PredictionProblem[] }> {
  const read = await readPredictions(input.datasource, { tasks: input.tasks, signal: io.signal });
  const root = input.localRoot;
  const uploaded = await io.usePlatform(async ({ client }) => {
    const stored = await uploadPredictions(client, datasetId, read.tasks);
    for (const { task } of root === undefined ? [] : read.tasks) {
      const csv = root !== undefined && task.task_type === 'object-detection' ? objectEmbeddingsPath(root, task.name) : undefined;
      if (csv !== undefined && (await stat(csv).catch(() => undefined))?.isFile()) await client.uploadObjectEmbeddings(datasetId, task.name, csv);
    }
    return stored;
  });
  const problems = [...read.problems, ...uploaded.problems];
  return {
    tasks: uploaded.tasks.map((t) => ({ name: t.name, stored: t.stored, scores: t.scores })),
    problems: problems.length,
    problemList: problems.slice(0, MAX_PROBLEMS_REPORTED),
  };
}

/** Whether a pipeline's selection config has `{ input: { type: 'EMBEDDINGS', task } }` for this task. */
function selectsThroughObjects(selection: Record<string, unknown>, task: string): boolean {
  const strategies = Array.isArray(selection.strategies) ? (selection.strategies as Array<{ input?: { type?: unknown; task?: unknown } }>) : [];
  return strategies.some((s) => s.input?.type === 'EMBEDDINGS' && s.input.task === task);
}
