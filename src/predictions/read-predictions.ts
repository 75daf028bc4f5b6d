import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, NotFoundError, WinnowError } from '../errors';
import { measureProgress, type ProgressCallback } from '../progress';
import { loadSharp } from '../s3/load-sharp';
import { walkFiles } from '../s3/local-files';
import type { ObjectStore } from '../s3/object-store';
import {
  checkRelativeName,
  parseImagePredictions,
  parseSchema,
  parseTasks,
  predictionFileName,
  PREDICTIONS_DIR,
  type ImagePredictions,
  type ImageSize,
  type PredictionTask,
} from './format';

/** Where a datasource's files are read from: a local folder or an S3 prefix. Paths are `/`-separated, relative to its root. */
export interface DatasourceFiles {
  /** For messages: `/data/imgs/.lightly/predictions/cls/a.json` or `s3://bucket/prefix/…`. */
  describe(relative: string): string;
  /** The file's bytes, or undefined when it does not exist. */
  read(relative: string): Promise<Buffer | undefined>;
  /** Every file under `relativeDir`, as root-relative paths. */
  list(relativeDir: string): AsyncIterable<string>;
  /** The image's width and height, for checking boxes; undefined when unknown. */
  imageSize?(fileName: string): Promise<ImageSize | undefined>;
}

