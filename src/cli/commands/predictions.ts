import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  computeScores,
  localDatasource,
  predictionValues,
  readPredictions,
  s3Datasource,
  scoresByFileName,
  type DatasourceFiles,
  type ReadPredictionsResult,
} from '../../predictions';
import { predictImages } from '../../predictions/predict-images';
import { embedObjects, objectEmbeddingsPath } from '../../predictions/object-embeddings';
import { loadEmbeddingMatrix } from '../../embeddings';
import { InvalidConfigError } from '../../errors';
import type { ObjectEmbeddingsByTask } from '../../select/object-diversity';
import type { SelectionConfig } from '../../select/selection-config';
import { uploadPredictions } from '../../platform/prediction-upload';
import { isS3Uri, openObjectStore, parseS3Uri, type S3Settings } from '../../s3';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { action, type CommandModule } from '../program';
import { createProgressBar } from '../progress-bar';
import { escapeForTerminal } from '../terminal-text';

export interface DatasourceFlags {
  endpoint?: string;
  region?: string;
}

/** Options for commands that read a datasource's `.lightly/predictions` (a folder, or `s3://bucket/prefix`). */
export function addDatasourceOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'S3-compatible endpoint of an s3:// datasource (e.g. MinIO); keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY')
    .option('--region <region>', 'S3 region of an s3:// datasource');
}

/**
 * Reads the predictions of a local folder or `s3://bucket/prefix` datasource; each skipped file is printed as a
 * warning on stderr (the rest of the run keeps going).
 */
export async function readDatasourcePredictions(location: string, flags: DatasourceFlags, tasks?: string[]): Promise<ReadPredictionsResult> {
  let source: DatasourceFiles;
  let close = () => {};
  if (isS3Uri(location)) {
    const { bucket, prefix } = parseS3Uri(location);
    const store = openObjectStore(s3SettingsFromEnv(flags), bucket);
    source = s3Datasource(store, prefix);
    close = () => store.close();
  } else {
    source = localDatasource(location);
  }
  try {
    const result = await readPredictions(source, { tasks });
    for (const p of result.problems) process.stderr.write(`warning: skipped ${escapeForTerminal(p.message)}\n`);
    return result;
  } finally {
    close();
  }
}

/**
 * The selection engine's SCORES and PREDICTIONS tables from a datasource's predictions, and the object embeddings
 * of every detection task that `config` selects through (`{ type: 'EMBEDDINGS', task }`), read from a local
 * datasource's `.lightly/object-embeddings/<task>.csv`.
 */
export async function selectionValuesFromDatasource(location: string, flags: DatasourceFlags, config?: SelectionConfig) {
  const { tasks } = await readDatasourcePredictions(location, flags);
  const objectTasks = [...new Set((config?.strategies ?? []).flatMap((e) => (e.input.type === 'EMBEDDINGS' && e.input.task !== undefined ? [e.input.task] : [])))];
  const objectEmbeddings: ObjectEmbeddingsByTask = {};
  for (const task of objectTasks) {
    if (isS3Uri(location)) throw new InvalidConfigError(`object embeddings of task ${JSON.stringify(task)} are read from a local datasource folder, not ${location}`);
    const source = objectEmbeddingsPath(location, task);
    if (!(await stat(source).catch(() => undefined))?.isFile()) {
      throw new InvalidConfigError(`no object embeddings for task ${JSON.stringify(task)} at ${source}; make them with: winnow predictions embed-objects ${location} --task ${task}`);
    }
    objectEmbeddings[task] = { objects: await loadEmbeddingMatrix(source), source };
  }
  return { scores: scoresByFileName(tasks), predictions: predictionValues(tasks), objectEmbeddings };
}

function s3SettingsFromEnv(flags: DatasourceFlags): S3Settings {
  const env = process.env;
  const s3: S3Settings = {};
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    s3.accessKeyId = env.AWS_ACCESS_KEY_ID;
    s3.secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (env.AWS_SESSION_TOKEN) s3.sessionToken = env.AWS_SESSION_TOKEN;
  }
  if (flags.region) s3.region = flags.region;
  if (flags.endpoint) {
    s3.endpoint = flags.endpoint;
    s3.forcePathStyle = true;
  }
  return s3;
}

