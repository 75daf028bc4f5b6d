import type { Kysely } from 'kysely';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { ConflictError } from '../errors';
import type { TagArithmeticsRequest, TagArithmeticsResponse, TagCreateRequest, TagData } from '../schemas';
import type { PlatformDatabase } from '../store/schema';
import { newId } from '../store/store';
import { bitmaskFromFileNames, fileNamesFromBitmask, indexByFileName } from '../../tags';
import { allOnesBitmask, bitmaskWidth, combineBitmasks, normaliseBitmask } from './bitmask';
import { getDataset, touchDataset, type UserScope } from './datasets';
import { toTagData } from './rows';
import { loadFileNames } from './file-names';

export const INITIAL_TAG = 'initial-tag';

/**
 * Keeps `initial-tag` holding every sample, as Lightly's initial/upsize calls do: created with the first samples,
 * widened when more arrive. Runs inside the sample-creating transaction.
 */
export async function syncInitialTag(db: Kysely<PlatformDatabase>, datasetId: string, nSamples: number, now: number): Promise<void> {
  const bitMaskData = allOnesBitmask(nSamples);
  const existing = await db.selectFrom('tags').select(['id', 'tot_size']).where('dataset_id', '=', datasetId).where('name', '=', INITIAL_TAG).executeTakeFirst();
  if (existing) {
    await db
      .updateTable('tags')
      .set({ bit_mask_data: bitMaskData, tot_size: nSamples, last_modified_at: now })
      .where('id', '=', existing.id)
      .execute();
    return;
  }
  // The dataset's owner made initial-tag: Lightly's change entries always name a user.
  const owner = await db.selectFrom('datasets').select('user_id').where('id', '=', datasetId).executeTakeFirstOrThrow();
  await db
    .insertInto('tags')
    .values({
      id: newId(),
      dataset_id: datasetId,
      name: INITIAL_TAG,
      prev_tag_id: null,
      query_tag_id: null,
      preselected_tag_id: null,
      bit_mask_data: bitMaskData,
      tot_size: nSamples,
      creator: 'USER_PIP',
      changes: JSON.stringify([{ userId: owner.user_id, creator: 'USER_PIP', ts: now, changes: { initial: {} } }]),
      run_id: null,
      created_at: now,
      last_modified_at: now,
    })
    .execute();
}

/** Oldest first, so `initial-tag` leads. */
export async function listTags(scope: UserScope, datasetId: string): Promise<TagData[]> {
  await getDataset(scope, datasetId);
  const rows = await scope.store.db.selectFrom('tags').selectAll().where('dataset_id', '=', datasetId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toTagData);
}

export async function getTag(scope: UserScope, datasetId: string, tagId: string): Promise<TagData> {
  await getDataset(scope, datasetId);
  const row = await scope.store.db.selectFrom('tags').selectAll().where('dataset_id', '=', datasetId).where('id', '=', tagId).executeTakeFirst();
  if (!row) throw new NotFoundError('tag', tagId);
  return toTagData(row);
}

export async function getTagByName(scope: UserScope, datasetId: string, name: string): Promise<TagData> {
  await getDataset(scope, datasetId);
  const row = await scope.store.db.selectFrom('tags').selectAll().where('dataset_id', '=', datasetId).where('name', '=', name).executeTakeFirst();
  if (!row) throw new NotFoundError('tag named', name);
  return toTagData(row);
}

/**
 * Creates a tag from a bitmask. `prevTagId` defaults to `initial-tag`; bits beyond the dataset's samples are rejected.
 *
 * @example
 * await createTag(scope, datasetId, { name: 'to-label', bitMaskData: '0x5' })
 * // → { id: '6745…', name: 'to-label', bitMaskData: '0x5', totSize: 4, prevTagId: '<initial-tag id>', creator: 'USER_PIP', … }
 */
