import type { Transaction } from 'kysely';
import { InvalidInputError, NotFoundError } from '../../errors';
import { assertSafeFileName } from '../../safe-names';
import { ConflictError } from '../errors';
import type { CreatedSample, Pagination, SampleCreateRequest, SampleData, SampleUpdateRequest } from '../schemas';
import type { PlatformDatabase } from '../store/schema';
import { newId } from '../store/store';
import { getDataset, type UserScope } from './datasets';
import { applyPage, num, toSampleData } from './rows';
import { settleSampleValues, writeSampleValues } from './sample-values';
import { syncInitialTag } from './tags';

// In a module of its own because the tag service needs it too, and samples already imports tags.
export { loadFileNames } from './file-names';

// Rows per INSERT: 11 columns × 500 = 5,500 bound parameters, under SQLite's 32,766 and PostgreSQL's 65,535 limits.
const INSERT_CHUNK = 500;
// Names per `IN (…)` lookup, for the same parameter limits.
const LOOKUP_CHUNK = 2000;

const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * Creates samples in request order, appending them to dataset order. Idempotent by fileName: a name that exists
 * (already stored, or earlier in the same request) returns that sample with `created: false`.
 * Keeps the dataset's `initial-tag` holding every sample.
 *
 * @example
 * await createSamples(scope, datasetId, [{ fileName: 'a.jpg' }, { fileName: 'a.jpg' }])
 * // → [{ id: '6745…', fileName: 'a.jpg', index: 0, created: true }, { id: '6745…', fileName: 'a.jpg', index: 0, created: false }]
 */
