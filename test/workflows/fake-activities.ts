import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { PipelineActivities, RunRef, ShardRef } from '../../activities/types';

/** Inline activities for workflow tests: they only record calls and wait, so the workflow's own logic is what is tested. */
export interface Recorder {
  calls: string[];
  running: number;
  maxRunning: number;
  embedAttempts: Map<number, number>;
  cancelled: number;
}

/** Activities that only count and wait: `images` files, each shard taking `shardMs`. */
/** `skippedIn`: shards that report one skipped image each. */
export function fakeActivities(images: number, shardMs: number, rec: Recorder, overrides: Partial<PipelineActivities> = {}, skippedIn: number[] = []): PipelineActivities {
  return {
    async checkPipeline() {
      rec.calls.push('check');
      return {};
    },
    async syncImages() {
      rec.calls.push('sync');
      return { images, toEmbed: images, downloaded: images, listFile: '/ws/files.txt' };
    },
    async embedImages(_ref: RunRef, shard: ShardRef) {
      rec.calls.push(`embed:${shard.index}`);
      rec.embedAttempts.set(shard.index, (rec.embedAttempts.get(shard.index) ?? 0) + 1);
      rec.running++;
      rec.maxRunning = Math.max(rec.maxRunning, rec.running);
      try {
        Context.current().heartbeat({ cursor: 0 });
        await Context.current().sleep(shardMs);
      } catch (error) {
        if (error instanceof CancelledFailure) rec.cancelled++;
        throw error;
      } finally {
        rec.running--;
      }
      // A shard in `skippedIn` met one unreadable image, as a corrupt file in the bucket would make it.
      const skipped = skippedIn.includes(shard.index) ? 1 : 0;
      return {
        index: shard.index,
        csvFile: `/ws/shard-${shard.index}.csv`,
        rows: shard.count - skipped,
        embedded: shard.count - skipped,
        resumed: 0,
        heartbeatCursor: 0,
        attempt: 1,
        skipped,
        ...(skipped ? { skippedReport: `/ws/reports/shard-${shard.index}.skipped.json` } : {}),
      };
    },
    async saveEmbeddings(_ref, shardCount) {
      rec.calls.push(`save:${shardCount}`);
      return { csvFile: '/ws/embeddings.csv', rows: images, datasetId: 'ds1', embeddingId: 'emb1', samplesCreated: images };
    },
    async uploadMetadata() {
      rec.calls.push('metadata');
      return { entries: images };
    },
    async storePredictions() {
      rec.calls.push('predictions');
      return { tasks: [], problems: 0, problemFiles: [] };
    },
    async analyseHealth() {
      rec.calls.push('health');
      return { jobId: 'job0', keptTagId: 'kept1', duplicatesRemoved: 0, outliers: 0, issues: {} };
    },
    async selectSamples(_ref, _save, tagName) {
      rec.calls.push(`select:${tagName}`);
      return { tagId: 'tag1', n: 3, jobId: 'job1', reused: false };
    },
    async createTag() {
      rec.calls.push('tag');
      return { tagId: 'tag1', name: 'picked', count: 3 };
    },
    ...overrides,
  };
}

export const newRecorder = (): Recorder => ({ calls: [], running: 0, maxRunning: 0, embedAttempts: new Map(), cancelled: 0 });

