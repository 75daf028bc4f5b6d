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

export async function listDatasets(scope: UserScope, page: Pagination = {}): Promise<DatasetData[]> {
  const query = scope.store.db.selectFrom('datasets').selectAll().where('user_id', '=', scope.userId).orderBy('created_at').orderBy('id');
  return (await applyPage(query, page).execute()).map(toDatasetData);
}

/** The dataset if it belongs to the caller; NotFoundError otherwise (another user's dataset looks absent). */
export async function getDataset(scope: UserScope, datasetId: string): Promise<DatasetData> {
  const row = await scope.store.db
    .selectFrom('datasets')
    .selectAll()
    .where('id', '=', datasetId)
    .where('user_id', '=', scope.userId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('dataset', datasetId);
  return toDatasetData(row);
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
  await getDataset(scope, datasetId);
  await scope.store.db.deleteFrom('datasets').where('id', '=', datasetId).execute();
  await rm(datasetStorageDir(scope.store.home, datasetId), { recursive: true, force: true });
}

export async function touchDataset(store: Store, datasetId: string): Promise<void> {
  await store.db.updateTable('datasets').set({ last_modified_at: Date.now() }).where('id', '=', datasetId).execute();
}