export async function createSamples(scope: UserScope, datasetId: string, samples: SampleCreateRequest[]): Promise<CreatedSample[]> {
  await getDataset(scope, datasetId);
  samples.forEach((s, i) => {
    if (typeof s.fileName !== 'string' || s.fileName === '') {
      throw new InvalidInputError({ file: 'body', column: `samples[${i}].fileName` }, 'fileName must be a non-empty string');
    }
    // Names become paths of stored images and S3 keys of presigned URLs: none may leave the dataset's folder.
    assertSafeFileName(s.fileName, { file: 'body', column: `samples[${i}].fileName` });
    if (typeof s.thumbName === 'string') assertSafeFileName(s.thumbName, { file: 'body', column: `samples[${i}].thumbName` });
  });
  const { store } = scope;
  const created = await store.db.transaction().execute(async (trx) => {
    // Lock the dataset row so concurrent batches on PostgreSQL append one after the other (SQLite has one writer anyway).
    const dataset = await trx
      .selectFrom('datasets')
      .select(['n_samples'])
      .where('id', '=', datasetId)
      .$if(store.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
    let next = num(dataset.n_samples);
    const known = new Map<string, CreatedSample>();
    const names = [...new Set(samples.map((s) => s.fileName))];
    for (let i = 0; i < names.length; i += LOOKUP_CHUNK) {
      const rows = await trx
        .selectFrom('samples')
        .select(['id', 'file_name', 'idx'])
        .where('dataset_id', '=', datasetId)
        .where('file_name', 'in', names.slice(i, i + LOOKUP_CHUNK))
        .execute();
      for (const r of rows) known.set(r.file_name, { id: r.id, fileName: r.file_name, index: num(r.idx), created: false });
    }
    const now = Date.now();
    const result: CreatedSample[] = [];
    const pending: Parameters<typeof insertRows>[1] = [];
    for (const s of samples) {
      const existing = known.get(s.fileName);
      if (existing) {
        result.push({ ...existing, created: false });
        continue;
      }
      const created: CreatedSample = { id: newId(), fileName: s.fileName, index: next++, created: true };
      known.set(s.fileName, created);
      result.push(created);
      pending.push({
        id: created.id,
        dataset_id: datasetId,
        idx: created.index,
        file_name: s.fileName,
        thumb_name: s.thumbName ?? null,
        type: s.type ?? 'IMAGE',
        exif: json(s.exif),
        meta_data: json(s.metaData),
        custom_meta_data: json(s.customMetaData),
        created_at: now,
        last_modified_at: now,
      });
    }
    await insertRows(trx, pending);
    await writeSampleValues(trx, datasetId, pending.map((r) => ({ idx: r.idx, customMetaData: r.custom_meta_data })), { fresh: true, dialect: store.dialect });
    if (pending.length > 0) {
      await trx.updateTable('datasets').set({ n_samples: next, last_modified_at: now }).where('id', '=', datasetId).execute();
      await syncInitialTag(trx, datasetId, next, now);
    }
    return result;
  });
  await settleSampleValues(store, created.filter((s) => s.created).length);
  return created;
}

type Trx = Transaction<PlatformDatabase>;

async function insertRows(
  trx: Trx,
  rows: {
    id: string;
    dataset_id: string;
    idx: number;
    file_name: string;
    thumb_name: string | null;
    type: string;
    exif: string | null;
    meta_data: string | null;
    custom_meta_data: string | null;
    created_at: number;
    last_modified_at: number;
  }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx.insertInto('samples').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/** Samples in dataset order, optionally one page or only the one named `fileName`. */
export async function listSamples(
  scope: UserScope,
  datasetId: string,
  options: Pagination & { fileName?: string } = {},
): Promise<SampleData[]> {
  await getDataset(scope, datasetId);
  let query = scope.store.db.selectFrom('samples').selectAll().where('dataset_id', '=', datasetId).orderBy('idx');
  if (options.fileName !== undefined) query = query.where('file_name', '=', options.fileName);
  query = applyPage(query, options);
  return (await query.execute()).map(toSampleData);
}

export async function getSample(scope: UserScope, datasetId: string, sampleId: string): Promise<SampleData> {
  await getDataset(scope, datasetId);
  const row = await scope.store.db
    .selectFrom('samples')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('id', '=', sampleId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('sample', sampleId);
  return toSampleData(row);
}

/** Updates the given fields; `customMetaData: null` clears it. Renaming onto an existing fileName is a conflict. */
export async function updateSample(scope: UserScope, datasetId: string, sampleId: string, update: SampleUpdateRequest): Promise<SampleData> {
  const current = await getSample(scope, datasetId, sampleId);
  if (update.fileName !== undefined) assertSafeFileName(update.fileName, { file: 'body', column: 'fileName' });
  if (typeof update.thumbName === 'string') assertSafeFileName(update.thumbName, { file: 'body', column: 'thumbName' });
  const set: Record<string, string | number | null> = { last_modified_at: Date.now() };
  if (update.fileName !== undefined && update.fileName !== current.fileName) {
    const clash = await scope.store.db
      .selectFrom('samples')
      .select('id')
      .where('dataset_id', '=', datasetId)
      .where('file_name', '=', update.fileName)
      .executeTakeFirst();
    if (clash) throw new ConflictError(`a sample named ${JSON.stringify(update.fileName)} already exists in this dataset`);
    set.file_name = update.fileName;
  }
  if (update.thumbName !== undefined) set.thumb_name = update.thumbName;
  if (update.exif !== undefined) set.exif = json(update.exif);
  if (update.metaData !== undefined) set.meta_data = json(update.metaData);
  if (update.customMetaData !== undefined) set.custom_meta_data = json(update.customMetaData);
  await scope.store.db.transaction().execute(async (trx) => {
    await trx.updateTable('samples').set(set).where('id', '=', sampleId).execute();
    if (update.customMetaData !== undefined) await writeSampleValues(trx, datasetId, [{ idx: current.index, customMetaData: set.custom_meta_data as string | null }]);
  });
  return getSample(scope, datasetId, sampleId);
}

/**
 * `GET /v1/datasets/{id}/mappings`: one field of every sample in dataset order — the order tag bits refer to.
 * → `['a.jpg', 'b.jpg', …]` (field `fileName`) or sample ids (field `_id`)
 */
export async function getMappings(
  scope: UserScope,
  datasetId: string,
  field: 'fileName' | '_id',
  page: Pagination = {},
): Promise<string[]> {
  await getDataset(scope, datasetId);
  const column = field === 'fileName' ? 'file_name' : 'id';
  const query = applyPage(scope.store.db.selectFrom('samples').select(column).where('dataset_id', '=', datasetId).orderBy('idx'), page);
  const rows = (await query.execute()) as Record<string, string>[];
  return rows.map((r) => r[column]);
}
