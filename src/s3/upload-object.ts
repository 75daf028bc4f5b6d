import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ObjectTransport } from './object-transport';
import { withS3Retry, type RetryOptions } from './s3-errors';

export interface UploadRequest {
  transport: ObjectTransport;
  bucket: string;
  key: string;
  /** The local file; small enough for one PUT (the caller sends larger ones as multipart). */
  file: string;
  contentType?: string;
  retry?: RetryOptions;
  signal?: AbortSignal;
  /** Read the file with a blocking call: right in a thread that does nothing but transfers (TransferThreads). */
  blockingReads?: boolean;
}

/**
 * Uploads one small file in a single PUT with Content-MD5, so the store refuses a body damaged on the way; the file
 * is read once and the same bytes are sent again on each retry.
 *
 * @example await uploadSmallFile({ transport, bucket: 'datalake', key: 'farm/cows/1.jpg', file: './farm/cows/1.jpg', contentType: 'image/jpeg' })
 * // → { size: 102400, etag: '9e107d9d372bb6826bd81d3542a419d6' }
 */
export async function uploadSmallFile(request: UploadRequest): Promise<{ size: number; etag: string }> {
  const body = request.blockingReads ? readFileSync(request.file) : await readFile(request.file);
  const contentMd5 = hash('md5', body, 'base64');
  const retry = { ...request.retry, signal: request.signal };
  const etag = await withS3Retry(() => request.transport.put(request.bucket, request.key, body, { contentMd5, contentType: request.contentType, signal: request.signal }), retry);
  return { size: body.length, etag };
}
