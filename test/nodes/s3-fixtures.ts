import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/** The MinIO started by test/global-setup.ts, as a Winnow S3 credential. */
export function minioCredentials(): ICredentialDataDecryptedObject {
  const endpoint = process.env.WINNOW_S3_ENDPOINT;
  const accessKeyId = process.env.WINNOW_S3_ACCESS_KEY_ID;
  const secretAccessKey = process.env.WINNOW_S3_SECRET_ACCESS_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new Error('MinIO env vars missing: run the tests through vitest (globalSetup starts scripts/services.sh up)');
  }
  return { accessKeyId, secretAccessKey, sessionToken: '', region: 'us-east-1', endpoint, forcePathStyle: true };
}

export function minioClient(): S3Client {
  const c = minioCredentials();
  return new S3Client({
    endpoint: String(c.endpoint),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: String(c.accessKeyId), secretAccessKey: String(c.secretAccessKey) },
  });
}

/** A fresh bucket with the given objects; the name is unique per call so test files never share state. */
export async function createBucketWith(prefix: string, objects: Record<string, string | Buffer>): Promise<string> {
  const bucket = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const client = minioClient();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [Key, Body] of Object.entries(objects)) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  } finally {
    client.destroy();
  }
  return bucket;
}
