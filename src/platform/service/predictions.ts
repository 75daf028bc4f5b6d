import { InvalidInputError, NotFoundError, WinnowError } from '../../errors';
import {
  computeScores,
  parseImagePredictions,
  parseSchema,
  predictionConfidence,
  predictionValues,
  topPrediction,
  type ImagePredictions,
  type LoadedTask,
  type PredictionProblem,
  type PredictionSchema,
  type PredictionSingleton,
  type PredictionTask,
} from '../../predictions';
import type { Pagination } from '../schemas';
import type { Store } from '../store/store';
import { getDataset, touchDataset, type UserScope } from './datasets';
import { applyPage, num, parseJson } from './rows';
import { raiseValuesVersion } from './sample-values';

// Rows per INSERT: 5 columns × 1,000 = 5,000 bound parameters, under both backends' limits.
const INSERT_CHUNK = 1000;

/** The task name of scores uploaded without a prediction task (Lightly's `…/tags/{tagId}/scores`). */
export const UPLOADED_SCORES_TASK = '';

export interface StoredPredictionTask extends PredictionTask {
  /** Samples with predictions of this task. */
  count: number;
  /** Score names stored for this task. */
  scoreTypes: string[];
}

export interface SavePredictionsResult {
  tasks: { name: string; stored: number; scores: string[] }[];
  /** Images or files that were not stored, with the reason (no sample with that file name, invalid entry, …). */
  problems: PredictionProblem[];
}

/**
 * Stores predictions (as read by `readPredictions`, or sent to the REST route) per sample, replacing each sample's
 * earlier predictions of the same task, then recomputes the task's scores over all its stored predictions (object
 * frequency is scaled over the whole task). Images that are not samples of the dataset are reported, not stored.
 *
 * @example
 * await savePredictions(scope, datasetId, [{ task: { name: 'cls', task_type: 'classification', categories }, images }])
 * // → { tasks: [{ name: 'cls', stored: 120, scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] }], problems: [] }
 */
export async function savePredictions(scope: UserScope, datasetId: string, loaded: LoadedTask[]): Promise<SavePredictionsResult> {
  await getDataset(scope, datasetId);
  const { db } = scope.store;
  const idxByName = new Map((await db.selectFrom('samples').select(['file_name', 'idx']).where('dataset_id', '=', datasetId).execute()).map((r) => [r.file_name, num(r.idx)]));
  const problems: PredictionProblem[] = [];
  const out: SavePredictionsResult['tasks'] = [];
  for (const { task, images } of loaded) {
    const rows: { idx: number; image: ImagePredictions }[] = [];
    for (const image of images) {
      const idx = idxByName.get(image.file_name);
      if (idx === undefined) problems.push({ file: `${task.name}/${image.file_name}`, message: `no sample named ${JSON.stringify(image.file_name)} in the dataset` });
      else rows.push({ idx, image });
    }
    const now = Date.now();
    await db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('prediction_tasks').select(['task_type', 'categories']).where('dataset_id', '=', datasetId).where('name', '=', task.name).executeTakeFirst();
      if (existing !== undefined && (existing.task_type !== task.task_type || existing.categories !== JSON.stringify(task.categories))) {
        // A changed schema makes the stored predictions' category ids meaningless: they go with it.
        await trx.deleteFrom('sample_predictions').where('dataset_id', '=', datasetId).where('task', '=', task.name).execute();
      }
      if (existing === undefined) {
        await trx
          .insertInto('prediction_tasks')
          .values({ dataset_id: datasetId, name: task.name, task_type: task.task_type, categories: JSON.stringify(task.categories), created_at: now, last_modified_at: now })
          .execute();
      } else {
        await trx
          .updateTable('prediction_tasks')
          .set({ task_type: task.task_type, categories: JSON.stringify(task.categories), last_modified_at: now })
          .where('dataset_id', '=', datasetId)
          .where('name', '=', task.name)
          .execute();
      }
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await trx.deleteFrom('sample_predictions').where('dataset_id', '=', datasetId).where('task', '=', task.name).where('sample_idx', 'in', chunk.map((r) => r.idx)).execute();
        await trx
          .insertInto('sample_predictions')
          .values(chunk.map((r) => ({ dataset_id: datasetId, task: task.name, sample_idx: r.idx, predictions: JSON.stringify(r.image.predictions), ...topColumns(r.image, task) })))
          .execute();
      }
      await raiseValuesVersion(trx, datasetId);
    });
    const scores = await recomputeTaskScores(scope.store, datasetId, task);
    out.push({ name: task.name, stored: rows.length, scores });
  }
  await touchDataset(scope.store, datasetId);
  return { tasks: out, problems };
}

/**
 * Validates predictions sent as JSON (the REST body): each task's schema must be valid (else an error naming the
 * field); each invalid image is reported in `problems` and the rest are stored.
 */
