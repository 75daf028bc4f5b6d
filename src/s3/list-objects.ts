import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { InvalidConfigError } from '../errors';
import { withS3Retry, type RetryOptions } from './s3-errors';
import { createS3Client, type S3Settings } from './s3-settings';

/** One listed object, in the shape the sync needs (vendor types stay inside this folder). */
export interface S3ObjectInfo {
  key: string;
  size: number;
  /** ETag without quotes; an MD5 hex for single-part uploads, `<md5>-<parts>` for multipart ones. */
  etag: string;
  lastModified: Date;
}

export interface ListS3ObjectsOptions {
  /** Settings to build a client from (closed when the listing ends), or an open client to reuse. */
  s3?: S3Settings;
  client?: S3Client;
  bucket: string;
  prefix?: string;
  /** List keys after this one (S3's StartAfter): resumes a listing from a continuation marker. */
  startAfter?: string;
  /** Stop after this many objects. */
  limit?: number;
  /** Keys per request, 1–1000 (S3's maximum and default is 1000). */
  pageSize?: number;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

/**
 * Streams the objects under a prefix in key order (UTF-8 binary order, as S3 lists them), one ListObjectsV2 page at a
 * time: the next page is requested while the current one is consumed, and no more than two pages are ever held, so
 * a listing of millions of keys runs in constant memory. Each page request is retried on transient faults.
 *
 * @example
 * for await (const o of listS3Objects({ s3: { endpoint, accessKeyId, secretAccessKey }, bucket: 'datalake', prefix: 'farm/' })) console.log(o);
 * // → { key: 'farm/cow-001.jpg', size: 102400, etag: '9e107d9d372bb6826bd81d3542a419d6', lastModified: 2026-11-26T… }
 */
export async function* listS3Objects(options: ListS3ObjectsOptions): AsyncGenerator<S3ObjectInfo> {
  if (!options.client && !options.s3) throw new InvalidConfigError('listS3Objects needs s3 settings or a client');
  const client = options.client ?? createS3Client(options.s3 ?? {});
  try {
    yield* listWithClient(client, options);
  } finally {
    if (!options.client) client.destroy();
  }
}

async function* listWithClient(client: S3Client, options: ListS3ObjectsOptions): AsyncGenerator<S3ObjectInfo> {
  const { bucket, prefix, limit, signal } = options;
  const fetchPage = (token: string | undefined) =>
    withS3Retry(
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token,
            StartAfter: token === undefined ? options.startAfter || undefined : undefined,
            MaxKeys: options.pageSize,
          }),
          { abortSignal: signal },
        ),
      { ...options.retry, signal },
    );
  let yielded = 0;
  let next: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage(undefined);
  while (next) {
    const page: ListObjectsV2CommandOutput = await next;
    const token = page.IsTruncated ? page.NextContinuationToken : undefined;
    next = token ? fetchPage(token) : undefined;
    // The prefetch must not become an unhandled rejection when the consumer stops early.
    next?.catch(() => undefined);
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      yield {
        key: item.Key,
        size: item.Size ?? 0,
        etag: (item.ETag ?? '').replace(/"/g, ''),
        lastModified: item.LastModified ?? new Date(0),
      };
      if (limit !== undefined && ++yielded >= limit) return;
    }
  }
}
