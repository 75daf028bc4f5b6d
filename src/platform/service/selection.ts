import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { DEFAULT_STRATEGY, parseSelectionConfig, type SelectionConfig } from '../../select';
import type { JobStatusData, SamplingCreateRequest, SelectionScore, TagCreator, TagData } from '../schemas';
import type { Store } from '../store/store';
import { bitmaskFromIndices, indicesOf } from './bitmask';
import { uploadedScoreType } from './tag-scores';
import { getDataset, type UserScope } from './datasets';
import { queueJob } from './queue-job';
import { getEmbedding } from './embeddings';
import { runHealthJob } from './health';
import { runUmapJob } from './umap-job';
import { num, parseJson, toJobStatusData } from './rows';
import { loadFileNames } from './samples';
import { runSelectionOffThread, type SelectionTask } from './off-thread';
import { runPredictJob } from './predict-job';
import { objectEmbeddingFiles } from './object-embeddings';
import { loadPredictionValues, loadScoresByFileName } from './predictions';
import { createTag, getTag, INITIAL_TAG } from './tags';

// Ranking rows per INSERT: 5 columns × 1,000 = 5,000 bound parameters, under both backends' limits.
const SCORES_CHUNK = 1000;
// A running job's row is touched this often, so a job whose process died can be told from a slow one.
const HEARTBEAT_MS = 5_000;
// A RUNNING job untouched for 12 heartbeats was left by a stopped process and is run again.
export const STALE_RUNNING_MS = 60_000;

interface StoredRequest extends SamplingCreateRequest {
  /** The validated engine config, so a resumed job does not depend on re-parsing. */
  engineConfig: SelectionConfig;
}

const CREATOR_BY_METHOD: Record<string, TagCreator> = {
  RANDOM: 'SAMPLER_RANDOM',
  CORESET: 'SAMPLER_CORESET',
  CORAL: 'SAMPLER_CORAL',
  ACTIVE_LEARNING: 'SAMPLER_ACTIVE_LEARNING',
};

/**
 * Translates Lightly's SamplingCreateRequest (`method` + `config.stoppingCondition`) into the selection engine's
 * config; `selection` (Winnow's own config) wins when given. Errors name the body field.
 *
 * @example
 * toEngineConfig({ newTagName: 'x', method: 'CORESET', config: { stoppingCondition: { nSamples: 10 } } })
 * // → { n: 10, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }
 */
export function toEngineConfig(request: SamplingCreateRequest): SelectionConfig {
  if (request.selection !== undefined) return parseSelectionConfig(request.selection, 'body.selection');
  // Lightly's clients always send a method; Winnow's own (web app, CLI client) may leave it out for the default.
  const method = request.method;
  const stop = request.config?.stoppingCondition ?? {};
  const config: Record<string, unknown> = {};
  // As in Lightly's API: nSamples is a count (never a fraction: `1` selects one sample), proportionSamples the
  // fraction; the client's default count is 32, and -1 leaves the stop to minDistance.
  if (stop.nSamples !== undefined && stop.proportionSamples !== undefined) {
    throw new InvalidInputError({ file: 'body', column: 'config.stoppingCondition' }, 'give either nSamples (a count) or proportionSamples (a fraction), not both');
  }
  if (stop.nSamples === 0) throw new InvalidInputError({ file: 'body', column: 'config.stoppingCondition.nSamples' }, 'must be a count of at least 1 (or -1 with minDistance)');
  if (stop.proportionSamples !== undefined) config.proportionSamples = stop.proportionSamples;
  else if (stop.nSamples !== -1) config.n = stop.nSamples ?? 32;
  if (stop.minDistance !== undefined && stop.minDistance >= 0 && method !== 'RANDOM' && method !== 'ACTIVE_LEARNING') {
    config.minDistance = stop.minDistance;
  }
  const needScore = () => {
    if (request.scoreType === undefined) throw new InvalidInputError({ file: 'body', column: 'scoreType' }, `method ${method} needs scoreType`);
    return request.scoreType;
  };
  switch (method) {
    case undefined:
      config.strategy = DEFAULT_STRATEGY;
      break;
    case 'RANDOM':
      config.strategy = 'random';
      break;
    case 'CORESET':
      config.strategy = 'coreset';
      break;
    case 'CORAL':
      config.strategy = 'coral';
      config.key = needScore();
      break;
    case 'ACTIVE_LEARNING':
      config.strategies = [{ input: { type: 'SCORES', key: needScore() }, strategy: { type: 'WEIGHTS' } }];
      break;
    default:
      throw new InvalidInputError({ file: 'body', column: 'method' }, `unknown method ${JSON.stringify(method)}`);
  }
  return parseSelectionConfig(config, 'body');
}