export async function savePredictionsFromBody(
  scope: UserScope,
  datasetId: string,
  body: { tasks: { name: string; task_type: unknown; categories: unknown; images: unknown[] }[] },
): Promise<SavePredictionsResult> {
  const problems: PredictionProblem[] = [];
  const loaded: LoadedTask[] = body.tasks.map((t, i) => {
    const where = `body.tasks[${i}]`;
    if (!/^[A-Za-z0-9_.-]+$/.test(t.name) || t.name === '.' || t.name === '..') {
      throw new InvalidInputError({ file: where, column: 'name' }, `task name ${JSON.stringify(t.name)} must be letters, digits, "_", "-" or "."`);
    }
    const schema = parseSchema({ task_type: t.task_type, categories: t.categories }, where);
    const images: ImagePredictions[] = [];
    t.images.forEach((image, k) => {
      try {
        images.push(parseImagePredictions(image, `${where}.images[${k}]`, schema));
      } catch (error) {
        if (!(error instanceof WinnowError)) throw error;
        problems.push({ file: `${where}.images[${k}]`, message: error.message });
      }
    });
    return { task: { name: t.name, ...schema }, images };
  });
  const result = await savePredictions(scope, datasetId, loaded);
  return { tasks: result.tasks, problems: [...problems, ...result.problems] };
}

/** The denormalised predicted class and its confidence that sample queries filter on (see prediction-fields.ts). */
export function topColumns(image: ImagePredictions, schema: PredictionSchema): { top_category: string | null; top_score: number | null } {
  const top = topPrediction(image, schema);
  return { top_category: top?.category ?? null, top_score: top?.confidence ?? null };
}

async function loadTask(store: Store, datasetId: string, name: string): Promise<PredictionTask> {
  const row = await store.db.selectFrom('prediction_tasks').selectAll().where('dataset_id', '=', datasetId).where('name', '=', name).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('prediction task', name);
  return { name, task_type: row.task_type as PredictionTask['task_type'], categories: parseJson<PredictionSchema['categories']>(row.categories) ?? [] };
}

async function recomputeTaskScores(store: Store, datasetId: string, task: PredictionTask): Promise<string[]> {
  const { db } = store;
  const rows = await db.selectFrom('sample_predictions').select(['sample_idx', 'predictions']).where('dataset_id', '=', datasetId).where('task', '=', task.name).orderBy('sample_idx').execute();
  const key = (idx: number) => `#${idx}`;
  const images = rows.map((r) => ({ file_name: key(num(r.sample_idx)), predictions: parseJson<PredictionSingleton[]>(r.predictions) ?? [] }));
  const scores = computeScores(task, images);
  const values: { dataset_id: string; task: string; score_type: string; sample_idx: number; value: number }[] = [];
  const names = new Set<string>();
  rows.forEach((r) => {
    for (const [scoreType, value] of Object.entries(scores.get(key(num(r.sample_idx))) ?? {})) {
      names.add(scoreType);
      values.push({ dataset_id: datasetId, task: task.name, score_type: scoreType, sample_idx: num(r.sample_idx), value: value as number });
    }
  });
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sample_scores').where('dataset_id', '=', datasetId).where('task', '=', task.name).execute();
    for (let start = 0; start < values.length; start += INSERT_CHUNK) await trx.insertInto('sample_scores').values(values.slice(start, start + INSERT_CHUNK)).execute();
    await raiseValuesVersion(trx, datasetId);
  });
  return [...names];
}

/**
 * Stores one score per sample under `task` and `scoreType`, replacing earlier values of those samples. Scores
 * uploaded on a tag use task {@link UPLOADED_SCORES_TASK}.
 *
 * @example
 * await saveScores(scope, datasetId, '', 'uncertainty_entropy', [{ sampleIdx: 0, value: 0.7 }, { sampleIdx: 3, value: 0.1 }])
 */
export async function saveScores(
  scope: UserScope,
  datasetId: string,
  task: string,
  scoreType: string,
  entries: { sampleIdx: number; value: number }[],
): Promise<void> {
  await getDataset(scope, datasetId);
  entries.forEach((e, i) => {
    if (!Number.isFinite(e.value)) throw new InvalidInputError({ file: 'body', column: `scores[${i}]` }, `score must be a finite number, got ${String(e.value)}`);
  });
  await scope.store.db.transaction().execute(async (trx) => {
    for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
      const chunk = entries.slice(start, start + INSERT_CHUNK);
      await trx
        .deleteFrom('sample_scores')
        .where('dataset_id', '=', datasetId)
        .where('task', '=', task)
        .where('score_type', '=', scoreType)
        .where('sample_idx', 'in', chunk.map((e) => e.sampleIdx))
        .execute();
      await trx
        .insertInto('sample_scores')
        .values(chunk.map((e) => ({ dataset_id: datasetId, task, score_type: scoreType, sample_idx: e.sampleIdx, value: e.value })))
        .execute();
    }
    await raiseValuesVersion(trx, datasetId);
  });
}