/** A local folder as a datasource (images at its root, predictions under `.lightly/predictions`). */
export function localDatasource(root: string): DatasourceFiles {
  const abs = path.resolve(root);
  return {
    describe: (relative) => path.join(abs, relative),
    async read(relative) {
      try {
        return await readFile(path.join(abs, relative));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async *list(relativeDir) {
      yield* walkFiles(abs, relativeDir);
    },
    async imageSize(fileName) {
      try {
        const meta = await loadSharp()(path.join(abs, fileName)).metadata();
        // EXIF orientations 5–8 swap the displayed width and height; boxes are drawn on the displayed image.
        const swap = (meta.orientation ?? 1) >= 5;
        if (meta.width === undefined || meta.height === undefined) return undefined;
        return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
      } catch {
        return undefined; // the image is missing or unreadable: the box check is skipped, the embed step reports the image
      }
    },
  };
}

/** An S3 prefix as a datasource (`s3://bucket/prefix/` holds the images and `.lightly/predictions`). */
export function s3Datasource(store: ObjectStore, prefix: string, imageSize?: (fileName: string) => Promise<ImageSize | undefined>): DatasourceFiles {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    describe: (relative) => store.uri(base + relative),
    read: (relative) => store.get(base + relative),
    async *list(relativeDir) {
      const dir = relativeDir.endsWith('/') ? relativeDir : `${relativeDir}/`;
      for await (const object of store.list(base + dir)) yield object.key.slice(base.length);
    },
    imageSize,
  };
}

export interface PredictionProblem {
  /** The file the problem is in. */
  file: string;
  message: string;
}

export interface LoadedTask {
  task: PredictionTask;
  /** One entry per image with a valid prediction file, in file order. */
  images: ImagePredictions[];
}

export interface ReadPredictionsResult {
  tasks: LoadedTask[];
  /** Files that were skipped, each with the reason; every other file of the run was read. */
  problems: PredictionProblem[];
}

export interface ReadPredictionsOptions {
  /** Read only these tasks (default: every task in tasks.json). */
  tasks?: string[];
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/**
 * Reads and validates a datasource's predictions. A bad `tasks.json` is an error (nothing can be read without it); a
 * bad `schema.json` skips that task; a bad prediction file skips that file. Every skip is reported in `problems` with
 * the file and the field, and loses nothing else.
 *
 * Example: `await readPredictions(localDatasource('/data/imgs'))` →
 * `{ tasks: [{ task: { name: 'cls', task_type: 'classification', categories: [{ id: 0, name: 'cat' }, …] },
 *              images: [{ file_name: 'a.jpg', predictions: [{ category_id: 0, probabilities: [0.9, 0.1] }] }, …] }],
 *    problems: [{ file: '/data/imgs/.lightly/predictions/cls/b.json', message: '… (column "predictions[0].probabilities"): probabilities sum to 0.7, not 1 (tolerance 0.001)' }] }`
 */
export async function readPredictions(source: DatasourceFiles, options: ReadPredictionsOptions = {}): Promise<ReadPredictionsResult> {
  const tasksPath = `${PREDICTIONS_DIR}/tasks.json`;
  const tasksFile = source.describe(tasksPath);
  const tasksBytes = await source.read(tasksPath);
  if (tasksBytes === undefined) throw new NotFoundError('predictions tasks file', tasksFile);
  let names = parseTasks(parseJsonFile(tasksBytes, tasksFile), tasksFile);
  if (options.tasks !== undefined) {
    const unknown = options.tasks.filter((t) => !names.includes(t));
    if (unknown.length > 0) throw new InvalidInputError({ file: tasksFile }, `task ${JSON.stringify(unknown[0])} is not listed (tasks: ${names.join(', ')})`);
    names = options.tasks;
  }
  const problems: PredictionProblem[] = [];
  const tasks: LoadedTask[] = [];
  const started = Date.now();
  let done = 0;
  for (const name of names) {
    const schemaPath = `${PREDICTIONS_DIR}/${name}/schema.json`;
    const schemaFile = source.describe(schemaPath);
    let task: PredictionTask;
    try {
      const bytes = await source.read(schemaPath);
      if (bytes === undefined) throw new InvalidInputError({ file: schemaFile }, `task ${JSON.stringify(name)} has no schema.json`);
      task = { name, ...parseSchema(parseJsonFile(bytes, schemaFile), schemaFile) };
    } catch (error) {
      if (!(error instanceof WinnowError) || error.retryable) throw error;
      problems.push({ file: schemaFile, message: error.message });
      continue;
    }
    const images: ImagePredictions[] = [];
    const seen = new Map<string, string>();
    const taskDir = `${PREDICTIONS_DIR}/${name}`;
    for await (const relative of source.list(taskDir)) {
      options.signal?.throwIfAborted();
      if (relative === schemaPath || !relative.endsWith('.json')) continue;
      const file = source.describe(relative);
      try {
        const bytes = await source.read(relative);
        if (bytes === undefined) continue; // deleted while listing
        const json = parseJsonFile(bytes, file);
        const fileName = typeof (json as { file_name?: unknown })?.file_name === 'string' ? (json as { file_name: string }).file_name : undefined;
        if (fileName !== undefined) checkFileName(fileName, relative.slice(taskDir.length + 1), file);
        const size = fileName !== undefined && task.task_type === 'object-detection' ? await source.imageSize?.(fileName) : undefined;
        const image = parseImagePredictions(json, file, task, size);
        const earlier = seen.get(image.file_name);
        if (earlier !== undefined) throw new InvalidInputError({ file, column: 'file_name' }, `${JSON.stringify(image.file_name)} already has predictions in ${earlier}`);
        seen.set(image.file_name, file);
        images.push(image);
      } catch (error) {
        if (!(error instanceof WinnowError) || error.retryable) throw error;
        problems.push({ file, message: error.message });
      }
      done++;
      if (options.onProgress !== undefined && done % 500 === 0) options.onProgress(measureProgress(done, undefined, started));
    }
    tasks.push({ task, images });
  }
  options.onProgress?.(measureProgress(done, done, started));
  return { tasks, problems };
}

function parseJsonFile(bytes: Buffer, file: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidInputError({ file }, `not valid JSON (${(error as Error).message})`);
  }
}

/** The file `<task>/subdir/a.json` must predict the image `subdir/a.<ext>`: anything else is a misplaced file. */
function checkFileName(fileName: string, inTask: string, file: string): void {
  try {
    checkRelativeName(fileName, 'file_name');
  } catch {
    throw new InvalidInputError({ file, column: 'file_name' }, `${JSON.stringify(fileName)} is not a relative image path inside the datasource`);
  }
  if (predictionFileName(fileName) !== inTask) {
    throw new InvalidInputError({ file, column: 'file_name' }, `${JSON.stringify(fileName)} belongs in ${predictionFileName(fileName)}, not ${inTask}`);
  }
}
