import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/errors';
import { createS3Client, syncS3ToLocal } from '../../src/s3';
import { walkFiles } from '../../src/s3/local-files';
import { createBucket, md5, PrivateMinio, putObjects } from './minio-fixtures';

// Both ways a download runs: in this thread (the sources) and in worker threads (the compiled package, which
// test/global-setup.ts builds before the suites), since a restart tears down sockets in either.
// Each is checked against its own error classes.
const load = createRequire(import.meta.url);
const compiled = load('../../dist/src/s3/index.js') as typeof import('../../src/s3/index');
const compiledErrors = load('../../dist/src/errors.js') as typeof import('../../src/errors');
const ENGINES = [
  { engine: 'in this thread', sync: syncS3ToLocal, threads: 0, Transient: TransientError },
  { engine: 'in transfer threads', sync: compiled.syncS3ToLocal, threads: 2, Transient: compiledErrors.TransientError },
];

// A MinIO of this file's own is killed and restarted; the shared one other suites use is never touched.
const COUNT = 1000;
const bucket = 'restart';
const keys = Array.from({ length: COUNT }, (_, i) => `img/${String(i).padStart(5, '0')}.jpg`);
// 8–24 KB: big enough that a kill lands inside some response bodies.
const sizeOf = (key: string) => 8_192 + (Number(key.slice(4, 9)) * 7919) % 16_384;

let minio: PrivateMinio;
let expected: Map<string, string>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-restart-'));

async function checkMirror(dir: string, keysWanted: string[]): Promise<void> {
  const local = new Map<string, string>();
  for await (const rel of walkFiles(dir)) local.set(rel, md5(readFileSync(path.join(dir, rel))));
  expect(local.size).toBe(keysWanted.length);
  for (const key of keysWanted) expect(local.get(key.slice('img/'.length)), key).toBe(expected.get(key));
}

beforeAll(async () => {
  minio = await PrivateMinio.start();
  await createBucket(minio.settings, bucket);
  const client = createS3Client(minio.settings);
  try {
    expected = await putObjects(client, bucket, keys, sizeOf);
  } finally {
    client.destroy();
  }
});

afterAll(async () => {
  await minio?.kill();
  rmSync(tmp, { recursive: true, force: true });
  if (minio) rmSync(minio.dataDir, { recursive: true, force: true });
});

describe.each(ENGINES)('syncS3ToLocal ($engine) when the store stops mid-sync', ({ engine, sync, threads, Transient }) => {
  it('rides out a crash and restart of MinIO and finishes with every object correct by checksum', async () => {
    const dir = path.join(tmp, engine, 'ride-out');
    let restarted: Promise<void> | undefined;
    const result = await sync({
      source: `s3://${bucket}/img`,
      targetDir: dir,
      s3: minio.settings,
      concurrency: 8,
      threads,
      onProgress: (p) => {
        if (restarted === undefined && p.done >= COUNT / 4) {
          restarted = (async () => {
            await minio.kill();
            await new Promise((r) => setTimeout(r, 1_500));
            await minio.start();
          })();
        }
      },
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(result.failed).toEqual([]);
    expect(result.downloaded).toBe(COUNT);
    expect(result.marker).toBe(keys.at(-1));
    await checkMirror(dir, keys);
  });

  it('throws TransientError with a resumable marker when the store stays down, then resumes to a complete mirror', async () => {
    const dir = path.join(tmp, engine, 'resume');
    const secret = minio.password;
    let killed: Promise<void> | undefined;
    let marker: string | undefined;
    const caught = await sync({
      source: `s3://${bucket}/img`,
      targetDir: dir,
      s3: minio.settings,
      concurrency: 4,
      threads,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 400 },
      onCheckpoint: (m) => (marker = m),
      onProgress: (p) => {
        if (killed === undefined && p.done >= Math.floor(COUNT / 3)) killed = minio.kill();
      },
    }).catch((e: unknown) => e);
    await killed;
    expect(caught).toBeInstanceOf(Transient);
    expect((caught as TransientError).message).toMatch(/stopped answering|failed after retries/);
    expect(inspect(caught, { depth: 10 })).not.toContain(secret);
    expect(marker).toBeDefined();
    expect(marker! >= keys[Math.floor(COUNT / 3) - 50]).toBe(true);

    await minio.start();
    const resumed = await sync({ source: `s3://${bucket}/img`, targetDir: dir, s3: minio.settings, startAfter: marker, delete: true, threads });
    expect(resumed.failed).toEqual([]);
    expect(resumed.deleted).toBe(0);
    // Only keys after the marker were listed; the ones the first attempt finished were not fetched again.
    expect(resumed.listed).toBe(keys.filter((k) => k > marker!).length);
    expect(resumed.downloaded + resumed.skipped).toBe(resumed.listed);
    await checkMirror(dir, keys);
  });
});
