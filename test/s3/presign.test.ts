import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, presignReadUrl, type S3Settings } from '../../src/s3';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from './minio-fixtures';

let s3: S3Settings;
const bucket = uniqueBucket('presign');

beforeAll(async () => {
  s3 = sharedMinio();
  await createBucket(s3, bucket);
  const client = createS3Client(s3);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'farm/cow 1.jpg', Body: 'moo', ContentType: 'image/jpeg' }));
  client.destroy();
});

afterAll(async () => {
  await dropBucket(s3, bucket);
});

describe('presignReadUrl', () => {
  it('gives a URL a browser can fetch without credentials, and that stops working after its expiry', async () => {
    const url = await presignReadUrl(s3, `s3://${bucket}/farm/cow 1.jpg`, 2);
    expect(url).toContain('X-Amz-Expires=2');
    expect(url).not.toContain(s3.secretAccessKey!);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(await ok.text()).toBe('moo');
    await new Promise((r) => setTimeout(r, 3_100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/i);
  });

  it('refuses prefixes and out-of-range expiries', async () => {
    await expect(presignReadUrl(s3, `s3://${bucket}/farm/`, 60)).rejects.toThrow(/object URI/);
    await expect(presignReadUrl(s3, `s3://${bucket}/farm/cow 1.jpg`, 0)).rejects.toThrow(/expiresSeconds/);
    await expect(presignReadUrl(s3, `s3://${bucket}/farm/cow 1.jpg`, 8 * 24 * 3600)).rejects.toThrow(/7 days/);
  });
});
