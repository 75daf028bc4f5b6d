import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineActivities } from '../../activities/types';
import { fakeActivities, newRecorder } from './fake-activities';
import { parsePipelineConfig, type PipelineConfig } from '../../src/pipeline/config';
import { startPipeline, failureMessage } from '../../worker/client';
import type { PipelineInput, PipelineProgress, PipelineResult } from '../../workflows/curation-pipeline';
import { connectTemporal, uniqueQueue, workflowBundle, type TemporalTestEnv } from './temporal-test-env';

// Workflow behaviour with inline activities (style rule 9): fan-out window, continue-as-new, query, stop, cancel,
// non-retryable failures. The real activities are exercised end to end in test/worker.

function config(overrides: Record<string, unknown> = {}): PipelineConfig {
  return parsePipelineConfig({
    dataset: `wf-${Math.random().toString(36).slice(2, 8)}`,
    source: { bucket: 'images' },
    select: 3,
    tag: { name: 'picked-{date}' },
    platform: { home: '/nonexistent' },
    ...overrides,
  });
}

let env: TemporalTestEnv;
beforeAll(async () => {
  env = await connectTemporal();
  await workflowBundle();
});
afterAll(async () => {
  await env?.close();
});

async function withWorker<T>(activities: PipelineActivities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueQueue('wf');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    maxConcurrentActivityTaskExecutions: 20,
  });
  return worker.runUntil(fn(taskQueue));
}

