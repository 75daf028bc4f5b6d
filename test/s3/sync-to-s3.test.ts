import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, listS3Objects, syncLocalToS3, type S3Settings } from '../../src/s3';
import { createBucket, dropBucket, md5, objectBody, sharedMinio, uniqueBucket } from './minio-fixtures';

// The compiled package (test/global-setup.ts builds dist/ before the suites): only there do uploads run in worker
// threads, since a worker needs JavaScript to load.
const compiled = createRequire(import.meta.url)('../../dist/src/s3/index.js') as typeof import('../../src/s3/index');

const COUNT = 600;
// Above the 16 MB single-PUT limit, so it goes up as multipart.
const BIG_SIZE = 17 * 1024 * 1024;

let s3: S3Settings;
let client: S3Client;
const bucket = uniqueBucket('sync-up');
const source = mkdtempSync(path.join(os.tmpdir(), 'winnow-sync-up-'));
const files = new Map<string, Buffer>();

async function remoteSums(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of listS3Objects({ client, bucket, prefix })) {
    const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
    out.set(o.key.slice(prefix.length), md5(Buffer.from(await body.Body!.transformToByteArray())));
  }
  return out;
}

function writeLocal(rel: string, body: Buffer) {
  mkdirSync(path.dirname(path.join(source, rel)), { recursive: true });
  writeFileSync(path.join(source, rel), body);
  files.set(rel, body);
}

beforeAll(async () => {
  s3 = sharedMinio();
  client = createS3Client(s3);
  await createBucket(s3, bucket);
  for (let i = 0; i < COUNT; i++) writeLocal(`${i % 3 === 0 ? 'cows' : 'sheep'}/${i}.jpg`, objectBody(`up-${i}`, 100 + i * 3));
  writeLocal('notes.txt', Buffer.from('hello'));
  writeLocal('video/big.bin', objectBody('big', BIG_SIZE));
});

afterAll(async () => {
  client?.destroy();
  await dropBucket(s3, bucket);
  rmSync(source, { recursive: true, force: true });
});

describe('syncLocalToS3 against MinIO', () => {
  it('uploads every file (multipart for large ones) with its content type, byte-exact', async () => {
    const result = await syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/farm`, s3 });
    expect(result.failed).toEqual([]);
    expect(result).toMatchObject({ listed: COUNT + 2, uploaded: COUNT + 2, skipped: 0 });
    const remote = await remoteSums('farm/');
    expect(remote.size).toBe(files.size);
    for (const [rel, body] of files) expect(remote.get(rel), rel).toBe(md5(body));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'farm/cows/0.jpg' }));
    expect(head.ContentType).toBe('image/jpeg');
    const big = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'farm/video/big.bin' }));
    expect(big.ETag).toMatch(/-\d+"$/);
  });

  it('skips unchanged files, uploads changed ones, and with delete removes objects whose file is gone', async () => {
    const again = await syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/farm/`, s3 });
    expect(again).toMatchObject({ uploaded: 0, skipped: COUNT + 2, failed: [] });

    writeLocal('cows/0.jpg', objectBody('changed', 100));
    // Same size, newer mtime, different bytes: only the hash can tell.
    const same = objectBody('same-size', files.get('sheep/1.jpg')!.length);
    writeLocal('sheep/1.jpg', same);
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(source, 'sheep/1.jpg'), future, future);
    // Touched but identical: hashing shows nothing to do.
    utimesSync(path.join(source, 'sheep/2.jpg'), future, future);
    rmSync(path.join(source, 'sheep/4.jpg'));
    files.delete('sheep/4.jpg');

    const plan = await syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/farm`, s3, delete: true, dryRun: true });
    expect(plan.plan).toMatchObject({ transfer: { count: 2 }, delete: { count: 1 } });
    const result = await syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/farm`, s3, delete: true });
    expect(result).toMatchObject({ uploaded: 2, deleted: 1, failed: [] });
    const remote = await remoteSums('farm/');
    expect(remote.size).toBe(files.size);
    for (const [rel, body] of files) expect(remote.get(rel), rel).toBe(md5(body));
  });

  it('honours include/exclude for uploads and leaves excluded objects alone on delete', async () => {
    const result = await syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/cows-only`, s3, include: ['cows/**'], exclude: ['*5.jpg'], delete: true });
    const expectedKeys = [...files.keys()].filter((k) => k.startsWith('cows/') && !k.endsWith('5.jpg'));
    expect(result.uploaded).toBe(expectedKeys.length);
    expect([...(await remoteSums('cows-only/')).keys()].sort()).toEqual(expectedKeys.sort());
  });

  it('uploads in transfer threads (compiled package) exactly as in this thread: bytes, content types, then a no-op resync', async () => {
    const result = await compiled.syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/threaded`, s3, threads: 2 });
    expect(result).toMatchObject({ listed: files.size, uploaded: files.size, skipped: 0, failed: [] });
    expect(result.bytes).toBe([...files.values()].reduce((n, b) => n + b.length, 0));
    const remote = await remoteSums('threaded/');
    expect(remote.size).toBe(files.size);
    for (const [rel, body] of files) expect(remote.get(rel), rel).toBe(md5(body));
    // A single PUT's ETag is the body's MD5, as the store computed it from what arrived.
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'threaded/notes.txt' }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.ETag).toBe(`"${md5(files.get('notes.txt')!)}"`);
    const again = await compiled.syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/threaded`, s3, threads: 2 });
    expect(again).toMatchObject({ uploaded: 0, skipped: files.size, failed: [] });
  });

  it('stops threaded uploads on abort with the caller\'s reason; what did arrive is byte-exact', async () => {
    const controller = new AbortController();
    const run = compiled.syncLocalToS3({
      sourceDir: source,
      target: `s3://${bucket}/threaded-aborted`,
      s3,
      concurrency: 4,
      threads: 2,
      signal: controller.signal,
      onProgress: (p) => p.done > 40 && controller.abort(new Error('stop uploading')),
    });
    await expect(run).rejects.toThrow('stop uploading');
    const remote = await remoteSums('threaded-aborted/');
    expect(remote.size).toBeGreaterThan(0);
    expect(remote.size).toBeLessThan(files.size);
    for (const [rel, sum] of remote) expect(sum, rel).toBe(md5(files.get(rel)!));
  });

  it('refuses a missing source folder with a clear error', async () => {
    await expect(syncLocalToS3({ sourceDir: path.join(source, 'nope'), target: `s3://${bucket}/x`, s3 })).rejects.toThrow(/does not exist/);
  });
});