/** `winnow predictions`: check a datasource's Lightly-format predictions and compute their active-learning scores. */
export const registerPredictionsCommand: CommandModule = (program) => {
  const predictions = program.command('predictions').description("Model predictions in Lightly's datasource format (.lightly/predictions).");

  addDatasourceOptions(
    predictions
      .command('check')
      .description('Validate the predictions of a datasource (folder or s3://bucket/prefix); print tasks, counts and every skipped file.')
      .argument('<datasource>', 'folder or s3:// prefix that holds .lightly/predictions')
      .option('--task <name...>', 'only these tasks')
      .option('--scores <file>', "write every image's scores as JSON: {task: {file_name: {uncertainty_entropy: …}}}")
      .option('--json', 'print the result as JSON'),
  ).action(
    action(async (location: string, flags: DatasourceFlags & { task?: string[]; scores?: string; json?: boolean }) => {
      const result = await readDatasourcePredictions(location, flags, flags.task);
      const summary = result.tasks.map(({ task, images }) => ({
        task: task.name,
        taskType: task.task_type,
        categories: task.categories.length,
        images: images.length,
        objects: images.reduce((n, i) => n + i.predictions.length, 0),
      }));
      if (flags.scores !== undefined) {
        const out: Record<string, Record<string, unknown>> = {};
        for (const { task, images } of result.tasks) out[task.name] = Object.fromEntries(computeScores(task, images));
        await writeFile(flags.scores, JSON.stringify(out, null, 1) + '\n');
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ tasks: summary, problems: result.problems }, null, 2)}\n`);
        return;
      }
      for (const t of summary) {
        process.stdout.write(`${escapeForTerminal(t.task)}: ${t.taskType}, ${t.categories} categories, ${t.images} images, ${t.objects} predictions\n`);
      }
      process.stdout.write(`${result.problems.length} file(s) skipped${flags.scores ? `; scores written to ${escapeForTerminal(flags.scores)}` : ''}\n`);
    }),
  );
  addPlatformOptions(
    addDatasourceOptions(
      predictions
        .command('upload')
        .description(
          "Store a datasource's predictions on a dataset (per sample, replacing earlier ones of the same task) and compute their scores; a folder's .lightly/object-embeddings/<task>.csv go along.",
        )
        .argument('<datasource>', 'folder or s3:// prefix that holds .lightly/predictions')
        .requiredOption('--dataset <name>', 'dataset whose samples the predictions are for (matched by file name)')
        .option('--task <name...>', 'only these tasks'),
    ),
  ).action(
    action(async (location: string, flags: DatasourceFlags & PlatformOptions & { dataset: string; task?: string[] }) => {
      const { tasks } = await readDatasourcePredictions(location, flags, flags.task);
      const connection = await connectPlatform(flags);
      try {
        const dataset = await connection.client.getDatasetByName(flags.dataset);
        const result = await uploadPredictions(connection.client, dataset.id, tasks);
        for (const t of result.tasks) process.stdout.write(`${escapeForTerminal(t.name)}: ${t.stored} samples stored; scores ${t.scores.join(', ') || '(none)'}\n`);
        for (const p of result.problems) process.stdout.write(`not stored: ${escapeForTerminal(p.file)}: ${escapeForTerminal(p.message)}\n`);
        // A local datasource's object embeddings (winnow predictions embed-objects) go along, for object-level selection.
        for (const { task } of isS3Uri(location) ? [] : tasks) {
          const csv = task.task_type === 'object-detection' ? objectEmbeddingsPath(location, task.name) : undefined;
          if (csv === undefined || !(await stat(csv).catch(() => undefined))?.isFile()) continue;
          const stored = await connection.client.uploadObjectEmbeddings(dataset.id, task.name, csv);
          process.stdout.write(`${escapeForTerminal(task.name)}: object embeddings of ${stored.objects} objects (${stored.images} images) stored\n`);
        }
      } finally {
        await connection.close();
      }
    }),
  );

  predictions
    .command('embed-objects')
    .description(
      "Embed every detected object of a task (box crops through the image model) into <dir>/.lightly/object-embeddings/<task>.csv, for selection with {input: {type: EMBEDDINGS, task}, strategy: {type: DIVERSITY}}.",
    )
    .argument('<dir>', 'datasource folder: images and .lightly/predictions/<task>')
    .requiredOption('--task <name>', 'an object-detection task of the datasource')
    .option('--model <name|file.onnx>', 'image model for the crops (default efficientnet-lite0, as winnow embed)')
    .option('--model-config <file>', 'model config JSON for an .onnx model (as winnow embed)')
    .option('--out <file>', 'embeddings CSV to write instead of the default location')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample: winnow predictions embed-objects photos --task det && winnow select --embeddings e.csv --predictions photos --config objects.json --out s.json')
    .action(
      action(async (dir: string, flags: { task: string; model?: string; modelConfig?: string; out?: string; json?: boolean }) => {
        const result = await embedObjectsReporting(dir, flags);
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      }),
    );

  addPlatformOptions(
    predictions
      .command('scores')
      .description("List a dataset's active-learning scores per sample (computed from predictions, or uploaded on a tag).")
      .requiredOption('--dataset <name>', 'dataset name')
      .option('--task <name>', 'prediction task ("" for scores uploaded on a tag)')
      .option('--score <name>', 'score name, e.g. uncertainty_entropy')
      .option('--json', 'print JSON'),
  ).action(
    action(async (flags: PlatformOptions & { dataset: string; task?: string; score?: string; json?: boolean }) => {
      const connection = await connectPlatform(flags);
      try {
        const dataset = await connection.client.getDatasetByName(flags.dataset);
        const scores = await connection.client.getScores(dataset.id, { task: flags.task, scoreType: flags.score });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(scores, null, 1)}\n`);
          return;
        }
        for (const s of scores) process.stdout.write(`${escapeForTerminal(s.fileName)}\t${escapeForTerminal(s.task)}\t${s.scoreType}\t${s.value}\n`);
      } finally {
        await connection.close();
      }
    }),
  );
};