export async function createTag(scope: UserScope, datasetId: string, request: TagCreateRequest): Promise<TagData> {
  const dataset = await getDataset(scope, datasetId);
  const { db } = scope.store;
  const taken = await db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('name', '=', request.name).executeTakeFirst();
  if (taken) throw new ConflictError(`a tag named ${JSON.stringify(request.name)} already exists in this dataset`);
  let prevTagId = request.prevTagId ?? null;
  if (prevTagId === null) {
    const initial = await db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('name', '=', INITIAL_TAG).executeTakeFirst();
    if (!initial) throw new InvalidConfigError('the dataset has no samples yet, so it has no initial-tag to tag from');
    prevTagId = initial.id;
  } else {
    await getTag(scope, datasetId, prevTagId);
  }
  for (const [field, id] of [['queryTagId', request.queryTagId], ['preselectedTagId', request.preselectedTagId]] as const) {
    if (id !== undefined) {
      const found = await db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('id', '=', id).executeTakeFirst();
      if (!found) throw new InvalidInputError({ file: 'body', column: field }, `tag ${JSON.stringify(id)} not found in this dataset`);
    }
  }
  const bitMaskData = normaliseBitmask(request.bitMaskData);
  if (bitmaskWidth(bitMaskData) > dataset.nSamples) {
    throw new InvalidInputError(
      { file: 'body', column: 'bitMaskData' },
      `sets bit ${bitmaskWidth(bitMaskData) - 1} but the dataset has ${dataset.nSamples} samples`,
    );
  }
  const now = Date.now();
  const creator = request.creator ?? 'USER_PIP';
  const row = {
    id: newId(),
    dataset_id: datasetId,
    name: request.name,
    prev_tag_id: prevTagId,
    query_tag_id: request.queryTagId ?? null,
    preselected_tag_id: request.preselectedTagId ?? null,
    bit_mask_data: bitMaskData,
    tot_size: request.totSize ?? dataset.nSamples,
    creator,
    changes: JSON.stringify([{ userId: scope.userId, creator, ts: now, changes: request.changes ?? {} }]),
    run_id: request.runId ?? null,
    created_at: now,
    last_modified_at: now,
  };
  const inserted = await db
    .insertInto('tags')
    .values(row)
    .onConflict((oc) => oc.columns(['dataset_id', 'name']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new ConflictError(`a tag named ${JSON.stringify(request.name)} already exists in this dataset`);
  }
  await touchDataset(scope.store, datasetId);
  return toTagData(row);
}

/**
 * Creates a tag holding the named samples (Lightly's `create_tag_from_filenames`); fails listing unknown names.
 * → the new TagData, e.g. `{ name: 'to-label', bitMaskData: '0x5', … }` for `['a.jpg', 'c.jpg']` of `[a, b, c, d]`
 */
export async function createTagFromFilenames(
  scope: UserScope,
  datasetId: string,
  request: { name: string; fileNames: string[]; prevTagId?: string; creator?: TagCreateRequest['creator'] },
): Promise<TagData> {
  await getDataset(scope, datasetId);
  const all = await loadFileNames(scope.store, datasetId);
  let bitMaskData: string;
  try {
    bitMaskData = bitmaskFromFileNames(request.fileNames, indexByFileName(all));
  } catch (error) {
    // The tags module names its input "file names"; over the API that input is the body's fileNames field.
    if (error instanceof InvalidInputError) {
      throw new InvalidInputError({ file: 'body', column: 'fileNames' }, error.message.replace(/^file names: /, ''), error.code);
    }
    throw error;
  }
  return createTag(scope, datasetId, {
    name: request.name,
    prevTagId: request.prevTagId,
    bitMaskData,
    totSize: all.length,
    creator: request.creator,
    changes: { samples: { method: 'selected', count: new Set(request.fileNames).size, added: new Set(request.fileNames).size, removed: 0 } },
  });
}

/** UNION / INTERSECTION / DIFFERENCE of two tags; with `newTagName` the result is also saved as a tag. */
export async function tagArithmetics(scope: UserScope, datasetId: string, request: TagArithmeticsRequest): Promise<TagArithmeticsResponse> {
  const [a, b] = await Promise.all([getTag(scope, datasetId, request.tagId1), getTag(scope, datasetId, request.tagId2)]);
  const bitMaskData = combineBitmasks[request.operation](a.bitMaskData, b.bitMaskData);
  if (request.newTagName === undefined) return { bitMaskData };
  const tag = await createTag(scope, datasetId, {
    name: request.newTagName,
    prevTagId: a.id,
    bitMaskData,
    runId: request.runId,
    changes: { arithmetics: { operation: request.operation, tag1: a.name, tag2: b.name } },
  });
  return { id: tag.id, bitMaskData };
}

/** File names of a tag's samples, in dataset order. → `['a.jpg', 'c.jpg']` */
export async function exportFilenames(scope: UserScope, datasetId: string, tagId: string): Promise<string[]> {
  const tag = await getTag(scope, datasetId, tagId);
  const all = await loadFileNames(scope.store, datasetId);
  return fileNamesFromBitmask(normaliseBitmask(tag.bitMaskData), all);
}

/**
 * Renames a tag and/or replaces its samples (Lightly's `update_tag_by_tag_id`); the change is appended to its
 * `changes` log. The web app adds and removes selected samples this way.
 *
 * @example
 * await updateTag(scope, datasetId, tagId, { name: 'to-label', bitMaskData: '0x7', updateCreator: 'USER_WEBAPP' })
 */
export async function updateTag(
  scope: UserScope,
  datasetId: string,
  tagId: string,
  request: { name: string; bitMaskData?: string; updateCreator?: TagCreateRequest['creator'] },
): Promise<TagData> {
  const dataset = await getDataset(scope, datasetId);
  const tag = await getTag(scope, datasetId, tagId);
  if (tag.name === INITIAL_TAG && (request.name !== INITIAL_TAG || request.bitMaskData !== undefined)) {
    throw new InvalidConfigError('initial-tag holds every sample and cannot be changed');
  }
  const { db } = scope.store;
  if (request.name !== tag.name) {
    const taken = await db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('name', '=', request.name).executeTakeFirst();
    if (taken) throw new ConflictError(`a tag named ${JSON.stringify(request.name)} already exists in this dataset`);
  }
  const bitMaskData = request.bitMaskData === undefined ? tag.bitMaskData : normaliseBitmask(request.bitMaskData);
  if (bitmaskWidth(bitMaskData) > dataset.nSamples) {
    throw new InvalidInputError({ file: 'body', column: 'bitMaskData' }, `sets bit ${bitmaskWidth(bitMaskData) - 1} but the dataset has ${dataset.nSamples} samples`);
  }
  const now = Date.now();
  const creator = request.updateCreator ?? 'USER_PIP';
  const changes = [...(tag.changes ?? []), { userId: scope.userId, creator, ts: now, changes: { update: { renamed: request.name !== tag.name, samples: request.bitMaskData !== undefined } } }];
  await db
    .updateTable('tags')
    .set({ name: request.name, bit_mask_data: bitMaskData, changes: JSON.stringify(changes), last_modified_at: now })
    .where('id', '=', tagId)
    .execute();
  await touchDataset(scope.store, datasetId);
  return getTag(scope, datasetId, tagId);
}

export async function deleteTag(scope: UserScope, datasetId: string, tagId: string): Promise<void> {
  const tag = await getTag(scope, datasetId, tagId);
  if (tag.name === INITIAL_TAG) throw new InvalidConfigError('initial-tag holds every sample and cannot be deleted');
  await scope.store.db.deleteFrom('tags').where('id', '=', tagId).execute();
}
