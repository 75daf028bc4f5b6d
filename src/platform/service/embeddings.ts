import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { INVALID_EMBEDDINGS, loadEmbeddingMatrix, readModelRecord, writeModelRecord, type EmbeddingMatrix } from '../../embeddings';
import { InvalidInputError, NotFoundError } from '../../errors';
import type { Embedding2dData, EmbeddingData, EmbeddingUploadResult } from '../schemas';
import { newId, type Store } from '../store/store';
import { datasetStorageDir, getDataset, touchDataset, type UserScope } from './datasets';
import { num, toEmbeddingData } from './rows';
import { mirrorEmbeddingsCsv } from './datasources';
import { computePca2dOffThread } from './off-thread';
import { loadFileNames } from './samples';

// Signed CSV URLs stay valid for an hour: long enough to upload a multi-GB CSV, short enough that a leaked URL expires.
const SIGNED_URL_TTL_MS = 60 * 60 * 1000;
// 5 columns × 1,000 rows = 5,000 bound parameters per INSERT, under both backends' limits.
const POINTS_CHUNK = 1000;
// How many mismatching names an error lists before "and N more".
const MAX_NAMES_IN_ERROR = 5;

function signedMessage(verb: 'GET' | 'PUT', datasetId: string, embeddingId: string, expires: number): string {
  return `${verb} ${datasetId}/${embeddingId}/${expires}`;
}

function signedCsvUrl(store: Store, verb: 'GET' | 'PUT', datasetId: string, embeddingId: string, baseUrl: string): string {
  const expires = Date.now() + SIGNED_URL_TTL_MS;
  const signature = store.secrets.sign(signedMessage(verb, datasetId, embeddingId, expires));
  return `${baseUrl.replace(/\/+$/, '')}/v1/datasets/${datasetId}/embeddings/${embeddingId}/csv?expires=${expires}&signature=${signature}`;
}

/**
 * Lightly's `GET …/embeddings/writeCSVUrl?name=`: reserves (or reuses, for a name uploaded before) an embedding id and
 * returns a signed URL to PUT the CSV to. Re-using the id is what makes a re-upload replace instead of duplicate.
 *
 * @example
 * await createEmbeddingWriteUrl(scope, datasetId, 'default', 'http://127.0.0.1:7878')
 * // → { embeddingId: '6745…', signedWriteUrl: 'http://127.0.0.1:7878/v1/datasets/…/embeddings/6745…/csv?expires=…&signature=…' }
 */
export async function createEmbeddingWriteUrl(
  scope: UserScope,
  datasetId: string,
  name: string,
  baseUrl: string,
): Promise<{ embeddingId: string; signedWriteUrl: string }> {
  await getDataset(scope, datasetId);
  const embeddingId = await reserveEmbedding(scope.store, datasetId, name);
  return { embeddingId, signedWriteUrl: signedCsvUrl(scope.store, 'PUT', datasetId, embeddingId, baseUrl) };
}

/**
 * Lightly's `GET …/embeddings/{embeddingId}/readCSVUrl`: a signed URL to GET the uploaded CSV (the Lightly client
 * downloads an existing embedding to merge it before re-uploading). → `'http://…/csv?expires=…&signature=…'`
 */
export async function createEmbeddingReadUrl(scope: UserScope, datasetId: string, embeddingId: string, baseUrl: string): Promise<string> {
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (embedding.filePath === null) throw new NotFoundError('CSV of embedding (not uploaded yet)', embeddingId);
  return signedCsvUrl(scope.store, 'GET', datasetId, embeddingId, baseUrl);
}

/** Checks a signed CSV URL's query for `verb`; false when expired or forged. */
export function verifyEmbeddingSignature(
  store: Store,
  verb: 'GET' | 'PUT',
  datasetId: string,
  embeddingId: string,
  expires: number,
  signature: string,
): boolean {
  return Number.isFinite(expires) && expires > Date.now() && store.secrets.verify(signedMessage(verb, datasetId, embeddingId, expires), signature);
}

