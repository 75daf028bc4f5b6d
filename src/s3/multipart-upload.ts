import { createReadStream } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { withS3Retry, type RetryOptions } from './s3-errors';

/** Files up to this size go up in one PUT with Content-MD5 (S3 rejects a corrupted body); larger ones as multipart. */
export const SINGLE_PUT_LIMIT = 16 * 1024 * 1024;
// S3 parts must be at least 5 MB; 8 MB matches the AWS CLI's default chunk.
const PART_SIZE = 8 * 1024 * 1024;

/**
 * Uploads a large local file as a multipart upload streamed from disk (a 9 GB CSV never sits in memory), four parts
 * in flight, retried as a whole on transient faults; a failed or aborted upload is aborted on the server so no
 * orphaned parts keep costing storage.
 *
 * @example await uploadMultipart(client, { bucket: 'staging', key: 'runs/r1/embeddings.csv', file: '/tmp/embeddings.csv' })
 */
export async function uploadMultipart(
  client: S3Client,
  target: { bucket: string; key: string; file: string; contentType?: string },
  retry: RetryOptions = {},
): Promise<void> {
  await withS3Retry(async () => {
    const upload = new Upload({
      client,
      params: { Bucket: target.bucket, Key: target.key, Body: createReadStream(target.file), ContentType: target.contentType },
      partSize: PART_SIZE,
      queueSize: 4,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    retry.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      retry.signal?.removeEventListener('abort', onAbort);
    }
  }, retry);
}
