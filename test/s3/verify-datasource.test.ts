import { PutBucketPolicyCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, listS3Objects, verifyS3Datasource, type S3Settings } from '../../src/s3';
import { createBucket, dropBucket, freePort, sharedMinio, uniqueBucket } from './minio-fixtures';

let s3: S3Settings;
let client: S3Client;
const bucket = uniqueBucket('lights');
const publicBucket = uniqueBucket('lights-public');

beforeAll(async () => {
  s3 = sharedMinio();
  client = createS3Client(s3);
  await createBucket(s3, bucket);
  await createBucket(s3, publicBucket);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'farm/cow.jpg', Body: 'moo' }));
  await client.send(new PutObjectCommand({ Bucket: publicBucket, Key: 'open/cow.jpg', Body: 'moo' }));
  // Anyone may list and read, nobody anonymous may write: a public dataset bucket.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: [`arn:aws:s3:::${publicBucket}`] },
      { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${publicBucket}/*`] },
    ],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: publicBucket, Policy: JSON.stringify(policy) }));
});

afterAll(async () => {
  client?.destroy();
  await dropBucket(s3, bucket);
  await dropBucket(s3, publicBucket);
});

describe('verifyS3Datasource against MinIO', () => {
  it('shows three green lights for working credentials and removes its write probe', async () => {
    const lights = await verifyS3Datasource({ s3, bucket, prefix: 'farm/', checkWrite: true });
    expect(lights).toEqual({ list: { ok: true }, read: { ok: true }, write: { ok: true } });
    const keys: string[] = [];
    for await (const o of listS3Objects({ client, bucket })) keys.push(o.key);
    expect(keys).toEqual(['farm/cow.jpg']);
  });

  it('infers read on an empty prefix from a 404 on a probe key, and skips write unless asked', async () => {
    const lights = await verifyS3Datasource({ s3, bucket, prefix: 'empty/' });
    expect(lights.list).toEqual({ ok: true });
    expect(lights.read.ok).toBe(true);
    expect(lights.read.reason).toMatch(/inferred/);
    expect(lights.write).toBeUndefined();
  });

  it('shows list and read green but write red for an anonymous client on a public read-only bucket', async () => {
    const lights = await verifyS3Datasource({ s3: { endpoint: s3.endpoint, anonymous: true }, bucket: publicBucket, prefix: 'open', checkWrite: true });
    expect(lights.list).toEqual({ ok: true });
    expect(lights.read).toEqual({ ok: true });
    expect(lights.write?.ok).toBe(false);
    expect(lights.write?.reason).toMatch(/^not allowed to write: AccessDenied/);
  });

  it('turns every light red with the reason for a wrong secret, without the secret in any reason', async () => {
    const secret = 'wrong-secret-value-0123456789abcdef';
    const lights = await verifyS3Datasource({ s3: { ...s3, secretAccessKey: secret }, bucket, prefix: 'farm/', checkWrite: true });
    for (const light of [lights.list, lights.read, lights.write]) {
      expect(light?.ok).toBe(false);
      expect(light?.reason).toMatch(/SignatureDoesNotMatch/);
    }
    expect(JSON.stringify(lights)).not.toContain(secret);
  });

  it('says the bucket does not exist, and that an endpoint cannot be reached', async () => {
    const missing = await verifyS3Datasource({ s3, bucket: 'winnow-no-such-bucket-x2' });
    expect(missing.list).toEqual({ ok: false, reason: 'bucket "winnow-no-such-bucket-x2" does not exist' });
    const port = await freePort();
    const down = await verifyS3Datasource({ s3: { ...s3, endpoint: `http://127.0.0.1:${port}` }, bucket, retry: { attempts: 1 } });
    expect(down.list.ok).toBe(false);
    expect(down.list.reason).toBe(`cannot reach http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
  });
});
