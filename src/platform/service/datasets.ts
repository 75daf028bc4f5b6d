import { rm } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '../../errors';
import { ConflictError } from '../errors';
import type { DatasetCreateRequest, DatasetData, Pagination } from '../schemas';
import { newId, type Store } from '../store/store';
import { applyPage, toDatasetData } from './rows';

/** Who is asking: every dataset-scoped call checks the dataset belongs to `userId` (else 404, never 403). */
export interface UserScope {
  store: Store;
  userId: string;
}

/** Folder under the platform home where a dataset's uploaded files (embedding CSVs) live. */
export function datasetStorageDir(home: string, datasetId: string): string {
  return path.join(home, 'storage', datasetId);
}

/** → `{ id: '6745a1…', name: 'pets', nSamples: 0, type: 'Images', imgType: 'full', … }` */
export async function createDataset(scope: UserScope, request: DatasetCreateRequest): Promise<DatasetData> {
  const now = Date.now();
  const row = {
    id: newId(),
    user_id: scope.userId,
    name: request.name,
    type: request.type ?? 'Images',
    img_type: request.imgType ?? 'full',
    n_samples: 0,
    created_at: now,
    last_modified_at: now,
    datasource_processed_until: null,
  };
  const inserted = await scope.store.db
    .insertInto('datasets')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'name']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new ConflictError(`a dataset named ${JSON.stringify(request.name)} already exists`);
  }
  return toDatasetData(row);
}

/**
 * Lightly's `GET /v1/datasets?shared=`: the caller's own datasets, or with `shared: true` those other users shared
 * with the caller (never the caller's own, as Lightly's client expects when it merges both lists).
 */
export async function listDatasets(scope: UserScope, page: Pagination = {}, options: { shared?: boolean } = {}): Promise<DatasetData[]> {
  const { db } = scope.store;
  if (options.shared === true) {
    const query = db
      .selectFrom('datasets')
      .innerJoin('dataset_access', 'dataset_access.dataset_id', 'datasets.id')
      .selectAll('datasets')
      .where('dataset_access.user_id', '=', scope.userId)
      .where('datasets.user_id', '!=', scope.userId)
      .orderBy('datasets.created_at')
      .orderBy('datasets.id');
    return (await applyPage(query, page).execute()).map((row) => toDatasetData(row, true));
  }
  const query = db.selectFrom('datasets').selectAll().where('user_id', '=', scope.userId).orderBy('created_at').orderBy('id');
  return (await applyPage(query, page).execute()).map((row) => toDatasetData(row));
}

/**
 * The dataset if the caller owns it or it is shared with the caller; NotFoundError otherwise (a dataset the caller
 * cannot see looks absent, never 403).
 */
export async function getDataset(scope: UserScope, datasetId: string): Promise<DatasetData> {
  const row = await scope.store.db
    .selectFrom('datasets')
    .selectAll()
    .where('id', '=', datasetId)
    .where((eb) =>
      eb.or([
        eb('user_id', '=', scope.userId),
        eb.exists(eb.selectFrom('dataset_access').select('dataset_access.dataset_id').where('dataset_access.dataset_id', '=', datasetId).where('dataset_access.user_id', '=', scope.userId)),
      ]),
    )
    .executeTakeFirst();
  if (!row) throw new NotFoundError('dataset', datasetId);
  return toDatasetData(row, row.user_id !== scope.userId);
}

/** Like getDataset, for what only the owner may do (delete, share): a user it is shared with gets 404 too. */
export async function getOwnedDataset(scope: UserScope, datasetId: string): Promise<DatasetData> {
  const dataset = await getDataset(scope, datasetId);
  if (dataset.userId !== scope.userId) throw new NotFoundError('dataset owned by you', datasetId);
  return dataset;
}

export async function getDatasetByName(scope: UserScope, name: string): Promise<DatasetData> {
  const row = await scope.store.db
    .selectFrom('datasets')
    .selectAll()
    .where('name', '=', name)
    .where('user_id', '=', scope.userId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('dataset named', name);
  return toDatasetData(row);
}

/** Deletes the dataset with everything in it (samples, tags, embeddings, jobs, datasources, files). */
export async function deleteDataset(scope: UserScope, datasetId: string): Promise<void> {
  await getOwnedDataset(scope, datasetId);
  await scope.store.db.deleteFrom('datasets').where('id', '=', datasetId).execute();
  await rm(datasetStorageDir(scope.store.home, datasetId), { recursive: true, force: true });
}

export async function touchDataset(store: Store, datasetId: string): Promise<void> {
  await store.db.updateTable('datasets').set({ last_modified_at: Date.now() }).where('id', '=', datasetId).execute();
}

/** Lightly's `PUT …/datasource/processedUntilTimestamp`: until when (unix seconds) the datasource was processed. */
export async function setProcessedUntil(scope: UserScope, datasetId: string, seconds: number): Promise<void> {
  await getDataset(scope, datasetId);
  await scope.store.db.updateTable('datasets').set({ datasource_processed_until: seconds, last_modified_at: Date.now() }).where('id', '=', datasetId).execute();
}

/** What the dataset's images are on the platform: `full` images, `thumbnail`s only or `meta`data only. */
export async function setDatasetImgType(scope: UserScope, datasetId: string, imgType: DatasetData['imgType']): Promise<void> {
  await getDataset(scope, datasetId);
  await scope.store.db.updateTable('datasets').set({ img_type: imgType, last_modified_at: Date.now() }).where('id', '=', datasetId).execute();
}
