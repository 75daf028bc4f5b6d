import { NotFoundError } from '../../errors';
import { metadataByFileName, validateCustomMetadata } from '../../metadata';
import type { CustomMetadata, CustomMetadataUploadResult, MetadataConfiguration, MetadataConfigurationCreateRequest } from '../schemas';
import { newId } from '../store/store';
import { getDataset, touchDataset, type UserScope } from './datasets';
import { num, parseJson } from './rows';
import { settleSampleValues, writeSampleValues } from './sample-values';

/**
 * Sets `customMetaData` of every sample named in a COCO-like custom metadata file, in one transaction: the bulk
 * version of Lightly's one-PUT-per-sample upload. The file is checked by the metadata module (errors name the entry);
 * images that are not samples of the dataset are skipped and reported, as the Lightly client warns and skips them.
 * Each sample gets its whole entry, `image_id` included, as Lightly stores it.
 *
 * @example
 * await uploadCustomMetadata(scope, datasetId, { images: [{ id: 0, file_name: 'a.jpg' }], metadata: [{ image_id: 0, weather: 'sunny' }] })
 * // → { updated: 1, skipped: [], warnings: [] }
 */
export async function uploadCustomMetadata(scope: UserScope, datasetId: string, customMetadata: CustomMetadata): Promise<CustomMetadataUploadResult> {
  await getDataset(scope, datasetId);
  const { db } = scope.store;
  const rows = await db.selectFrom('samples').select(['id', 'file_name', 'idx']).where('dataset_id', '=', datasetId).execute();
  const sampleByName = new Map(rows.map((r) => [r.file_name, r.id]));
  const indexById = new Map(rows.map((r) => [r.id, num(r.idx)]));
  const { metadata: valid, warnings } = validateCustomMetadata(customMetadata, { file: 'body', fileNames: sampleByName.keys() });
  const skipped: CustomMetadataUploadResult['skipped'] = [];
  const updates: { id: string; value: string }[] = [];
  for (const [fileName, entry] of metadataByFileName(valid)) {
    const sampleId = sampleByName.get(fileName);
    if (sampleId === undefined) skipped.push({ imageId: entry.image_id as number | string, fileName, reason: 'no sample with this file name in the dataset' });
    else updates.push({ id: sampleId, value: JSON.stringify(entry) });
  }
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    for (const u of updates) {
      await trx.updateTable('samples').set({ custom_meta_data: u.value, last_modified_at: now }).where('id', '=', u.id).execute();
    }
    await writeSampleValues(trx, datasetId, updates.map((u) => ({ idx: indexById.get(u.id) as number, customMetaData: u.value })), { dialect: scope.store.dialect });
  });
  await settleSampleValues(scope.store, updates.length);
  await touchDataset(scope.store, datasetId);
  return { updated: updates.length, skipped, warnings };
}

/** Lightly's `POST …/configuration/metadata`: how the UI shows a metadata field (path, type, display name, fallback). */
export async function createMetadataConfiguration(
  scope: UserScope,
  datasetId: string,
  request: MetadataConfigurationCreateRequest,
): Promise<MetadataConfiguration> {
  await getDataset(scope, datasetId);
  const now = Date.now();
  const id = newId();
  await scope.store.db
    .insertInto('metadata_configurations')
    .values({ id, dataset_id: datasetId, name: request.name, configs: JSON.stringify(request.configs), created_at: now, last_modified_at: now })
    .execute();
  return { id, name: request.name, configs: request.configs, createdAt: now, lastModifiedAt: now };
}

export async function listMetadataConfigurations(scope: UserScope, datasetId: string): Promise<MetadataConfiguration[]> {
  await getDataset(scope, datasetId);
  const rows = await scope.store.db
    .selectFrom('metadata_configurations')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    configs: parseJson<MetadataConfiguration['configs']>(r.configs) ?? [],
    createdAt: num(r.created_at),
    lastModifiedAt: num(r.last_modified_at),
  }));
}

export async function getMetadataConfiguration(scope: UserScope, datasetId: string, id: string): Promise<MetadataConfiguration> {
  const found = (await listMetadataConfigurations(scope, datasetId)).find((c) => c.id === id);
  if (!found) throw new NotFoundError('metadata configuration', id);
  return found;
}
