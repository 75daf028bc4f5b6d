import { newId } from '../store/store';
import type { UserScope } from './datasets';

/** What differs between the platform's job kinds (selection, health) when one is queued. */
export interface QueuedJob {
  datasetId: string;
  type: 'SAMPLING' | 'HEALTH' | 'EMBEDDING_2D' | 'PREDICT';
  total: number;
  embeddingId: string;
  newTagName: string;
  /** Stored as JSON in the job's row; the job worker reads it back. */
  request: unknown;
}

/** Inserts a WAITING job row and hands its id to the job runner. → `{ jobId }` */
export async function queueJob(scope: UserScope, runner: { enqueue(jobId: string): void }, job: QueuedJob): Promise<{ jobId: string }> {
  const now = Date.now();
  const jobId = newId();
  await scope.store.db
    .insertInto('jobs')
    .values({
      id: jobId,
      dataset_id: job.datasetId,
      user_id: scope.userId,
      type: job.type,
      status: 'WAITING',
      total: job.total,
      processed: 0,
      embedding_id: job.embeddingId,
      new_tag_name: job.newTagName,
      request: JSON.stringify(job.request),
      error: null,
      result_tag_id: null,
      created_at: now,
      last_modified_at: now,
      finished_at: null,
    })
    .execute();
  runner.enqueue(jobId);
  return { jobId };
}
