import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, listS3Objects, type S3Settings } from '../../src/s3';
import { compareKeys } from '../../src/s3/key-paths';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from './minio-fixtures';

let s3: S3Settings;
const bucket = uniqueBucket('list');
// Objects beside folders, names that sort around a folder name ('a.jpg' < 'a/' < 'a0'), nested folders, a big folder.
// (MinIO cannot hold both an object `a` and objects under `a/`, so the object beside the folder is `a-`.)
const keys = ['a-', 'a.jpg', 'a/1', 'a/2', 'a0', 'b/c/d', 'b/x', 'm.txt', ...Array.from({ length: 40 }, (_, i) => `m/${String(i).padStart(3, '0')}`), 'z'].map((k) => `root/${k}`);

beforeAll(async () => {
  s3 = sharedMinio();
  await createBucket(s3, bucket);
  const client = createS3Client(s3);
  for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rootless', Body: 'x' }));
  client.destroy();
});

afterAll(async () => {
  await dropBucket(s3, bucket);
});

async function collect(options: Partial<Parameters<typeof listS3Objects>[0]>): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listS3Objects({ s3, bucket, ...options })) out.push(o.key);
  return out;
}

describe('listS3Objects', () => {
  const sorted = [...keys].sort(compareKeys);

  it('streams every key under the prefix in S3 order across pages, with size and ETag', async () => {
    expect(await collect({ prefix: 'root/', pageSize: 7 })).toEqual(sorted);
    for await (const o of listS3Objects({ s3, bucket, prefix: 'root/a.jpg' })) {
      expect(o).toMatchObject({ key: 'root/a.jpg', size: 10, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(o.lastModified).toBeInstanceOf(Date);
    }
  });

  it('lists folders in parallel (fanOut) and still yields the same keys in the same order', async () => {
    expect(await collect({ prefix: 'root/', pageSize: 3, fanOut: 3 })).toEqual(sorted);
    expect(await collect({ prefix: 'root/', pageSize: 1000, fanOut: 8 })).toEqual(sorted);
  });

  it('stops at a limit and resumes after a marker', async () => {
    expect(await collect({ prefix: 'root/', limit: 5, fanOut: 2, pageSize: 2 })).toEqual(sorted.slice(0, 5));
    expect(await collect({ prefix: 'root/', startAfter: 'root/m/038' })).toEqual(['root/m/039', 'root/z']);
  });
});
