import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, TransientError, WinnowError } from '../../src/errors';
import { createS3Client, syncS3ToLocal, type S3Settings } from '../../src/s3';
import { walkFiles } from '../../src/s3/local-files';
import { createBucket, dropBucket, freePort, md5, objectBody, putObjects, sharedMinio, startListingProxy, uniqueBucket } from './minio-fixtures';

// Thousands of objects, kept tiny so the suite stays fast on a shared two-core machine.
const COUNT = 2000;
const BIG_KEY = 'farm/video/big.bin';
// Above the 16 MB ranged-download threshold.
const BIG_SIZE = 17 * 1024 * 1024 + 123;

let s3: S3Settings;
let client: S3Client;
const bucket = uniqueBucket('sync-down');
let expected: Map<string, string>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-sync-down-'));

const keys = Array.from({ length: COUNT }, (_, i) => `farm/${['cows', 'sheep', 'pigs', 'goats'][i % 4]}/${String(i).padStart(5, '0')}.jpg`);
const sizeOf = (key: string) => (key === BIG_KEY ? BIG_SIZE : 200 + (key.length * 37) % 1800);

async function filesWithSums(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const rel of walkFiles(dir)) out.set(rel, md5(readFileSync(path.join(dir, rel))));
  return out;
}

function expectMirrors(local: Map<string, string>, remote: Map<string, string>, prefix = 'farm/') {
  const want = new Map([...remote].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  expect(local.size).toBe(want.size);
  for (const [k, v] of want) expect(local.get(k), k).toBe(v);
}

beforeAll(async () => {
  s3 = sharedMinio();
  client = createS3Client(s3);
  await createBucket(s3, bucket);
  expected = await putObjects(client, bucket, [...keys, 'farm/notes/readme.txt', 'farm-old/ignored.jpg', BIG_KEY], sizeOf);
});

afterAll(async () => {
  client?.destroy();
  await dropBucket(s3, bucket);
  rmSync(tmp, { recursive: true, force: true });
});

describe('syncS3ToLocal against MinIO', () => {
  const target = path.join(tmp, 'farm');

  it('downloads every object under the prefix (as a folder), each correct by checksum, with no partial files left', async () => {
    const checkpoints: string[] = [];
    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: target, s3, concurrency: 8, onCheckpoint: (m) => checkpoints.push(m) });
    expect(result.failed).toEqual([]);
    expect(result.refused).toEqual([]);
    expect(result.listed).toBe(COUNT + 2);
    expect(result.downloaded).toBe(COUNT + 2);
    expect(result.bytes).toBe([...keys, 'farm/notes/readme.txt', BIG_KEY].reduce((n, k) => n + sizeOf(k), 0));
    expect(result.marker).toBe('farm/video/big.bin');
    expect(checkpoints.at(-1)).toBe('farm/video/big.bin');
    expectMirrors(await filesWithSums(target), expected);
    expect(existsSync(path.join(target, '..', 'farm-old'))).toBe(false);
    expect(readdirSync(path.join(target, '.winnow'))).toEqual(expect.arrayContaining(['sync-manifest.sqlite']));
    expect(existsSync(path.join(target, '.winnow', 'tmp'))).toBe(false);
    // Files carry the object's LastModified, as `aws s3 sync` leaves them.
    expect(statSync(path.join(target, 'cows', '00000.jpg')).mtimeMs).toBeLessThanOrEqual(Date.now());
  });

  it('skips everything on a resync of unchanged objects', async () => {
    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm/`, targetDir: target, s3 });
    expect(result).toMatchObject({ listed: COUNT + 2, downloaded: 0, skipped: COUNT + 2, deleted: 0, failed: [], bytes: 0 });
  });

  it('plans a dry run (counts and bytes) without writing anything', async () => {
    const fresh = path.join(tmp, 'dry');
    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: fresh, s3, dryRun: true, include: ['cows/**'] });
    expect(result.plan?.transfer.count).toBe(COUNT / 4);
    expect(result.plan?.transfer.bytes).toBe(keys.filter((k) => k.includes('/cows/')).reduce((n, k) => n + sizeOf(k), 0));
    expect(result.plan?.sample.length).toBe(50);
    expect(result.downloaded).toBe(0);
    expect(existsSync(fresh)).toBe(false);
  });

  it('downloads what changed, replaces locally edited files and with delete removes what is gone', async () => {
    const changed = 'farm/cows/00000.jpg';
    const removed = 'farm/sheep/00001.jpg';
    const added = 'farm/new/added.png';
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: changed, Body: objectBody('changed', sizeOf(changed)) }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: removed }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: added, Body: objectBody(added, 321) }));
    writeFileSync(path.join(target, 'pigs', '00002.jpg'), 'edited by hand');
    writeFileSync(path.join(target, 'stray.jpg'), 'not in the bucket');
    expected.set(changed, md5(objectBody('changed', sizeOf(changed))));
    expected.delete(removed);
    expected.set(added, md5(objectBody(added, 321)));

    const dry = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: target, s3, delete: true, dryRun: true });
    expect(dry.plan).toMatchObject({ transfer: { count: 3 }, delete: { count: 2 } });
    expect(existsSync(path.join(target, 'stray.jpg'))).toBe(true);

    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: target, s3, delete: true });
    expect(result).toMatchObject({ downloaded: 3, deleted: 2, failed: [] });
    expectMirrors(await filesWithSums(target), expected);
  });

  it('filters with include, exclude and imagesOnly', async () => {
    const dir = path.join(tmp, 'filtered');
    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: dir, s3, include: ['goats/**', '*.txt'], exclude: ['*9.jpg'] });
    const files = [...(await filesWithSums(dir)).keys()];
    expect(files).toContain('notes/readme.txt');
    expect(files.every((f) => f === 'notes/readme.txt' || (f.startsWith('goats/') && !f.endsWith('9.jpg')))).toBe(true);
    expect(result.downloaded).toBe(files.length);
    const images = await syncS3ToLocal({ source: `s3://${bucket}/farm/notes`, targetDir: path.join(tmp, 'notes'), s3, imagesOnly: true });
    expect(images.listed).toBe(0);
  });

  it('resumes after a continuation marker without listing the keys before it', async () => {
    const dir = path.join(tmp, 'resume');
    const marker = 'farm/pigs/01998.jpg';
    const result = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: dir, s3, startAfter: marker });
    const files = [...(await filesWithSums(dir)).keys()].sort();
    expect(files[0]).toBe('sheep/00005.jpg');
    expect(files.every((f) => `farm/${f}` > marker)).toBe(true);
    expect(result.marker).toBe(BIG_KEY);
  });

  it('stops on abort without leaving partial files under final names', async () => {
    const dir = path.join(tmp, 'aborted');
    const controller = new AbortController();
    const run = syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: dir, s3, concurrency: 4, signal: controller.signal, onProgress: (p) => p.done > 100 && controller.abort(new Error('stop now')) });
    await expect(run).rejects.toThrow('stop now');
    const local = await filesWithSums(dir);
    expect(local.size).toBeGreaterThan(0);
    expect(local.size).toBeLessThan(COUNT);
    for (const [k, v] of local) expect(v, k).toBe(expected.get(`farm/${k}`));
    expect(existsSync(path.join(dir, '.winnow', 'tmp'))).toBe(false);
  });
});