/**
 * `POST …/embeddings/{embeddingId}/sampling`: validates the request now (400 on a bad config) and queues a job that
 * ranks the samples, stores the ranking and makes tag `newTagName`. → `{ jobId }`
 */
export async function startSelection(
  scope: UserScope,
  runner: JobRunner,
  datasetId: string,
  embeddingId: string,
  request: SamplingCreateRequest,
): Promise<{ jobId: string }> {
  const dataset = await getDataset(scope, datasetId);
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (!embedding.isProcessed) throw new InvalidConfigError(`embedding ${JSON.stringify(embedding.name)} has no uploaded CSV yet`);
  const { db } = scope.store;
  const taken = await db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('name', '=', request.newTagName).executeTakeFirst();
  if (taken) throw new InvalidInputError({ file: 'body', column: 'newTagName' }, `a tag named ${JSON.stringify(request.newTagName)} already exists`);
  if (request.preselectedTagId !== undefined) await getTag(scope, datasetId, request.preselectedTagId);
  if (request.queryTagId !== undefined) await getTag(scope, datasetId, request.queryTagId);
  if ((request.method === 'CORAL' || request.method === 'ACTIVE_LEARNING') && request.scoreType === undefined && request.selection === undefined) {
    // Lightly's client never sends scoreType: the score uploaded with upload_scores is the one meant.
    const scoreType = await uploadedScoreType(scope.store, datasetId, request.queryTagId);
    if (scoreType !== undefined) request = { ...request, scoreType };
  }
  const stored: StoredRequest = { ...request, engineConfig: toEngineConfig(request) };
  if (stored.engineConfig.n !== undefined && stored.engineConfig.n > dataset.nSamples) {
    const field = request.selection !== undefined ? 'selection.n' : 'config.stoppingCondition.nSamples';
    throw new InvalidInputError({ file: 'body', column: field }, `asked for ${stored.engineConfig.n} samples but the dataset has ${dataset.nSamples}`);
  }
  // Object-level DIVERSITY needs the task's object embeddings: a 400 now rather than a failed job later.
  await objectEmbeddingFiles(scope.store, datasetId, stored.engineConfig);
  return queueJob(scope, runner, { datasetId, type: 'SAMPLING', total: dataset.nSamples, embeddingId, newTagName: request.newTagName, request: stored });
}

/** `GET /v1/jobs/{jobId}` for the job's owner. */
export async function getJob(scope: UserScope, jobId: string): Promise<JobStatusData> {
  const row = await scope.store.db.selectFrom('jobs').selectAll().where('id', '=', jobId).where('user_id', '=', scope.userId).executeTakeFirst();
  if (!row) throw new NotFoundError('job', jobId);
  return toJobStatusData(row);
}

async function finishedJob(scope: UserScope, jobId: string) {
  const row = await scope.store.db.selectFrom('jobs').selectAll().where('id', '=', jobId).where('user_id', '=', scope.userId).executeTakeFirst();
  if (!row) throw new NotFoundError('job', jobId);
  if (row.status !== 'FINISHED') throw new InvalidConfigError(`job ${jobId} is ${row.status}; its scores exist once it has FINISHED`);
  return row;
}