export interface SampleScore {
  sampleId: string;
  fileName: string;
  index: number;
  task: string;
  scoreType: string;
  value: number;
}

/**
 * Stored scores, in dataset order; filter by task, score type and sample indices.
 * → `[{ sampleId, fileName: 'a.jpg', index: 0, task: 'cls', scoreType: 'uncertainty_entropy', value: 0.47 }, …]`
 */
export async function listScores(
  scope: UserScope,
  datasetId: string,
  filter: { task?: string; scoreType?: string; sampleIdx?: number[] } & Pagination = {},
): Promise<SampleScore[]> {
  await getDataset(scope, datasetId);
  let query = scope.store.db
    .selectFrom('sample_scores')
    .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', datasetId).onRef('samples.idx', '=', 'sample_scores.sample_idx'))
    .select(['samples.id', 'samples.file_name', 'sample_scores.sample_idx', 'sample_scores.task', 'sample_scores.score_type', 'sample_scores.value'])
    .where('sample_scores.dataset_id', '=', datasetId)
    .$if(filter.task !== undefined, (q) => q.where('sample_scores.task', '=', filter.task!))
    .$if(filter.scoreType !== undefined, (q) => q.where('sample_scores.score_type', '=', filter.scoreType!))
    .$if(filter.sampleIdx !== undefined, (q) => q.where('sample_scores.sample_idx', 'in', filter.sampleIdx!.length > 0 ? filter.sampleIdx! : [-1]))
    .orderBy('sample_scores.sample_idx')
    .orderBy('sample_scores.task')
    .orderBy('sample_scores.score_type');
  query = applyPage(query, filter);
  return (await query.execute()).map((r) => ({
    sampleId: r.id,
    fileName: r.file_name,
    index: num(r.sample_idx),
    task: r.task,
    scoreType: r.score_type,
    value: Number(r.value),
  }));
}

/** The dataset's prediction tasks with how many samples each covers and which scores it has. */
export async function listPredictionTasks(scope: UserScope, datasetId: string): Promise<StoredPredictionTask[]> {
  await getDataset(scope, datasetId);
  const { db } = scope.store;
  const tasks = await db.selectFrom('prediction_tasks').selectAll().where('dataset_id', '=', datasetId).orderBy('name').execute();
  const counts = await db
    .selectFrom('sample_predictions')
    .select(['task', (eb) => eb.fn.countAll().as('count')])
    .where('dataset_id', '=', datasetId)
    .groupBy('task')
    .execute();
  const scoreTypes = await db.selectFrom('sample_scores').select(['task', 'score_type']).distinct().where('dataset_id', '=', datasetId).execute();
  return tasks.map((t) => ({
    name: t.name,
    task_type: t.task_type as PredictionTask['task_type'],
    categories: parseJson<PredictionSchema['categories']>(t.categories) ?? [],
    count: num(counts.find((c) => c.task === t.name)?.count as number | string | undefined),
    scoreTypes: scoreTypes.filter((s) => s.task === t.name).map((s) => s.score_type).sort(),
  }));
}

export interface SamplePredictions {
  sampleId: string;
  fileName: string;
  index: number;
  task: string;
  predictions: PredictionSingleton[];
}

/**
 * Predictions of one task, in dataset order; `category` keeps samples with a prediction of that category name and
 * `minScore` those with a prediction at least that confident (detection score, or the class probability).
 * → `[{ sampleId, fileName: 'a.jpg', index: 0, task: 'det', predictions: [{ category_id: 0, bbox: [4, 5, 20, 30], score: 0.9 }] }, …]`
 */
