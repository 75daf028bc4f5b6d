import { InvalidInputError, NotFoundError } from '../../errors';
import type { ActiveLearningScoreData, TagActiveLearningScoresData } from '../schemas';
import { newId, type Store } from '../store/store';
import { indicesOf } from './bitmask';
import type { UserScope } from './datasets';
import { listScores, saveScores, UPLOADED_SCORES_TASK } from './predictions';
import { num } from './rows';
import { getTag } from './tags';

/**
 * Lightly's `POST …/tags/{tagId}/scores` (the client's `upload_scores`): `scores[i]` belongs to the tag's i-th sample
 * in dataset order. Stored per sample (task "", the uploaded-scores task) where a SCORES selection input with
 * `key: scoreType` finds them; uploading the same score type on the same tag again replaces it and keeps its id.
 * → `{ id }` of the score upload
 */
export async function uploadTagScores(scope: UserScope, datasetId: string, tagId: string, scoreType: string, scores: number[]): Promise<{ id: string }> {
  const tag = await getTag(scope, datasetId, tagId);
  const indices = indicesOf(tag.bitMaskData);
  if (scores.length !== indices.length) {
    throw new InvalidInputError({ file: 'body', column: 'scores' }, `has ${scores.length} values but tag ${JSON.stringify(tag.name)} holds ${indices.length} samples: one score per sample of the tag, in dataset order`);
  }
  await saveScores(scope, datasetId, UPLOADED_SCORES_TASK, scoreType, indices.map((sampleIdx, i) => ({ sampleIdx, value: scores[i] })));
  const { db } = scope.store;
  await db
    .insertInto('tag_scores')
    .values({ id: newId(), dataset_id: datasetId, tag_id: tagId, score_type: scoreType, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['tag_id', 'score_type']).doUpdateSet({ created_at: Date.now() }))
    .execute();
  const row = await db.selectFrom('tag_scores').select('id').where('tag_id', '=', tagId).where('score_type', '=', scoreType).executeTakeFirstOrThrow();
  return { id: row.id };
}

/** Lightly's `GET …/tags/{tagId}/scores`: the score uploads of the tag (names, no values). */
export async function listTagScores(scope: UserScope, datasetId: string, tagId: string): Promise<TagActiveLearningScoresData[]> {
  await getTag(scope, datasetId, tagId);
  const rows = await scope.store.db.selectFrom('tag_scores').selectAll().where('tag_id', '=', tagId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, tagId: r.tag_id, scoreType: r.score_type, createdAt: num(r.created_at) }));
}

/** Lightly's `GET …/tags/{tagId}/scores/{scoreId}`: one upload's values, one per sample of the tag in dataset order. */
export async function getTagScores(scope: UserScope, datasetId: string, tagId: string, scoreId: string): Promise<ActiveLearningScoreData> {
  const tag = await getTag(scope, datasetId, tagId);
  const row = await scope.store.db.selectFrom('tag_scores').selectAll().where('tag_id', '=', tagId).where('id', '=', scoreId).executeTakeFirst();
  if (!row) throw new NotFoundError('scores', scoreId);
  const indices = indicesOf(tag.bitMaskData);
  const stored = await listScores(scope, datasetId, { task: UPLOADED_SCORES_TASK, scoreType: row.score_type, sampleIdx: indices });
  const byIndex = new Map(stored.map((s) => [s.index, s.value]));
  // A sample whose score was replaced by a later upload on another tag shows that value: scores belong to samples.
  return { id: row.id, tagId, scoreType: row.score_type, scores: indices.map((i) => byIndex.get(i) ?? 0), createdAt: num(row.created_at) };
}

/**
 * The score type a CORAL / ACTIVE_LEARNING selection uses when its request names none (Lightly's client never sends
 * `scoreType`): the only one uploaded on the query tag, else on the dataset's tags. Undefined when there is none or
 * several (the request then has to name one).
 */
export async function uploadedScoreType(store: Store, datasetId: string, queryTagId: string | undefined): Promise<string | undefined> {
  const types = async (tagId?: string) => {
    const rows = await store.db
      .selectFrom('tag_scores')
      .select('score_type')
      .distinct()
      .where('dataset_id', '=', datasetId)
      .$if(tagId !== undefined, (q) => q.where('tag_id', '=', tagId!))
      .execute();
    return rows.map((r) => r.score_type);
  };
  const onQuery = queryTagId === undefined ? [] : await types(queryTagId);
  const candidates = onQuery.length > 0 ? onQuery : await types();
  return candidates.length === 1 ? candidates[0] : undefined;
}