/** The id of the embedding named `name`, created (unprocessed) when missing. */
export async function reserveEmbedding(store: Store, datasetId: string, name: string): Promise<string> {
  if (name.trim() === '' || name.length > 255) throw new InvalidInputError({ file: 'query', column: 'name' }, 'name must be 1–255 characters');
  const now = Date.now();
  await store.db
    .insertInto('embeddings')
    .values({ id: newId(), dataset_id: datasetId, name, file_path: null, dim: null, row_count: null, is_processed: 0, created_at: now, last_modified_at: now })
    .onConflict((oc) => oc.columns(['dataset_id', 'name']).doNothing())
    .execute();
  const row = await store.db.selectFrom('embeddings').select('id').where('dataset_id', '=', datasetId).where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

/** A fresh temp path beside the final CSV, so the last step is an atomic rename on the same filesystem. */
export async function embeddingUploadPath(store: Store, datasetId: string): Promise<string> {
  const dir = path.join(datasetStorageDir(store.home, datasetId), 'embeddings');
  await mkdir(dir, { recursive: true });
  // The pid in the name lets start-up remove what a crashed process left (removeInterruptedUploads).
  return path.join(dir, `.upload-${process.pid}-${randomBytes(8).toString('hex')}.csv`);
}

/**
 * Takes an uploaded CSV at `uploadedPath` (moved, not copied): validates it with the embeddings reader, checks its
 * rows are exactly the dataset's samples (same count, same names), computes 2-D PCA coordinates per sample and
 * replaces whatever the embedding held before. On failure the upload is deleted and the previous CSV stays.
 */
export async function ingestEmbeddingsCsv(
  store: Store,
  datasetId: string,
  embeddingId: string,
  uploadedPath: string,
  options: { label?: string; signal?: AbortSignal; model?: string } = {},
): Promise<EmbeddingUploadResult> {
  const label = options.label ?? 'embeddings.csv';
  try {
    const embedding = await store.db.selectFrom('embeddings').selectAll().where('id', '=', embeddingId).where('dataset_id', '=', datasetId).executeTakeFirst();
    if (!embedding) throw new NotFoundError('embedding', embeddingId);
    const matrix = await loadMatrixNamed(uploadedPath, label, options.signal);
    const fileNames = await loadFileNames(store, datasetId);
    const order = matchSamples(matrix, fileNames, label);
    const { x, y } = await computePca2dOffThread(matrix);

    const relative = path.join('storage', datasetId, 'embeddings', `${embeddingId}.csv`);
    const now = Date.now();
    await store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('embedding_points').where('embedding_id', '=', embeddingId).execute();
      for (let start = 0; start < order.length; start += POINTS_CHUNK) {
        const rows = [];
        for (let r = start; r < Math.min(start + POINTS_CHUNK, order.length); r++) {
          rows.push({ embedding_id: embeddingId, method: 'PCA', sample_idx: order[r], x: x[r], y: y[r] });
        }
        await trx.insertInto('embedding_points').values(rows).execute();
      }
      await trx
        .updateTable('embeddings')
        .set({ file_path: relative, dim: matrix.dim, row_count: order.length, is_processed: 1, last_modified_at: now })
        .where('id', '=', embeddingId)
        .execute();
    });
    await rename(uploadedPath, path.join(store.home, relative));
    // Which model made the vectors: kept beside the stored CSV (Lightly's embedding shapes have no field for it).
    await writeModelRecord(path.join(store.home, relative), options.model === undefined ? undefined : { model: options.model, dim: matrix.dim });
    await mirrorEmbeddingsCsv(store, datasetId, path.join(store.home, relative), embedding.name, options.signal);
    await touchDataset(store, datasetId);
    const row = await store.db.selectFrom('embeddings').selectAll().where('id', '=', embeddingId).executeTakeFirstOrThrow();
    return { ...toEmbeddingData(row), dim: num(row.dim), rowCount: num(row.row_count) };
  } finally {
    await rm(uploadedPath, { force: true });
  }
}

async function loadMatrixNamed(file: string, label: string, signal?: AbortSignal): Promise<EmbeddingMatrix> {
  try {
    return await loadEmbeddingMatrix(file, { signal });
  } catch (error) {
    // The reader names the temp file; the user knows the upload by its name.
    if (error instanceof Error) error.message = error.message.split(file).join(label);
    // …in the location too: a client must never see a server path.
    if (error instanceof InvalidInputError && error.location.file === file) error.location.file = label;
    throw error;
  }
}

