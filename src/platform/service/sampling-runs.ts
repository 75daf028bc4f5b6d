import type { SamplingCreateRequest } from '../schemas';
import { getDataset, type UserScope } from './datasets';
import { TagBitset } from '../../tags';
import { num, parseJson } from './rows';

/** One sampling run as the web app lists it: what was asked (strategy, parameters), when, and what came of it. */
export interface SamplingRun {
  jobId: string;
  tagName: string | null;
  status: string;
  /** The strategy as a person names it: the shorthand (`coverage-diversity`), Lightly's method, or the strategy types. */
  strategy: string;
  /** n or the fraction, the pool (query tag), preselected tag, score or metadata key, seed, … as given. */
  parameters: Record<string, unknown>;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  resultTagId: string | null;
  /** Samples the run's tag holds, once finished. */
  selected: number | null;
}

type StoredRequest = SamplingCreateRequest & { engineConfig?: { strategies?: { input: { type: string; key?: string }; strategy: { type: string } }[] } };

/** The sampling runs of a dataset, newest first (Winnow extension: `GET /v1/datasets/{id}/sampling/runs`). */
export async function listSamplingRuns(scope: UserScope, datasetId: string): Promise<SamplingRun[]> {
  await getDataset(scope, datasetId);
  const { db } = scope.store;
  const jobs = await db.selectFrom('jobs').selectAll().where('dataset_id', '=', datasetId).where('type', '=', 'SAMPLING').orderBy('created_at', 'desc').execute();
  const tagIds = jobs.flatMap((j) => (j.result_tag_id === null ? [] : [j.result_tag_id]));
  const tags = tagIds.length === 0 ? [] : await db.selectFrom('tags').select(['id', 'bit_mask_data']).where('id', 'in', tagIds).execute();
  const sizeOf = new Map(tags.map((t) => [t.id, TagBitset.fromHex(/^0[xX]/.test(t.bit_mask_data) ? t.bit_mask_data : `0x${t.bit_mask_data}`).count()]));
  return jobs.map((job) => {
    const request = parseJson<StoredRequest>(job.request) ?? ({} as StoredRequest);
    return {
      jobId: job.id,
      tagName: job.new_tag_name,
      status: job.status,
      strategy: strategyName(request),
      parameters: parametersOf(request),
      createdAt: num(job.created_at),
      finishedAt: job.finished_at === null ? null : num(job.finished_at),
      error: job.error,
      resultTagId: job.result_tag_id,
      selected: job.result_tag_id === null ? null : (sizeOf.get(job.result_tag_id) ?? null),
    };
  });
}

function strategyName(request: StoredRequest): string {
  const selection = (request.selection ?? {}) as { strategy?: string; strategies?: { strategy?: { type?: string } }[] };
  if (typeof selection.strategy === 'string') return selection.strategy;
  if (request.selection === undefined && request.method !== undefined) return request.method.toLowerCase();
  const types = (selection.strategies ?? request.engineConfig?.strategies ?? []).map((s) => s.strategy?.type ?? '?');
  return types.length > 0 ? types.join(' + ').toLowerCase() : 'default';
}

function parametersOf(request: StoredRequest): Record<string, unknown> {
  const selection = (request.selection ?? {}) as Record<string, unknown>;
  const stop = request.config?.stoppingCondition ?? {};
  const out: Record<string, unknown> = {};
  const n = selection.n ?? stop.nSamples;
  if (n !== undefined && n !== -1) out.n = n;
  const proportion = selection.proportionSamples ?? stop.proportionSamples;
  if (proportion !== undefined) out.proportion = proportion;
  const minDistance = selection.minDistance ?? stop.minDistance;
  if (minDistance !== undefined) out.minDistance = minDistance;
  for (const key of ['key', 'seed', 'projectionDim'] as const) if (selection[key] !== undefined) out[key] = selection[key];
  if (Array.isArray(selection.queryFileNames)) out.queryFiles = selection.queryFileNames.length;
  if (request.scoreType !== undefined) out.scoreType = request.scoreType;
  if (request.queryTagId !== undefined) out.queryTagId = request.queryTagId;
  if (request.preselectedTagId !== undefined) out.preselectedTagId = request.preselectedTagId;
  return out;
}
