import { InvalidInputError, NotFoundError } from '../../errors';
import type { CustomMetadata, CustomMetadataUploadResult, MetadataConfiguration, MetadataConfigurationCreateRequest } from '../schemas';
import { newId } from '../store/store';
import { getDataset, touchDataset, type UserScope } from './datasets';
import { num, parseJson } from './rows';

// Sample updates per statement batch inside the one transaction; keeps memory flat for 100k-entry files.
const UPDATE_CHUNK = 1000;

/**
 * Sets `customMetaData` of every sample named in a COCO-like custom metadata file, in one transaction: the bulk
 * version of Lightly's one-PUT-per-sample upload. Entries whose image or sample is unknown are skipped and reported,
 * as the Lightly client warns and skips them. The stored object is the entry without `image_id`.
 *
 * @example
 * await uploadCustomMetadata(scope, datasetId, { images: [{ id: 0, file_name: 'a.jpg' }], metadata: [{ image_id: 0, weather: 'sunny' }] })
 * // → { updated: 1, skipped: [] }
 */
export async function uploadCustomMetadata(scope: UserScope, datasetId: string, customMetadata: CustomMetadata): Promise<CustomMetadataUploadResult> {
  await getDataset(scope, datasetId);
  if (!Array.isArray(customMetadata?.images)) throw new InvalidInputError({ file: 'body', column: 'images' }, 'images must be an array');
  if (!Array.isArray(customMetadata?.metadata)) throw new InvalidInputError({ file: 'body', column: 'metadata' }, 'metadata must be an array');
  const nameById = new Map<number, string>();
  customMetadata.images.forEach((image, i) => {
    if (typeof image?.file_name !== 'string' || typeof image.id !== 'number') {
      throw new InvalidInputError({ file: 'body', column: `images[${i}]` }, 'each image needs a numeric id and a string file_name');
    }
    nameById.set(image.id, image.file_name);
  });

  const { db } = scope.store;
  const rows = await db.selectFrom('samples').select(['id', 'file_name']).where('dataset_id', '=', datasetId).execute();
  const sampleByName = new Map(rows.map((r) => [r.file_name, r.id]));
  const skipped: CustomMetadataUploadResult['skipped'] = [];
  const updates: { id: string; value: string }[] = [];
  customMetadata.metadata.forEach((entry, i) => {
    if (typeof entry?.image_id !== 'number') {
      throw new InvalidInputError({ file: 'body', column: `metadata[${i}].image_id` }, 'image_id must be a number');
    }
    const fileName = nameById.get(entry.image_id);
    if (fileName === undefined) {
      skipped.push({ imageId: entry.image_id, fileName: null, reason: 'no image with this id in images' });
      return;
    }
    const sampleId = sampleByName.get(fileName);
    if (sampleId === undefined) {
      skipped.push({ imageId: entry.image_id, fileName, reason: 'no sample with this file name in the dataset' });
      return;
    }
    const { image_id: _imageId, ...value } = entry;
    updates.push({ id: sampleId, value: JSON.stringify(value) });
  });
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < updates.length; start += UPDATE_CHUNK) {
      for (const u of updates.slice(start, start + UPDATE_CHUNK)) {
        await trx.updateTable('samples').set({ custom_meta_data: u.value, last_modified_at: now }).where('id', '=', u.id).execute();
      }
    }
  });
  await touchDataset(scope.store, datasetId);
  return { updated: updates.length, skipped };
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
