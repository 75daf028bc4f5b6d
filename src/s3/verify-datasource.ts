import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error, describeS3Error, withS3Retry, type RetryOptions } from './s3-errors';
import { createS3Client, describeEndpoint, type S3Settings } from './s3-settings';

/** One permission light: green with no reason, or red with a reason a user can act on. */
export interface Light {
  ok: boolean;
  reason?: string;
}

export interface VerifyS3DatasourceOptions {
  s3: S3Settings;
  bucket: string;
  prefix?: string;
  /** Also check that objects can be written (a probe object is put under the prefix and deleted again). */
  checkWrite?: boolean;
  /** Retries per check; small by default so a wrong endpoint turns red in seconds, not minutes. */
  retry?: RetryOptions;
}

export interface DatasourceLights {
  list: Light;
  read: Light;
  write?: Light;
}

/**
 * Checks an S3 datasource the way the platform shows its permission lights: can it List the prefix, Read an
 * object, and (optionally) Write one. Each light is independent and carries a reason when red; nothing throws for a
 * denied permission, an unreachable endpoint or a missing bucket, and no reason contains a secret.
 *
 * @example
 * await verifyS3Datasource({ s3, bucket: 'datalake', prefix: 'farm/', checkWrite: true })
 * // → { list: { ok: true }, read: { ok: true },
 * //     write: { ok: false, reason: 'not allowed to write: AccessDenied: Access Denied.' } }
 */
export async function verifyS3Datasource(options: VerifyS3DatasourceOptions): Promise<DatasourceLights> {
  let client: S3Client;
  try {
    client = createS3Client(options.s3, { maxSockets: 2 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const red = { ok: false, reason };
    return { list: red, read: red, ...(options.checkWrite ? { write: red } : {}) };
  }
  const prefix = options.prefix ?? '';
  const retry: RetryOptions = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1_000, ...options.retry };
  const endpoint = describeEndpoint(options.s3);
  const explain = (action: string, error: unknown) => lightFromError(action, error, options.bucket, endpoint);
  try {
    let sampleKey: string | undefined;
    let list: Light;
    try {
      const page = await withS3Retry(() => client.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: prefix || undefined, MaxKeys: 5 })), retry);
      sampleKey = page.Contents?.find((o) => o.Key !== undefined && !o.Key.endsWith('/'))?.Key;
      list = { ok: true };
    } catch (error) {
      list = explain('list', error);
    }

    let write: Light | undefined;
    let probeKey: string | undefined;
    if (options.checkWrite) {
      const key = `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}.winnow-write-check-${randomBytes(6).toString('hex')}`;
      try {
        await withS3Retry(() => client.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: 'winnow write check', ContentType: 'text/plain' })), retry);
        probeKey = key;
        write = { ok: true };
      } catch (error) {
        write = explain('write', error);
      }
    }

    const read = await checkRead(client, options.bucket, sampleKey ?? probeKey, prefix, retry, explain);
    if (probeKey !== undefined) {
      try {
        await withS3Retry(() => client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: probeKey })), retry);
      } catch (error) {
        write = { ok: true, reason: `could write, but could not delete the probe object ${probeKey}: ${describeS3Error(error)}` };
      }
    }
    return write ? { list, read, write } : { list, read };
  } finally {
    client.destroy();
  }
}

async function checkRead(
  client: S3Client,
  bucket: string,
  key: string | undefined,
  prefix: string,
  retry: RetryOptions,
  explain: (action: string, error: unknown) => Light,
): Promise<Light> {
  // With nothing to read, a GET of a key that does not exist still tells: S3 answers 404 only to a caller allowed
  // to read, 403 otherwise.
  const target = key ?? `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}.winnow-read-check-${randomBytes(6).toString('hex')}`;
  try {
    const response = await withS3Retry(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: target, Range: 'bytes=0-0' })), retry);
    await response.Body?.transformToByteArray();
    return { ok: true };
  } catch (error) {
    if (key === undefined && (error as { name?: string }).name === 'NoSuchKey') {
      return { ok: true, reason: 'no object under the prefix yet; read permission inferred from a 404 on a probe key' };
    }
    return explain('read', error);
  }
}

function lightFromError(action: string, error: unknown, bucket: string, endpoint: string): Light {
  const reason = describeS3Error(error);
  switch (classifyS3Error(error)) {
    case 'denied':
      return { ok: false, reason: `not allowed to ${action}: ${reason}` };
    case 'missing':
      return { ok: false, reason: (error as { name?: string }).name === 'NoSuchBucket' ? `bucket ${JSON.stringify(bucket)} does not exist` : reason };
    case 'transient':
      return { ok: false, reason: `cannot reach ${endpoint}: ${reason}` };
    default:
      return { ok: false, reason: `${action} failed: ${reason}` };
  }
}