describe('syncS3ToLocal refuses keys that would escape the target', () => {
  it('reports ../, absolute, backslash and out-of-prefix keys served by the store and writes none of them', async () => {
    const evil = ['farm/goats/../../escaped.jpg', 'farm/goats//etc/passwd', 'farm/goats/..\\..\\win.jpg', 'farm/goats/a/../../../up.jpg', 'elsewhere/x.jpg'];
    const proxy = await startListingProxy(s3.endpoint!, evil);
    try {
      const dir = path.join(tmp, 'evil', 'target');
      const result = await syncS3ToLocal({ source: `s3://${bucket}/farm/goats`, targetDir: dir, s3: { ...s3, endpoint: proxy.endpoint } });
      expect(result.refused.map((r) => r.key).sort()).toEqual([...evil].sort());
      for (const r of result.refused) expect(r.reason).toMatch(/"\.\."|empty segment|backslash|absolute|outside the requested prefix/);
      expect(result.failed).toEqual([]);
      expect(result.downloaded).toBe(COUNT / 4);
      expect(readdirSync(path.join(tmp, 'evil'))).toEqual(['target']);
      expect(existsSync(path.join(tmp, 'escaped.jpg'))).toBe(false);
    } finally {
      await proxy.close();
    }
  });
});

describe('syncS3ToLocal errors', () => {
  it('throws a non-retryable error for refused credentials, and never shows the secret', async () => {
    const secret = 'definitely-not-the-secret-1234567890';
    const caught = await syncS3ToLocal({ source: `s3://${bucket}/farm`, targetDir: path.join(tmp, 'denied'), s3: { ...s3, secretAccessKey: secret } }).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(WinnowError);
    expect((caught as WinnowError).retryable).toBe(false);
    expect((caught as WinnowError).code).toBe('S3_ACCESS_DENIED');
    expect((caught as Error).message).toContain('SignatureDoesNotMatch');
    expect(inspect(caught, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify(caught)).not.toContain(secret);
  });

  it('throws NotFoundError for a missing bucket', async () => {
    await expect(syncS3ToLocal({ source: 's3://winnow-no-such-bucket-x1/farm', targetDir: path.join(tmp, 'nb'), s3 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('throws TransientError when the endpoint does not answer, after retrying with backoff', async () => {
    const port = await freePort();
    const started = Date.now();
    const caught = await syncS3ToLocal({
      source: `s3://${bucket}/farm`,
      targetDir: path.join(tmp, 'down'),
      s3: { ...s3, endpoint: `http://127.0.0.1:${port}` },
      retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
    }).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(TransientError);
    expect((caught as TransientError).retryable).toBe(true);
    expect((caught as Error).message).toMatch(/ECONNREFUSED/);
    // Three backoffs of at least 25, 50 and 100 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(175);
  });

  it('refuses a bad URI before any request', async () => {
    await expect(syncS3ToLocal({ source: 'farm/animals', targetDir: tmp, s3 })).rejects.toMatchObject({ code: 'INVALID_S3_URI', retryable: false });
  });
});
