import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { connectTemporal, uniqueQueue, type TemporalTestEnv } from '../workflows/temporal-test-env';
import { uploadFolder, writeImages } from './image-fixtures';

// The built CLI (bin/winnow.js, as users run it): `winnow worker` in its own process, `pipeline start|status|cancel`,
// `schedule create`, and a graceful stop on SIGTERM.

const BIN = path.join(__dirname, '..', '..', 'bin', 'winnow.js');
const s3 = sharedMinio();
const bucket = uniqueBucket('cli');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-cli-temporal-'));
const taskQueue = uniqueQueue('cli');
const cliEnv = {
  ...process.env,
  WINNOW_PROFILE_CLI_S3_ACCESS_KEY_ID: s3.accessKeyId,
  WINNOW_PROFILE_CLI_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  WINNOW_PROFILE_CLI_S3_ENDPOINT: s3.endpoint,
};

function winnow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function writeConfig(name: string, dataset: string): string {
  const file = path.join(tmp, name);
  writeFileSync(
    file,
    JSON.stringify({
      dataset,
      source: { bucket, profile: 'cli' },
      select: 5,
      tag: { name: 'picked-{date}' },
      platform: { home: path.join(tmp, 'home') },
      upload: 'metadata',
      embed: { batchSize: 8, shardSize: 10 },
    }),
  );
  return file;
}

let env: TemporalTestEnv;
let worker: ReturnType<typeof spawn>;
let workerExit: Promise<number | null>;
const workerStderr: string[] = [];

beforeAll(async () => {
  env = await connectTemporal();
  await writeImages(path.join(tmp, 'src'), 30, { seed: 9 });
  await createBucket(s3, bucket);
  await uploadFolder(s3, path.join(tmp, 'src'), bucket);
  worker = spawn(process.execPath, [BIN, 'worker', '--task-queue', taskQueue, '--work-dir', path.join(tmp, 'work'), '--shutdown-grace', '5s'], {
    env: cliEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workerExit = new Promise((resolve) => worker.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: worker.stderr! }).on('line', (line) => {
      workerStderr.push(line);
      if (line.includes('polling task queue')) resolve();
    });
    void workerExit.then((code) => reject(new Error(`winnow worker exited with ${code}: ${workerStderr.join('\n')}`)));
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await env?.close();
  await dropBucket(s3, bucket);
});

describe('winnow pipeline / schedule / worker', () => {
  it('starts a pipeline, rejects a duplicate start, and reports it completed', { timeout: 300_000 }, async () => {
    const config = writeConfig('pipeline.json', 'cli');
    const started = await winnow('pipeline', 'start', '--config', config, '--task-queue', taskQueue, '--json');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    expect(workflowId).toMatch(/^winnow-cli-[0-9a-f]{12}$/);

    const again = await winnow('pipeline', 'start', '--config', config, '--task-queue', taskQueue);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`pipeline ${workflowId} was already started`);

    await env.client.workflow.getHandle(workflowId).result();
    const status = await winnow('pipeline', 'status', '--config', config, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ workflowId, status: 'COMPLETED', result: { status: 'completed', images: 30, rows: 30, selected: 5 } });
    const human = await winnow('pipeline', 'status', workflowId);
    expect(human.stdout).toContain(`${workflowId}  COMPLETED`);
  });

  it('cancels a running pipeline', { timeout: 300_000 }, async () => {
    const started = await winnow('pipeline', 'start', '--config', writeConfig('cancel.json', 'cli-cancel'), '--task-queue', taskQueue, '--json');
    expect(started.stderr).toBe('');
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const cancelled = await winnow('pipeline', 'cancel', workflowId);
    expect(cancelled.stdout).toBe(`cancellation requested for ${workflowId}\n`);
    await env.client.workflow.getHandle(workflowId).result().catch(() => undefined);
    const status = JSON.parse((await winnow('pipeline', 'status', workflowId, '--json')).stdout) as { status: string };
    expect(status.status).toBe('CANCELLED');
  });

  it('creates a schedule with a cron and an overlap policy', async () => {
    const scheduleId = `${taskQueue}-nightly`;
    const created = await winnow('schedule', 'create', '--cron', '0 2 * * *', '--config', writeConfig('nightly.json', 'cli-nightly'), '--id', scheduleId, '--task-queue', taskQueue, '--overlap', 'buffer-one');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created schedule ${scheduleId}`);
    const handle = env.client.schedule.getHandle(scheduleId);
    try {
      const description = await handle.describe();
      expect(description.policies.overlap).toBe('BUFFER_ONE');
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'curationPipeline', taskQueue });
      expect(description.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
    } finally {
      await handle.delete();
    }
  });

  it('stops the worker gracefully on SIGTERM', async () => {
    worker.kill('SIGTERM');
    expect(await workerExit).toBe(0);
    expect(workerStderr.at(-1)).toBe('winnow worker: stopped');
  });
});