export async function listPredictions(
  scope: UserScope,
  datasetId: string,
  taskName: string,
  filter: { category?: string; minScore?: number; sampleIdx?: number[] } & Pagination = {},
): Promise<SamplePredictions[]> {
  await getDataset(scope, datasetId);
  const task = await loadTask(scope.store, datasetId, taskName);
  const categoryId = filter.category === undefined ? undefined : task.categories.find((c) => c.name === filter.category)?.id;
  if (filter.category !== undefined && categoryId === undefined) {
    throw new InvalidInputError({ file: 'query', column: 'category' }, `task ${JSON.stringify(taskName)} has no category ${JSON.stringify(filter.category)}`);
  }
  const rows = await scope.store.db
    .selectFrom('sample_predictions')
    .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', datasetId).onRef('samples.idx', '=', 'sample_predictions.sample_idx'))
    .select(['samples.id', 'samples.file_name', 'sample_predictions.sample_idx', 'sample_predictions.predictions'])
    .where('sample_predictions.dataset_id', '=', datasetId)
    .where('sample_predictions.task', '=', taskName)
    .$if(filter.sampleIdx !== undefined, (q) => q.where('sample_predictions.sample_idx', 'in', filter.sampleIdx!.length > 0 ? filter.sampleIdx! : [-1]))
    .orderBy('sample_predictions.sample_idx')
    .execute();
  const matching = rows
    .map((r) => ({ sampleId: r.id, fileName: r.file_name, index: num(r.sample_idx), task: taskName, predictions: parseJson<PredictionSingleton[]>(r.predictions) ?? [] }))
    .filter((s) =>
      filter.category === undefined && filter.minScore === undefined
        ? true
        : s.predictions.some((p) => (categoryId === undefined || p.category_id === categoryId) && (filter.minScore === undefined || predictionConfidence(p, task) >= filter.minScore)),
    );
  const offset = filter.pageOffset ?? 0;
  return matching.slice(offset, filter.pageSize === undefined ? undefined : offset + filter.pageSize);
}

/** Every task's predictions of one sample. → `[{ task: 'det', task_type: 'object-detection', categories, predictions: […] }]` */
export async function getSamplePredictions(
  scope: UserScope,
  datasetId: string,
  sampleId: string,
): Promise<(PredictionTask & { task: string; predictions: PredictionSingleton[] })[]> {
  await getDataset(scope, datasetId);
  const { db } = scope.store;
  const sample = await db.selectFrom('samples').select('idx').where('dataset_id', '=', datasetId).where('id', '=', sampleId).executeTakeFirst();
  if (sample === undefined) throw new NotFoundError('sample', sampleId);
  const rows = await db
    .selectFrom('sample_predictions')
    .innerJoin('prediction_tasks', (join) => join.on('prediction_tasks.dataset_id', '=', datasetId).onRef('prediction_tasks.name', '=', 'sample_predictions.task'))
    .select(['sample_predictions.task', 'sample_predictions.predictions', 'prediction_tasks.task_type', 'prediction_tasks.categories'])
    .where('sample_predictions.dataset_id', '=', datasetId)
    .where('sample_predictions.sample_idx', '=', num(sample.idx))
    .orderBy('sample_predictions.task')
    .execute();
  return rows.map((r) => ({
    task: r.task,
    name: r.task,
    task_type: r.task_type as PredictionTask['task_type'],
    categories: parseJson<PredictionSchema['categories']>(r.categories) ?? [],
    predictions: parseJson<PredictionSingleton[]>(r.predictions) ?? [],
  }));
}

/**
 * The selection engine's SCORES table: per file name, `{ <task>: { <score>: value } }`, plus uploaded scores (task "")
 * at the top level so an input `{ type: 'SCORES', key: 'uncertainty_entropy' }` without a task finds them.
 */
export async function loadScoresByFileName(store: Store, datasetId: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await store.db
    .selectFrom('sample_scores')
    .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', datasetId).onRef('samples.idx', '=', 'sample_scores.sample_idx'))
    .select(['samples.file_name', 'sample_scores.task', 'sample_scores.score_type', 'sample_scores.value'])
    .where('sample_scores.dataset_id', '=', datasetId)
    .execute();
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    let entry = out.get(r.file_name);
    if (entry === undefined) out.set(r.file_name, (entry = {}));
    if (r.task === UPLOADED_SCORES_TASK) entry[r.score_type] = Number(r.value);
    else ((entry[r.task] ??= {}) as Record<string, number>)[r.score_type] = Number(r.value);
  }
  return out;
}

/** The selection engine's PREDICTIONS table (see `predictionValues`), from the stored predictions. */
export async function loadPredictionValues(store: Store, datasetId: string): Promise<Map<string, Record<string, unknown>>> {
  const tasks = await store.db.selectFrom('prediction_tasks').selectAll().where('dataset_id', '=', datasetId).execute();
  const loaded: LoadedTask[] = [];
  for (const t of tasks) {
    const rows = await store.db
      .selectFrom('sample_predictions')
      .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', datasetId).onRef('samples.idx', '=', 'sample_predictions.sample_idx'))
      .select(['samples.file_name', 'sample_predictions.predictions'])
      .where('sample_predictions.dataset_id', '=', datasetId)
      .where('sample_predictions.task', '=', t.name)
      .execute();
    loaded.push({
      task: { name: t.name, task_type: t.task_type as PredictionTask['task_type'], categories: parseJson<PredictionSchema['categories']>(t.categories) ?? [] },
      images: rows.map((r) => ({ file_name: r.file_name, predictions: parseJson<PredictionSingleton[]>(r.predictions) ?? [] })),
    });
  }
  return predictionValues(loaded);
}