describe('curationPipeline', () => {
  it('runs the six steps in order, embedding shards through a bounded window', async () => {
    const rec = newRecorder();
    const cfg = config({ embed: { shardSize: 10, maxParallelShards: 3 }, metadata: { file: '/ws/meta.json' } });
    const result = await withWorker(fakeActivities(95, 150, rec, {}, [1, 3]), async (taskQueue) => {
      const { workflowId } = await startPipeline(env.client, cfg, { taskQueue });
      const handle = env.client.workflow.getHandle(workflowId);
      let progress: PipelineProgress | undefined;
      for (let i = 0; i < 100 && progress?.phase !== 'embed'; i++) {
        progress = await handle.query<PipelineProgress>('progress');
        if (progress.phase !== 'embed') await new Promise((r) => setTimeout(r, 50));
      }
      expect(progress).toMatchObject({ phase: 'embed', images: 95, shards: { total: 10 } });
      return (await handle.result()) as PipelineResult;
    });

    expect(rec.calls[0]).toBe('check');
    expect(rec.calls[1]).toBe('sync');
    expect(rec.calls.filter((c) => c.startsWith('embed:')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `embed:${i}`).sort());
    expect(rec.calls.slice(-4)).toEqual(['save:10', 'metadata', expect.stringMatching(/^select:picked-\d{4}-\d{2}-\d{2}$/), 'tag']);
    expect(rec.maxRunning).toBeLessThanOrEqual(3);
    expect(rec.maxRunning).toBeGreaterThan(1);
    expect(result).toMatchObject({ status: 'completed', images: 95, embedded: 93, rows: 95, selected: 3, datasetId: 'ds1', skipped: 2 });
    // The skipped images' reports are referenced, not copied into the history.
    expect([...result.skippedReports].sort()).toEqual(['/ws/reports/shard-1.skipped.json', '/ws/reports/shard-3.skipped.json']);
  });

  it('stores predictions after save and metadata, before select, when the config has predictions (SCORES inputs then read them)', async () => {
    const rec = newRecorder();
    const cfg = config({
      embed: { shardSize: 10 },
      predictions: { task: 'classifier' },
      selection: { strategies: [{ input: { type: 'SCORES', task: 'classifier', score: 'uncertainty_margin' }, strategy: { type: 'WEIGHTS' } }] },
    });
    const result = await withWorker(fakeActivities(20, 10, rec), async (taskQueue) => {
      const { workflowId } = await startPipeline(env.client, cfg, { taskQueue });
      return (await env.client.workflow.getHandle(workflowId).result()) as PipelineResult;
    });
    expect(rec.calls.slice(-4)).toEqual(['save:2', 'predictions', expect.stringMatching(/^select:/), 'tag']);
    expect(result.status).toBe('completed');
  });

  it('continues as new every `shardsPerRun` shards and still finishes every shard once', async () => {
    const rec = newRecorder();
    const cfg = config({ embed: { shardSize: 1, maxParallelShards: 2 } });
    const { workflowId, result } = await withWorker(fakeActivities(7, 10, rec), async (taskQueue) => {
      const input: PipelineInput = { config: cfg, options: { shardsPerRun: 3 } };
      const handle = await env.client.workflow.start('curationPipeline', { args: [input], taskQueue, workflowId: uniqueQueue('can') });
      return { workflowId: handle.workflowId, result: (await handle.result()) as PipelineResult };
    });
    expect(result).toMatchObject({ status: 'completed', embedded: 7 });
    expect([...rec.embedAttempts.values()]).toEqual(Array(7).fill(1));
    // 7 shards at 3 per run: the first run and two continuations, each with a short history.
    const runs: number[] = [];
    let firstRunEvents = 0;
    const description = await env.client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.historyLength ?? 0);
    firstRunEvents = Math.max(...runs);
    expect(runs.length).toBe(3);
    expect(firstRunEvents).toBeLessThan(60);
  });

  it('stops cleanly after the shards in flight when signalled', async () => {
    const rec = newRecorder();
    const cfg = config({ embed: { shardSize: 1, maxParallelShards: 2 } });
    const result = await withWorker(fakeActivities(50, 300, rec), async (taskQueue) => {
      const { workflowId } = await startPipeline(env.client, cfg, { taskQueue });
      const handle = env.client.workflow.getHandle(workflowId);
      while (!rec.calls.includes('embed:1')) await new Promise((r) => setTimeout(r, 20));
      await handle.signal('stop', 'test');
      return (await handle.result()) as PipelineResult;
    });
    expect(result.status).toBe('stopped');
    expect(result.phase).toBe('embed');
    const launched = rec.calls.filter((c) => c.startsWith('embed:')).length;
    expect(launched).toBeLessThan(10);
    expect(result.embedded).toBe(launched);
    expect(rec.calls).not.toContain('save:50');
    expect(rec.cancelled).toBe(0);
  });

  it('cancellation reaches the activities in flight and closes the workflow as cancelled', async () => {
    const rec = newRecorder();
    const cfg = config({ embed: { shardSize: 1, maxParallelShards: 2 } });
    const error = await withWorker(fakeActivities(10, 60_000, rec), async (taskQueue) => {
      const input: PipelineInput = { config: cfg, options: { heartbeatTimeout: '2s' } };
      const handle = await env.client.workflow.start('curationPipeline', { args: [input], taskQueue, workflowId: uniqueQueue('cancel') });
      while (rec.running < 2) await new Promise((r) => setTimeout(r, 20));
      await handle.cancel();
      const failure = await handle.result().catch((e: unknown) => e);
      // The workflow closes before the activities report; wait until both saw the cancel (delivered with heartbeats).
      for (let i = 0; i < 200 && rec.cancelled < 2; i++) await new Promise((r) => setTimeout(r, 50));
      return failure;
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(rec.cancelled).toBe(2);
  });

  it('fails fast on a non-retryable activity failure, with the engine message', async () => {
    const rec = newRecorder();
    let attempts = 0;
    const failing = fakeActivities(10, 10, rec, {
      async checkPipeline() {
        attempts++;
        throw ApplicationFailure.create({ type: 'INVALID_METADATA', nonRetryable: true, message: 'meta.json:3:5: "image_id" 7 has no image' });
      },
    });
    const started = Date.now();
    const error = await withWorker(failing, async (taskQueue) => {
      const { workflowId } = await startPipeline(env.client, config(), { taskQueue });
      return env.client.workflow.getHandle(workflowId).result().catch((e: unknown) => e);
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(attempts).toBe(1);
    expect(failureMessage(error)).toBe('meta.json:3:5: "image_id" 7 has no image');
    expect(rec.calls).toEqual([]);
  });

  it('rejects a second start of the same dataset + config', async () => {
    const rec = newRecorder();
    const cfg = config();
    await withWorker(fakeActivities(4, 2_000, rec), async (taskQueue) => {
      const first = await startPipeline(env.client, cfg, { taskQueue });
      await expect(startPipeline(env.client, cfg, { taskQueue })).rejects.toThrow(/already started/);
      await env.client.workflow.getHandle(first.workflowId).result();
      // Completed is final too: the same pipeline is not run again.
      await expect(startPipeline(env.client, cfg, { taskQueue })).rejects.toMatchObject({ code: 'ALREADY_STARTED' });
    });
    expect(rec.calls.filter((c) => c === 'sync')).toHaveLength(1);
  });
});
