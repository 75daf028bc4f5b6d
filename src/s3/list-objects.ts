import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { InvalidConfigError } from '../errors';
import { compareKeys } from './key-paths';
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
  /** List up to this many first-level folders at once (order is kept); 0 or absent lists sequentially. */
  fanOut?: number;
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
    let yielded = 0;
    const all = options.fanOut && !options.startAfter ? listFannedOut(client, options, options.fanOut) : listPages(client, options, options.prefix ?? '');
    for await (const object of all) {
      yield object;
      if (options.limit !== undefined && ++yielded >= options.limit) return;
    }
  } finally {
    if (!options.client) client.destroy();
  }
}

function toInfo(item: { Key?: string; Size?: number; ETag?: string; LastModified?: Date }): S3ObjectInfo {
  return { key: item.Key ?? '', size: item.Size ?? 0, etag: (item.ETag ?? '').replace(/"/g, ''), lastModified: item.LastModified ?? new Date(0) };
}

function fetchPage(client: S3Client, options: ListS3ObjectsOptions, prefix: string, token: string | undefined, delimiter?: string): Promise<ListObjectsV2CommandOutput> {
  return withS3Retry(
    () =>
      client.send(
        new ListObjectsV2Command({
          Bucket: options.bucket,
          Prefix: prefix || undefined,
          Delimiter: delimiter,
          ContinuationToken: token,
          StartAfter: token === undefined ? options.startAfter || undefined : undefined,
          MaxKeys: options.pageSize,
        }),
        { abortSignal: options.signal },
      ),
    { ...options.retry, signal: options.signal },
  );
}

/** One listing, page after page, the next page requested while the current one is consumed. */
async function* listPages(client: S3Client, options: ListS3ObjectsOptions, prefix: string): AsyncGenerator<S3ObjectInfo> {
  let next: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage(client, options, prefix, undefined);
  while (next) {
    const page: ListObjectsV2CommandOutput = await next;
    const token = page.IsTruncated ? page.NextContinuationToken : undefined;
    next = token ? fetchPage(client, options, prefix, token) : undefined;
    // The prefetch must not become an unhandled rejection when the consumer stops early.
    next?.catch(() => undefined);
    for (const item of page.Contents ?? []) if (item.Key !== undefined) yield toInfo(item);
  }
}

/**
 * Lists the first level of "folders" (Delimiter `/`) and the objects under each with up to `fanOut` listings in
 * flight, still yielding in global key order: S3 pages are sequential (each needs the previous continuation token),
 * so a bucket of class folders lists several times faster this way. A flat prefix lists as before.
 */
async function* listFannedOut(client: S3Client, options: ListS3ObjectsOptions, fanOut: number): AsyncGenerator<S3ObjectInfo> {
  const prefix = options.prefix ?? '';
  type Entry = { object: S3ObjectInfo } | { folder: string; started?: { gen: AsyncGenerator<S3ObjectInfo>; first: Promise<IteratorResult<S3ObjectInfo>> } };
  const start = (entry: Entry) => {
    if ('folder' in entry && !entry.started) {
      const gen = listPages(client, options, entry.folder);
      const first = gen.next();
      first.catch(() => undefined);
      entry.started = { gen, first };
    }
  };
  let token: string | undefined;
  let more = true;
  while (more) {
    const page = await fetchPage(client, options, prefix, token, '/');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    more = token !== undefined;
    // Objects and folders each come sorted; merging them keeps the whole listing in key order (a key outside a
    // folder sorts against the folder name exactly as against every key inside it).
    const objects = (page.Contents ?? []).filter((o) => o.Key !== undefined).map(toInfo);
    const folders = (page.CommonPrefixes ?? []).map((c) => c.Prefix).filter((p): p is string => p !== undefined);
    const entries: Entry[] = [];
    for (let i = 0, j = 0; i < objects.length || j < folders.length; ) {
      if (j >= folders.length || (i < objects.length && compareKeys(objects[i].key, folders[j]) < 0)) entries.push({ object: objects[i++] });
      else entries.push({ folder: folders[j++] });
    }
    for (let k = 0; k < entries.length; k++) {
      for (let ahead = k; ahead < Math.min(entries.length, k + fanOut); ahead++) start(entries[ahead]);
      const entry = entries[k];
      if ('object' in entry) {
        yield entry.object;
        continue;
      }
      const { gen, first } = entry.started!;
      const head = await first;
      if (head.done) continue;
      yield head.value;
      yield* gen;
    }
  }
}