/** Runs {@link embedObjects} with progress on a terminal; prints the summary (unless `json`), every skipped crop and prediction file. */
async function embedObjectsReporting(dir: string, flags: { task: string; model?: string; modelConfig?: string; out?: string; json?: boolean }) {
  const bar = createProgressBar('embed objects', 'images');
  const result = await embedObjects({
    inputDir: dir,
    task: flags.task,
    model: flags.model,
    modelConfig: flags.modelConfig,
    outCsv: flags.out,
    onWarning: (m) => process.stderr.write(`warning: ${escapeForTerminal(m)}\n`),
    onProgress: (p) => bar.update(p),
  }).finally(() => bar.stop());
  for (const p of result.problems) process.stderr.write(`warning: skipped ${escapeForTerminal(p.message)}\n`);
  if (!flags.json) {
    process.stdout.write(
      `${result.objects} objects of ${result.images} images embedded with ${escapeForTerminal(result.modelId)} in ${result.seconds.toFixed(1)} s; wrote ${escapeForTerminal(result.csvPath)}\n`,
    );
    for (const s of result.skipped) process.stdout.write(`skipped ${escapeForTerminal(s.file)}: ${escapeForTerminal(s.reason)}\n`);
  }
  return result;
}

/** `winnow predict DIR --task NAME`: run a classifier or detector over a folder and write Lightly-format predictions next to it. */
export const registerPredictCommand: CommandModule = (program) => {
  program
    .command('predict')
    .description("Run a classifier or an object detector over a folder of images and write Lightly-format predictions (<dir>/.lightly/predictions/<task>/…).")
    .argument('<dir>', 'folder of images (the datasource root)')
    .requiredOption('--task <name>', 'prediction task name (its folder under .lightly/predictions)')
    .option('--model <name|file.onnx>', 'a built-in model with a classifier head (default efficientnet-lite0, ImageNet-1k) or an .onnx classifier or detector')
    .option(
      '--model-config <file>',
      'predictor config JSON for an .onnx model: classifier {taskType: "classification", categories, decode: softmax|probabilities, model: {size, layout, …}} or detector {taskType: "object-detection", categories, model, outputs: {boxes, scores, classes?} | {combined}, boxFormat: xyxy|xywh|cxcywh, boxCoordinates: normalized|pixels, scoreThreshold?, iouThreshold?, maxDetections?, resize?: fill|letterbox}',
    )
    .option('--out <dir>', 'write .lightly/predictions under this folder instead of <dir>')
    .option('--embed-objects', 'detectors: also embed each detected object with the default image model (as winnow predictions embed-objects)')
    .option('--batch-size <n>', 'images per inference batch')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample: winnow predict photos --task imagenet && winnow select --embeddings e.csv --predictions photos --config uncertain.json --out s.json')
    .action(
      action(async (dir: string, flags: { task: string; model?: string; modelConfig?: string; out?: string; embedObjects?: boolean; batchSize?: string; json?: boolean }) => {
        if (flags.embedObjects && flags.out !== undefined) throw new InvalidConfigError('--embed-objects reads the images next to their predictions: leave out --out');
        const bar = createProgressBar('predict');
        const result = await predictImages({
          inputDir: dir,
          outDir: flags.out,
          task: flags.task,
          model: flags.model,
          predictorConfig: flags.modelConfig,
          batchSize: flags.batchSize === undefined ? undefined : Number(flags.batchSize),
          onWarning: (m) => process.stderr.write(`warning: ${escapeForTerminal(m)}\n`),
          onProgress: (p) => bar.update(p),
        }).finally(() => bar.stop());
        if (!flags.json) {
          const objects = result.objects === undefined ? '' : `, ${result.objects} objects`;
          process.stdout.write(
            `${result.predicted} images predicted${objects} with ${escapeForTerminal(result.modelId)} (${result.categories} categories) in ${result.seconds.toFixed(1)} s; wrote ${escapeForTerminal(path.join(result.predictionsDir, result.task))}\n`,
          );
          for (const s of result.skipped) process.stdout.write(`skipped ${escapeForTerminal(s.file)}: ${escapeForTerminal(s.reason)}\n`);
        }
        let objectEmbeddings;
        if (flags.embedObjects) {
          if (result.taskType !== 'object-detection') throw new InvalidConfigError('--embed-objects needs a detector (a --model-config with taskType "object-detection")');
          objectEmbeddings = await embedObjectsReporting(dir, { task: flags.task, json: flags.json });
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(objectEmbeddings === undefined ? result : { ...result, objectEmbeddings }, null, 2)}\n`);
      }),
    );
};