/** Row r of the CSV → sample index; throws when the CSV and the dataset hold different names. */
function matchSamples(matrix: EmbeddingMatrix, fileNames: string[], label: string): Int32Array {
  const position = new Map(fileNames.map((name, i) => [name, i]));
  const order = new Int32Array(matrix.fileNames.length);
  const unknown: string[] = [];
  matrix.fileNames.forEach((name, r) => {
    const i = position.get(name);
    if (i === undefined) unknown.push(name);
    else order[r] = i;
  });
  const list = (names: string[]) =>
    names.slice(0, MAX_NAMES_IN_ERROR).map((n) => JSON.stringify(n)).join(', ') +
    (names.length > MAX_NAMES_IN_ERROR ? ` and ${names.length - MAX_NAMES_IN_ERROR} more` : '');
  if (unknown.length > 0) {
    throw new InvalidInputError(
      { file: label, column: 'filenames' },
      `${unknown.length} rows name files that are not samples of the dataset: ${list(unknown)}`,
      INVALID_EMBEDDINGS,
    );
  }
  if (matrix.fileNames.length !== fileNames.length) {
    const present = new Set(matrix.fileNames);
    const missing = fileNames.filter((n) => !present.has(n));
    throw new InvalidInputError(
      { file: label, column: 'filenames' },
      `${matrix.fileNames.length} rows in the embedding file, but ${fileNames.length} samples in the dataset; missing: ${list(missing)}`,
      INVALID_EMBEDDINGS,
    );
  }
  return order;
}

/**
 * Winnow's extension `GET …/embeddings/{embeddingId}/model`: the model that made the uploaded vectors, as the uploader
 * recorded it (`x-winnow-model` on the signed PUT; Winnow's clients send their CSV's model record), or null.
 * → `{ embeddingId: '6745…', model: 'efficientnet-lite0@a491eddbb11182f3' }`
 */
export async function getEmbeddingModel(scope: UserScope, datasetId: string, embeddingId: string): Promise<{ embeddingId: string; model: string | null }> {
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  const record = embedding.filePath === null ? undefined : await readModelRecord(embedding.filePath);
  return { embeddingId, model: record?.model ?? null };
}

/** Newest first, uploaded or not. */
export async function listEmbeddings(scope: UserScope, datasetId: string): Promise<EmbeddingData[]> {
  await getDataset(scope, datasetId);
  const rows = await scope.store.db.selectFrom('embeddings').selectAll().where('dataset_id', '=', datasetId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toEmbeddingData);
}

export async function getEmbedding(scope: UserScope, datasetId: string, embeddingId: string): Promise<EmbeddingData & { filePath: string | null }> {
  await getDataset(scope, datasetId);
  const row = await scope.store.db.selectFrom('embeddings').selectAll().where('dataset_id', '=', datasetId).where('id', '=', embeddingId).executeTakeFirst();
  if (!row) throw new NotFoundError('embedding', embeddingId);
  return { ...toEmbeddingData(row), filePath: row.file_path === null ? null : path.join(scope.store.home, row.file_path) };
}

/**
 * 2-D coordinates in dataset order: PCA (computed on upload) or UMAP (once its job has run, see umap-job.ts).
 * → `{ fileNames: ['a.jpg', …], coordinatesDimension1: [0.4, …], coordinatesDimension2: [...] }`
 */
export async function getEmbedding2d(scope: UserScope, datasetId: string, embeddingId: string, method: 'PCA' | 'UMAP' = 'PCA'): Promise<Embedding2dData> {
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (!embedding.isProcessed) throw new NotFoundError('2-D coordinates of embedding (no CSV uploaded yet)', embeddingId);
  const points = await scope.store.db
    .selectFrom('embedding_points')
    .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', datasetId).onRef('samples.idx', '=', 'embedding_points.sample_idx'))
    .select(['samples.file_name', 'embedding_points.x', 'embedding_points.y', 'embedding_points.sample_idx'])
    .where('embedding_points.embedding_id', '=', embeddingId)
    .where('embedding_points.method', '=', method)
    .orderBy('embedding_points.sample_idx')
    .execute();
  if (method === 'UMAP' && points.length === 0) throw new NotFoundError('UMAP coordinates of embedding (start its UMAP job first)', embeddingId);
  return {
    id: `${embeddingId}-${method.toLowerCase()}`,
    datasetId,
    embeddingId,
    name: `${embedding.name} (${method})`,
    createdAt: embedding.createdAt,
    dimensionalityReductionMethod: method,
    fileNames: points.map((p) => p.file_name),
    coordinatesDimension1: points.map((p) => num(p.x)),
    coordinatesDimension2: points.map((p) => num(p.y)),
  };
}