/**
 * The job's ranking, best first.
 * → `[{ rank: 0, index: 17, fileName: 'img_17.jpg', score: 0.91, reason: { strategies: { DIVERSITY: 0.91 }, distance: 0.91, nearest: 'img_3.jpg' } }, …]`
 */
export async function getSelectionScores(scope: UserScope, jobId: string): Promise<SelectionScore[]> {
  const job = await finishedJob(scope, jobId);
  const rows = await scope.store.db
    .selectFrom('selection_scores')
    .innerJoin('samples', (join) => join.on('samples.dataset_id', '=', job.dataset_id).onRef('samples.idx', '=', 'selection_scores.sample_idx'))
    .select(['selection_scores.rank', 'selection_scores.sample_idx', 'selection_scores.score', 'selection_scores.reason', 'samples.file_name'])
    .where('selection_scores.job_id', '=', jobId)
    .orderBy('selection_scores.rank')
    .execute();
  return rows.map((r) => ({
    rank: num(r.rank),
    index: num(r.sample_idx),
    fileName: r.file_name,
    score: Number(r.score),
    reason: parseJson<Record<string, unknown>>(r.reason) ?? null,
  }));
}

/**
 * A tag of the `n` best-ranked samples of a finished job (plus its preselected samples), so a slider can resize a
 * selection without running it again. → the new TagData
 */
export async function createTagFromScores(
  scope: UserScope,
  datasetId: string,
  request: { jobId: string; name: string; n: number },
): Promise<TagData> {
  const job = await finishedJob(scope, request.jobId);
  if (job.dataset_id !== datasetId) throw new NotFoundError('job', request.jobId);
  const ranked = await scope.store.db
    .selectFrom('selection_scores')
    .select('sample_idx')
    .where('job_id', '=', request.jobId)
    .where('rank', '<', request.n)
    .orderBy('rank')
    .execute();
  const total = await scope.store.db.selectFrom('selection_scores').select((eb) => eb.fn.countAll().as('count')).where('job_id', '=', request.jobId).executeTakeFirstOrThrow();
  if (request.n > num(total.count as number | string)) {
    throw new InvalidInputError({ file: 'body', column: 'n' }, `the job ranked ${num(total.count as number | string)} samples; n must not exceed that`);
  }
  const stored = parseJson<StoredRequest>(job.request) as StoredRequest;
  const indices = ranked.map((r) => num(r.sample_idx));
  let prevTagId: string | undefined;
  if (stored.preselectedTagId !== undefined) {
    const pre = await getTag(scope, datasetId, stored.preselectedTagId);
    indices.push(...indicesOf(pre.bitMaskData));
    prevTagId = pre.id;
  }
  return createTag(scope, datasetId, {
    name: request.name,
    prevTagId,
    bitMaskData: bitmaskFromIndices(indices),
    creator: CREATOR_BY_METHOD[stored.method ?? 'CORESET'] ?? 'SAMPLER_CORESET',
    changes: { sampler: { method: 'selected' }, samples: { method: 'selected', count: request.n, added: request.n, removed: 0 } },
  });
}

/**
 * Runs selection jobs one at a time in this process (two cores are shared with everything else, so parallel jobs
 * would only slow each other). A job is claimed by a WAITING→RUNNING update, so two processes sharing one store
 * never run the same job.
 */
export class JobRunner {
  private readonly queue: string[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: Store) {}

