import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadEmbeddingMatrix } from '../../embeddings';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { parseObjectRowName } from '../../select/object-diversity';
import type { SelectionConfig } from '../../select/selection-config';
import type { Store } from '../store/store';
import { datasetStorageDir, getDataset, type UserScope } from './datasets';
import { loadFileNames } from './file-names';

/**
 * Object-crop embeddings on the platform, one CSV per (dataset, detection task), as `winnow predictions
 * embed-objects` writes them (rows `<image file name>#<prediction index>`): uploaded with `PUT
 * /v1/datasets/{id}/predictions/tasks/{task}/objectEmbeddings`, read by selection jobs whose config has
 * `{ input: { type: 'EMBEDDINGS', task }, strategy: { type: 'DIVERSITY' } }`.
 */

export interface ObjectEmbeddingsInfo {
  task: string;
  /** Object rows. */
  objects: number;
  /** Images with at least one object. */
  images: number;
  dim: number;
}

function objectEmbeddingsFile(home: string, datasetId: string, task: string): string {
  return path.join(datasetStorageDir(home, datasetId), 'object-embeddings', `${task}.csv`);
}

/**
 * Checks that the dataset is the caller's and `task` is one of its object-detection tasks (before a byte is
 * stored), and returns where the upload is streamed before {@link saveObjectEmbeddings} checks it.
 */
export async function objectEmbeddingsUploadPath(scope: UserScope, datasetId: string, task: string): Promise<string> {
  await getDataset(scope, datasetId);
  await detectionTask(scope.store, datasetId, task);
  const file = objectEmbeddingsFile(scope.store.home, datasetId, task);
  await mkdir(path.dirname(file), { recursive: true });
  return `${file}.${process.pid}.${Date.now()}.upload`;
}

async function detectionTask(store: Store, datasetId: string, task: string): Promise<void> {
  if (!/^[A-Za-z0-9_.-]+$/.test(task) || task === '.' || task === '..') {
    throw new InvalidInputError({ file: 'path', column: 'task' }, `task name ${JSON.stringify(task)} must be letters, digits, "_", "-" or "."`);
  }
  const row = await store.db.selectFrom('prediction_tasks').select('task_type').where('dataset_id', '=', datasetId).where('name', '=', task).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('prediction task', task);
  if (row.task_type !== 'object-detection') {
    throw new InvalidInputError({ file: 'path', column: 'task' }, `task ${JSON.stringify(task)} is ${row.task_type}; object embeddings belong to an object-detection task`);
  }
}

/**
 * Checks an uploaded object-embeddings CSV (Lightly format; every row named `<sample file name>#<index>` of a sample
 * of the dataset) and makes it the task's object embeddings, replacing earlier ones. A bad file is removed and the
 * error names its line and field; the stored one stays.
 *
 * Example: → `{ task: 'det', objects: 95, images: 40, dim: 1280 }`.
 */
export async function saveObjectEmbeddings(scope: UserScope, datasetId: string, task: string, uploaded: string): Promise<ObjectEmbeddingsInfo> {
  // `uploaded` comes from objectEmbeddingsUploadPath, which checked the dataset and the task.
  try {
    const label = `${task}.csv`;
    let matrix;
    try {
      matrix = await loadEmbeddingMatrix(uploaded);
    } catch (error) {
      // The temporary file's name means nothing to the client: name the upload instead.
      if (error instanceof InvalidInputError && error.message.startsWith(error.location.file)) {
        const rest = error.message.slice(error.location.file.length);
        throw new InvalidInputError({ ...error.location, file: label }, rest.slice(rest.indexOf(': ') + 2), error.code);
      }
      throw error;
    }
    const samples = new Set(await loadFileNames(scope.store, datasetId));
    const images = new Set<string>();
    matrix.fileNames.forEach((name, i) => {
      const parsed = parseObjectRowName(name);
      if (parsed === undefined) throw new InvalidInputError({ file: label, line: i + 2, column: 'filenames' }, `${JSON.stringify(name)} is not an object row name (<sample file name>#<object index>)`);
      if (!samples.has(parsed.fileName)) throw new InvalidInputError({ file: label, line: i + 2, column: 'filenames' }, `${JSON.stringify(parsed.fileName)} is not a sample of the dataset`, 'UNKNOWN_FILE_NAMES');
      images.add(parsed.fileName);
    });
    await rename(uploaded, objectEmbeddingsFile(scope.store.home, datasetId, task));
    return { task, objects: matrix.fileNames.length, images: images.size, dim: matrix.dim };
  } finally {
    await rm(uploaded, { force: true });
  }
}

/**
 * The object-embedding files a selection config reads, by task; a task without them is a 400 naming the field.
 *
 * Example: → `{ det: '/home/storage/<dataset>/object-embeddings/det.csv' }`.
 */
export async function objectEmbeddingFiles(store: Store, datasetId: string, config: SelectionConfig): Promise<Record<string, string> | undefined> {
  const out: Record<string, string> = {};
  for (const [i, entry] of config.strategies.entries()) {
    const task = entry.input.type === 'EMBEDDINGS' ? entry.input.task : undefined;
    if (task === undefined) continue;
    if (!/^[A-Za-z0-9_.-]+$/.test(task) || task === '.' || task === '..') throw new InvalidConfigError(`strategies[${i}].input.task: ${JSON.stringify(task)} is not a task name`);
    const file = objectEmbeddingsFile(store.home, datasetId, task);
    if (!(await stat(file).catch(() => undefined))?.isFile()) {
      throw new InvalidConfigError(
        `strategies[${i}].input.task: task ${JSON.stringify(task)} has no object embeddings on this dataset; upload them with PUT /v1/datasets/${datasetId}/predictions/tasks/${task}/objectEmbeddings (winnow predictions embed-objects makes them)`,
      );
    }
    out[task] = file;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
