import type { Selectable } from 'kysely';
import type { DatasetData, EmbeddingData, Pagination, JobState, JobStatusData, SampleData, TagChangeEntry, TagCreator, TagData } from '../schemas';
import type { DatasetsTable, EmbeddingsTable, JobsTable, SamplesTable, TagsTable } from '../store/schema';

/** pg returns BIGINT and COUNT(*) as strings; SQLite as numbers. */
export function num(value: number | string | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

/** `sharedWithCaller`: the caller reads another user's dataset through a share (Lightly's accessType WRITE). */
export function toDatasetData(row: Selectable<DatasetsTable>, sharedWithCaller = false): DatasetData {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    ...(sharedWithCaller ? { accessType: 'WRITE' as const } : {}),
    type: row.type as DatasetData['type'],
    imgType: row.img_type as DatasetData['imgType'],
    nSamples: num(row.n_samples),
    sizeInBytes: 0,
    createdAt: num(row.created_at),
    lastModifiedAt: num(row.last_modified_at),
    ...(row.datasource_processed_until === null || row.datasource_processed_until === undefined
      ? {}
      : { datasourceProcessedUntilTimestamp: num(row.datasource_processed_until) }),
  };
}

export function toSampleData(row: Selectable<SamplesTable>): SampleData {
  const sample: SampleData = {
    id: row.id,
    type: row.type as SampleData['type'],
    datasetId: row.dataset_id,
    fileName: row.file_name,
    index: num(row.idx),
    createdAt: num(row.created_at),
    lastModifiedAt: num(row.last_modified_at),
  };
  if (row.thumb_name !== null) sample.thumbName = row.thumb_name;
  if (row.exif !== null) sample.exif = parseJson(row.exif);
  if (row.meta_data !== null) sample.metaData = parseJson(row.meta_data);
  if (row.custom_meta_data !== null) sample.customMetaData = parseJson(row.custom_meta_data);
  return sample;
}

export function toTagData(row: Selectable<TagsTable>): TagData {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    prevTagId: row.prev_tag_id,
    queryTagId: row.query_tag_id,
    preselectedTagId: row.preselected_tag_id,
    name: row.name,
    bitMaskData: row.bit_mask_data,
    totSize: num(row.tot_size),
    createdAt: num(row.created_at),
    lastModifiedAt: num(row.last_modified_at),
    changes: toTagChanges(row),
    runId: row.run_id,
  };
}

/**
 * The tag's change log in Lightly's TagChangeEntry shape. Its first entry names the tag's creator; tags stored
 * before entries carried `userId` (or with no entry at all) get one from the row, so every tag says who made it.
 */
function toTagChanges(row: Selectable<TagsTable>): TagChangeEntry[] {
  const stored = parseJson<Partial<TagChangeEntry>[]>(row.changes) ?? [];
  const entries = stored.length > 0 ? stored : [{ creator: row.creator as TagCreator, changes: {} }];
  return entries.map((entry) => ({
    userId: entry.userId ?? '',
    creator: entry.creator ?? (row.creator as TagCreator),
    ts: entry.ts ?? num(row.created_at),
    changes: entry.changes ?? {},
  }));
}

export function toEmbeddingData(row: Selectable<EmbeddingsTable>): EmbeddingData {
  return {
    id: row.id,
    name: row.name,
    isProcessed: num(row.is_processed) === 1,
    createdAt: num(row.created_at),
    is2d: false,
  };
}

export function toJobStatusData(row: Selectable<JobsTable>): JobStatusData {
  const status = row.status as JobState;
  const job: JobStatusData = {
    id: row.id,
    datasetId: row.dataset_id,
    status,
    meta: { total: num(row.total), processed: num(row.processed) },
    // Selection on one core takes seconds; polling each second keeps the UI live without flooding the server.
    waitTimeTillNextPoll: status === 'FINISHED' || status === 'FAILED' ? 0 : 1,
    createdAt: num(row.created_at),
    lastModifiedAt: num(row.last_modified_at),
  };
  if (row.finished_at !== null) job.finishedAt = num(row.finished_at);
  if (row.error !== null) job.error = row.error;
  if (row.result_tag_id !== null) job.result = { type: 'SAMPLING', data: row.result_tag_id };
  return job;
}

/** Applies Lightly's `pageSize`/`pageOffset` (an item offset) to any select. */
export function applyPage<Q extends { limit(n: number): Q; offset(n: number): Q }>(query: Q, page: Pagination): Q {
  if (page.pageSize !== undefined) query = query.limit(page.pageSize);
  // SQLite accepts OFFSET only after a LIMIT, so an offset without a page size gets an unbounded one.
  if (page.pageOffset !== undefined && page.pageOffset > 0) {
    if (page.pageSize === undefined) query = query.limit(Number.MAX_SAFE_INTEGER);
    query = query.offset(page.pageOffset);
  }
  return query;
}
