import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, syncS3ToLocal, type S3Settings } from '../../src/s3';
import { walkFiles } from '../../src/s3/local-files';
import { createBucket, dropBucket, md5, putObjects, sharedMinio, startListingProxy, uniqueBucket } from './minio-fixtures';

// The compiled package (test/global-setup.ts builds dist/ before the suites): only there do transfers run in worker
// threads, since a worker needs JavaScript to load. The same scenarios run in this thread (the sources) for comparison.
const load = createRequire(import.meta.url);
const compiled = load('../../dist/src/s3/index.js') as typeof import('../../src/s3/index');
const { TransferThreads } = load('../../dist/src/s3/transfer-threads.js') as typeof import('../../src/s3/transfer-threads');

const COUNT = 600;
const BIG_KEY = 'farm/video/big.bin';
// Above the 8 MB threshold, so the ranged download runs in a thread too.
const BIG_SIZE = 9 * 1024 * 1024 + 77;
const keys = Array.from({ length: COUNT }, (_, i) => `farm/${['cows', 'sheep', 'pigs'][i % 3]}/${String(i).padStart(5, '0')}.jpg`);
const sizeOf = (key: string) => (key === BIG_KEY ? BIG_SIZE : 300 + (key.length * 53 + Number(key.slice(-9, -4))) % 4000);

let s3: S3Settings;
let client: S3Client;
let expected: Map<string, string>;
const bucket = uniqueBucket('sync-threads');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-sync-threads-'));

async function filesWithSums(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const rel of walkFiles(dir)) out.set(rel, md5(readFileSync(path.join(dir, rel))));
  return out;
}

beforeAll(async () => {
  s3 = sharedMinio();
  client = createS3Client(s3);
  await createBucket(s3, bucket);
  expected = await putObjects(client, bucket, [...keys, BIG_KEY], sizeOf);
});

afterAll(async () => {
  client?.destroy();
  await dropBucket(s3, bucket);
  rmSync(tmp, { recursive: true, force: true });
});

describe('syncS3ToLocal with transfers in worker threads (compiled package)', () => {
  it('has the worker file to run them', () => {
    expect(TransferThreads.available()).toBe(true);
  });

  it('mirrors the prefix exactly as the in-thread sync does: checksums, mtimes, marker, manifest, no partial files', async () => {
    const threaded = path.join(tmp, 'threaded');
    const inThread = path.join(tmp, 'in-thread');
    const checkpoints: string[] = [];
    let progressCalls = 0;
    const result = await compiled.syncS3ToLocal({
      source: `s3://${bucket}/farm`,
      targetDir: threaded,
      s3,
      concurrency: 8,
      threads: 2,
      onCheckpoint: (m) => checkpoints.push(m),
      onProgress: () => progressCalls++,
    });
    const reference = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: inThread, s3, concurrency: 8, threads: 0 });
    const { seconds: _a, ...got } = result;
    const { seconds: _b, ...want } = reference;
    expect(got).toEqual(want);
    expect(result).toMatchObject({ listed: COUNT + 1, downloaded: COUNT + 1, failed: [], refused: [], marker: BIG_KEY });
    expect(checkpoints.at(-1)).toBe(BIG_KEY);
    expect(progressCalls).toBeGreaterThan(0);

    const local = await filesWithSums(threaded);
    expect(local.size).toBe(COUNT + 1);
    for (const key of [...keys, BIG_KEY]) expect(local.get(key.slice('farm/'.length)), key).toBe(expected.get(key));
    // The object's LastModified (HEAD gives whole seconds; the listing the sync used has milliseconds).
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0] }));
    expect(Math.floor(statSync(path.join(threaded, keys[0].slice('farm/'.length))).mtimeMs / 1000)).toBe(head.LastModified!.getTime() / 1000);
    expect(readdirSync(path.join(threaded, '.winnow'))).toEqual(expect.arrayContaining(['sync-manifest.sqlite']));
    expect(existsSync(path.join(threaded, '.winnow', 'tmp'))).toBe(false);

    // The manifest the threads' downloads were recorded in makes the resync a no-op.
    const again = await compiled.syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: threaded, s3, threads: 2 });
    expect(again).toMatchObject({ listed: COUNT + 1, downloaded: 0, skipped: COUNT + 1, failed: [] });
  });

  it('reports objects that fail in a thread by key with the store\'s reason, refuses unsafe keys, and goes on with the rest', async () => {
    // Served by the proxy's listing only: one key the store does not have, one whose listed ETag is not the object's.
    const ghost = 'farm/sheep/ghost.jpg';
    const stale = keys[4];
    const unsafe = 'farm/sheep/../../escaped.jpg';
    const proxy = await startListingProxy(s3.endpoint!, [ghost, stale, unsafe]);
    try {
      const dir = path.join(tmp, 'faults');
      const result = await compiled.syncS3ToLocal({
        source: `s3://${bucket}/farm/sheep`,
        targetDir: dir,
        s3: { ...s3, endpoint: proxy.endpoint },
        threads: 2,
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      });
      const sheep = keys.filter((k) => k.startsWith('farm/sheep/'));
      expect(result.refused).toEqual([{ key: unsafe, reason: expect.stringContaining('".."') }]);
      const failed = new Map(result.failed.map((f) => [f.key, f.reason]));
      expect(failed.get(ghost)).toMatch(/NoSuchKey|NotFound/);
      expect(failed.get(stale)).toMatch(/PreconditionFailed/);
      expect(result.failed).toHaveLength(2);
      expect(result.downloaded).toBe(sheep.length);
      const local = await filesWithSums(dir);
      expect(local.size).toBe(sheep.length);
      for (const key of sheep) expect(local.get(key.slice('farm/sheep/'.length)), key).toBe(expected.get(key));
      expect(existsSync(path.join(tmp, 'escaped.jpg'))).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('stops on abort with the caller\'s reason, leaving no partial files under final names', async () => {
    const dir = path.join(tmp, 'aborted');
    const controller = new AbortController();
    const run = compiled.syncS3ToLocal({
      source: `s3://${bucket}/farm`,
      targetDir: dir,
      s3,
      concurrency: 4,
      threads: 2,
      signal: controller.signal,
      onProgress: (p) => p.done > 50 && controller.abort(new Error('stop now')),
    });
    await expect(run).rejects.toThrow('stop now');
    const local = await filesWithSums(dir);
    expect(local.size).toBeGreaterThan(0);
    expect(local.size).toBeLessThan(COUNT + 1);
    for (const [k, v] of local) expect(v, k).toBe(expected.get(`farm/${k}`));
    expect(existsSync(path.join(dir, '.winnow', 'tmp'))).toBe(false);
  });

  it('refuses a thread count out of range', async () => {
    await expect(compiled.syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: path.join(tmp, 'x'), s3, threads: -1 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