  enqueue(jobId: string): void {
    if (this.closed) return;
    this.queue.push(jobId);
    if (this.running === undefined) this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Queues jobs left WAITING, or RUNNING but stale, by a process that stopped. */
  async resumePending(): Promise<void> {
    const staleBefore = Date.now() - STALE_RUNNING_MS;
    await this.store.db.updateTable('jobs').set({ status: 'WAITING' }).where('status', '=', 'RUNNING').where('last_modified_at', '<', staleBefore).execute();
    const rows = await this.store.db.selectFrom('jobs').select('id').where('status', '=', 'WAITING').orderBy('created_at').execute();
    for (const r of rows) this.enqueue(r.id);
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Stops taking jobs and waits for the one running. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (let jobId = this.queue.shift(); jobId !== undefined; jobId = this.queue.shift()) {
      if (this.closed) return;
      const claimed = await this.store.db
        .updateTable('jobs')
        .set({ status: 'RUNNING', last_modified_at: Date.now() })
        .where('id', '=', jobId)
        .where('status', '=', 'WAITING')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      try {
        let beats: Promise<unknown> = Promise.resolve();
        const timer = setInterval(() => {
          beats = beats.then(() =>
            this.store.db.updateTable('jobs').set({ last_modified_at: Date.now() }).where('id', '=', jobId).where('status', '=', 'RUNNING').execute(),
          );
        }, HEARTBEAT_MS);
        try {
          await this.run(jobId);
        } finally {
          clearInterval(timer);
          await beats;
        }
      } catch (error) {
        const now = Date.now();
        await this.store.db
          .updateTable('jobs')
          .set({ status: 'FAILED', error: error instanceof Error ? error.message : String(error), last_modified_at: now, finished_at: now })
          .where('id', '=', jobId)
          .execute();
      }
    }
  }

  private async run(jobId: string): Promise<void> {
    const { db } = this.store;
    const job = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    if (job.type === 'PREDICT') {
      const { predicted } = await runPredictJob(this.store, job);
      const done = Date.now();
      await db.updateTable('jobs').set({ status: 'FINISHED', processed: predicted, last_modified_at: done, finished_at: done }).where('id', '=', jobId).execute();
      return;
    }
    if (job.type === 'HEALTH' || job.type === 'EMBEDDING_2D') {
      let keptTagId: string | undefined;
      if (job.type === 'HEALTH') keptTagId = await runHealthJob(this.store, job);
      else {
        // UMAP's epochs as the job's progress, written about once a second (in order, awaited before the finish).
        let writes: Promise<unknown> = Promise.resolve();
        let last = 0;
        await runUmapJob(this.store, job, (p) => {
          const now = Date.now();
          if (now - last < 1000) return;
          last = now;
          writes = writes.then(() => db.updateTable('jobs').set({ processed: p.done, total: p.total ?? num(job.total), last_modified_at: now }).where('id', '=', jobId).execute());
        });
        await writes;
      }
      const done = Date.now();
      await db
        .updateTable('jobs')
        .set({ status: 'FINISHED', processed: num(job.total), total: num(job.total), result_tag_id: keptTagId ?? null, last_modified_at: done, finished_at: done })
        .where('id', '=', jobId)
        .execute();
      return;
    }
    const scope: UserScope = { store: this.store, userId: job.user_id };
    const request = parseJson<StoredRequest>(job.request) as StoredRequest;
    const datasetId = job.dataset_id;
    const embedding = await getEmbedding(scope, datasetId, job.embedding_id ?? '');
    if (embedding.filePath === null) throw new InvalidConfigError(`embedding ${embedding.name} has no CSV`);

    const fileNames = await loadFileNames(this.store, datasetId);
    const preselectedIdx =
      request.preselectedTagId !== undefined ? indicesOf((await getTag(scope, datasetId, request.preselectedTagId)).bitMaskData) : [];
    let pool: Set<number> | undefined;
    if (request.queryTagId !== undefined) {
      pool = new Set(indicesOf((await getTag(scope, datasetId, request.queryTagId)).bitMaskData));
      for (const i of preselectedIdx) pool.add(i);
    }
    const metadata = await loadMetadata(this.store, datasetId);
    let lastWrite = 0;
    // Progress rows are written one after the other; the chain is awaited below so a failed write fails the job
    // instead of becoming an unhandled rejection.
    let progressWrites: Promise<unknown> = Promise.resolve();
    const result = await runSelectionOffThread(
      {
        csvPath: embedding.filePath,
        pool: pool === undefined ? undefined : [...pool].map((i) => fileNames[i]),
        metadata: [...metadata],
        ...(await selectionValues(this.store, datasetId, request.engineConfig)),
        config: request.engineConfig,
        preselected: preselectedIdx.map((i) => fileNames[i]),
        source: embedding.name,
      },
      (p) => {
        const now = Date.now();
        // Progress can fire per pick; the job row needs a fresh figure about once a second for pollers.
        if (now - lastWrite < 1000) return;
        lastWrite = now;
        progressWrites = progressWrites.then(() =>
          db.updateTable('jobs').set({ processed: p.done, total: p.total ?? num(job.total), last_modified_at: now }).where('id', '=', jobId).execute(),
        );
      },
    );
    await progressWrites;

    const position = new Map(fileNames.map((name, i) => [name, i]));
    const selected = new Set<number>(preselectedIdx);
    for (const name of result.selected) selected.add(position.get(name) as number);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('selection_scores').where('job_id', '=', jobId).execute();
      for (let start = 0; start < result.ranking.length; start += SCORES_CHUNK) {
        await trx
          .insertInto('selection_scores')
          .values(
            result.ranking.slice(start, start + SCORES_CHUNK).map((entry, k) => ({
              job_id: jobId,
              rank: start + k,
              sample_idx: position.get(entry.fileName) as number,
              score: Number.isFinite(entry.score) ? entry.score : 0,
              reason: JSON.stringify(entry.reason),
            })),
          )
          .execute();
      }
    });
    const created = await createTag(scope, datasetId, {
      name: request.newTagName,
      prevTagId: request.preselectedTagId ?? (await initialTagId(this.store, datasetId)),
      queryTagId: request.queryTagId,
      preselectedTagId: request.preselectedTagId,
      bitMaskData: bitmaskFromIndices(selected),
      creator: CREATOR_BY_METHOD[request.method ?? 'CORESET'] ?? 'SAMPLER_CORESET',
      runId: jobId,
      changes: { sampler: { method: 'selected' } },
    });
    const now = Date.now();
    await db
      .updateTable('jobs')
      .set({ status: 'FINISHED', processed: num(job.total), result_tag_id: created.id, last_modified_at: now, finished_at: now })
      .where('id', '=', jobId)
      .execute();
  }
}

