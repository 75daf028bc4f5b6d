import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../errors';
import { parseTasks, predictionFileName, type PredictionCategory, type PredictionSingleton, type TaskType } from './format';

/** Writing a task's Lightly-format prediction files; shared by the classifier and the detector passes. */

/** Throws unless `task` can be a folder name under `.lightly/predictions`. */
export function checkTaskName(task: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(task) || task === '.' || task === '..') {
    throw new InvalidConfigError(`task name ${JSON.stringify(task)} must be letters, digits, "_", "-" or "."`);
  }
}

/** Writes `<taskDir>/<image path>.json` (Lightly's `{file_name, predictions}`), creating subfolders as needed. */
export async function writeImagePredictions(taskDir: string, file: string, predictions: PredictionSingleton[]): Promise<void> {
  const target = path.join(taskDir, predictionFileName(file));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, JSON.stringify({ file_name: file, predictions }));
}

/** Writes the task's `schema.json` and adds the task to `tasks.json` (keeping the tasks listed there). */
export async function finishTask(predictionsDir: string, task: string, taskType: TaskType, categories: PredictionCategory[]): Promise<void> {
  await writeFile(path.join(predictionsDir, task, 'schema.json'), JSON.stringify({ task_type: taskType, categories }, null, 1) + '\n');
  const file = path.join(predictionsDir, 'tasks.json');
  let tasks: string[] = [];
  try {
    tasks = parseTasks(JSON.parse(await readFile(file, 'utf8')), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!tasks.includes(task)) tasks.push(task);
  // Written through a rename, so readers never see half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(tasks) + '\n');
  await rename(`${file}.tmp`, file);
}

/**
 * A config given as an object or a JSON file path, validated against `schema`. Errors name the file and the field:
 * `det.json (column "outputs.boxes"): Expected string (got 3)`.
 */
export async function readJsonConfig<T>(config: T | string, schema: TSchema, what: string): Promise<T> {
  const file = typeof config === 'string' ? config : what;
  const value = typeof config === 'string' ? await readJsonFile(config, what) : config;
  checkAgainst(value, schema, file);
  return value as T;
}

/** Reads and parses a JSON file; a missing file is a NotFoundError, bad JSON names the file. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(what, file);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError({ file }, `not valid JSON (${(error as Error).message})`);
  }
}

/** Throws the first schema error as an InvalidInputError naming `file` and the field's dotted path. */
export function checkAgainst(value: unknown, schema: TSchema, file: string): void {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return;
  const field = first.path.split('/').filter((p) => p !== '').join('.');
  const missing = first.value === undefined ? 'missing' : `got ${JSON.stringify(first.value)}`;
  throw new InvalidInputError({ file, column: field || '(root)' }, `${first.message} (${missing})`);
}
