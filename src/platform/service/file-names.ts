import type { Store } from '../store/store';

/** All file names of a dataset in dataset order (no ownership check: callers have done it). */
export async function loadFileNames(store: Store, datasetId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('samples').select('file_name').where('dataset_id', '=', datasetId).orderBy('idx').execute();
  return rows.map((r) => r.file_name);
}