/** Stored scores and predictions, loaded only when the config has SCORES or PREDICTIONS inputs. */
async function selectionValues(store: Store, datasetId: string, config: SelectionConfig): Promise<Pick<SelectionTask, 'scores' | 'predictions' | 'objectEmbeddings'>> {
  const uses = (type: string) => config.strategies.some((s) => s.input.type === type);
  const scores = uses('SCORES') ? await loadScoresByFileName(store, datasetId) : undefined;
  return {
    // No stored scores: SCORES inputs read custom metadata, as before scores were stored.
    scores: scores === undefined || scores.size === 0 ? undefined : [...scores],
    predictions: uses('PREDICTIONS') ? [...(await loadPredictionValues(store, datasetId))] : undefined,
    objectEmbeddings: await objectEmbeddingFiles(store, datasetId, config),
  };
}

async function initialTagId(store: Store, datasetId: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('tags').select('id').where('dataset_id', '=', datasetId).where('name', '=', INITIAL_TAG).executeTakeFirst();
  return row?.id;
}

/**
 * Metadata of every sample that has some, by file name (the selection engine's metadata input): the custom metadata,
 * plus the platform-computed `metaData` under `lightly` (as Lightly's worker names it: `lightly.sharpness`,
 * `lightly.luminance`, and the health measures such as `lightly.contrast`).
 */
async function loadMetadata(store: Store, datasetId: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await store.db
    .selectFrom('samples')
    .select(['file_name', 'custom_meta_data', 'meta_data'])
    .where('dataset_id', '=', datasetId)
    .where((eb) => eb.or([eb('custom_meta_data', 'is not', null), eb('meta_data', 'is not', null)]))
    .execute();
  return new Map(
    rows.map((r) => {
      const custom = parseJson<Record<string, unknown>>(r.custom_meta_data) ?? {};
      const meta = parseJson<Record<string, unknown>>(r.meta_data);
      return [r.file_name, meta ? { lightly: meta, ...custom } : custom];
    }),
  );
}
