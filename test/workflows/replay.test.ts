import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { fakeActivities, newRecorder } from './fake-activities';
import { connectTemporal, quietRuntime, uniqueQueue, workflowBundle, type TemporalTestEnv } from './temporal-test-env';

// Determinism guard: a history recorded from a real run must replay against today's workflow code. A change that
// reorders or adds commands (a new activity before `syncImages`, a changed shard window) fails here before it can
// break the runs in flight on a deployed worker. Regenerate deliberately with WRITE_REPLAY_FIXTURE=1.
const FIXTURE = path.join(__dirname, 'fixtures', 'curation-pipeline-history.json');

function replayConfig() {
  return parsePipelineConfig({
    dataset: 'replay',
    source: { bucket: 'images', profile: 'nightly' },
    select: 3,
    tag: { name: 'picked-{date}' },
    platform: { home: '/srv/winnow' },
    embed: { shardSize: 4, maxParallelShards: 2 },
    metadata: { file: '/srv/meta.json' },
  });
}

describe('replay', () => {
  let env: TemporalTestEnv;
  beforeAll(async () => {
    env = await connectTemporal();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('replays the committed history of a real run (offline, no server needed)', async () => {
    quietRuntime();
    const history = historyFromJSON(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    expect(history.events?.length).toBeGreaterThan(20);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
  });

  it('replays a history recorded just now from the dev server', async () => {
    const taskQueue = uniqueQueue('replay');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeActivities(10, 10, newRecorder()) });
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('curationPipeline', { args: [{ config: replayConfig() }], taskQueue, workflowId: taskQueue });
      await handle.result();
      return handle.fetchHistory();
    });
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
    if (process.env.WRITE_REPLAY_FIXTURE === '1') writeFileSync(FIXTURE, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
  });

  it('detects a workflow that no longer matches its history', async () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { events: Array<{ eventType?: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }> };
    // Pretend the first activity the workflow scheduled had been a different one.
    const first = json.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    first.activityTaskScheduledEventAttributes!.activityType!.name = 'somethingElse';
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(json))).rejects.toThrow(/[Nn]ondeterminism/);
  });
});
