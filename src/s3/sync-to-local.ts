import { statSync } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidConfigError, TransientError } from '../errors';
import { measureProgress } from '../progress';
import { downloadObject } from './download-object';
import { md5OfFile, walkFiles } from './local-files';
import { compareKeys, createKeyFilter, safeLocalPath, STATE_DIR } from './key-paths';
import { listS3Objects, type S3ObjectInfo } from './list-objects';
import { ObjectTransport } from './object-transport';
import { classifyS3Error, describeS3Error, toStepError, withS3Retry } from './s3-errors';
import { createS3Client, describeEndpoint, folderPrefix, parseS3Uri } from './s3-settings';
import { SyncManifest } from './sync-manifest';
import {
  DEFAULT_CONCURRENCY,
  emptyPlan,
  emptySyncResult,
  PLAN_SAMPLE_SIZE,
  type SyncCommonOptions,
  type SyncResult,
} from './sync-result';
import { CompletionMarker, runPool } from './transfer-pool';
import { threadRetry, THREADS_AFTER, transferThreadCount, TransferThreads } from './transfer-threads';

export interface SyncToLocalOptions extends SyncCommonOptions {
  /** `s3://bucket/prefix`; the prefix is treated as a folder (`photos` syncs `photos/…`). */
  source: string;
  targetDir: string;
  /** Continuation marker from a previous attempt's `onCheckpoint`/`result.marker`: keys up to it are not listed again. */
  startAfter?: string;
  /** Called with a new marker whenever it advances (at most every 250 ms, and once at the end). */
  onCheckpoint?: (marker: string) => void;
}

// Temporal heartbeats and progress bars need a few updates per second, not one per object.
const REPORT_INTERVAL_MS = 250;

/**
 * Mirrors `s3://bucket/prefix` into a local folder like `aws s3 sync`: streams the listing, skips objects whose size
 * and ETag match the manifest (or whose file hashes to the ETag), downloads the rest with bounded concurrency into
 * temp files renamed into place, and with `delete` removes local files whose key is gone.
 *
 * Faults: each object is retried with backoff; one that still fails is listed in `failed` (the rest go on), unless
 * the bucket itself has become unreachable, which throws TransientError so the caller (Temporal) retries the step
 * and resumes from the marker. Bad URIs, refused credentials and missing buckets throw non-retryable errors.
 *
 * @example
 * await syncS3ToLocal({ source: 's3://datalake/projects/farm-animals', targetDir: './farm', s3: {} })
 * // → { listed: 5000, downloaded: 5000, uploaded: 0, skipped: 0, deleted: 0, failed: [], refused: [],
 * //     bytes: 512000000, seconds: 21.4, marker: 'projects/farm-animals/sheep-999.jpg' }
 */
export async function syncS3ToLocal(options: SyncToLocalOptions): Promise<SyncResult> {
  const started = Date.now();
  const { bucket, prefix: rawPrefix } = parseS3Uri(options.source);
  const prefix = folderPrefix(rawPrefix);
  if (!options.targetDir) throw new InvalidConfigError('syncS3ToLocal needs a targetDir');
  const targetDir = path.resolve(options.targetDir);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const dryRun = options.dryRun ?? false;
  const where = `s3://${bucket}/${prefix} at ${describeEndpoint(options.s3)}`;
  const threadCount = transferThreadCount(options.threads);
  const client = createS3Client(options.s3, { maxSockets: concurrency * 2 });
  const transport = new ObjectTransport(client.config.credentials, options.s3, concurrency * 4);
  // Started after the first THREADS_AFTER downloads, so a no-op resync, a dry run or a small sync never pays for them.
  let threads: TransferThreads | undefined;
  const useThreads = !dryRun && threadCount > 0 && TransferThreads.available();
  const tempDir = path.join(targetDir, STATE_DIR, 'tmp');
  const result = emptySyncResult();
  const plan = dryRun ? emptyPlan() : undefined;
  const keep = createKeyFilter(options);
  const marker = new CompletionMarker(options.startAfter);
  const retry = { ...options.retry, signal: options.signal };
  const knownDirs = new Set<string>();

  if (!dryRun) {
    await mkdir(targetDir, { recursive: true });
    // Partial files of an interrupted run are never resumed byte-wise; they are simply dropped.
    await rm(tempDir, { recursive: true, force: true });
    await mkdir(tempDir, { recursive: true });
  }
  const manifest = SyncManifest.open(targetDir, { readonly: dryRun });
  let manifestOpen = true;

  let lastReport = 0;
  let reportedMarker: string | undefined;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < REPORT_INTERVAL_MS) return;
    lastReport = now;
    options.onProgress?.(measureProgress(result.downloaded + result.skipped + result.failed.length + result.refused.length, undefined, started, now));
    if (marker.marker !== undefined && marker.marker !== reportedMarker) {
      // The records of the files up to the marker are committed before the marker is handed out.
      if (manifestOpen) manifest.commit();
      reportedMarker = marker.marker;
      options.onCheckpoint?.(marker.marker);
    }
  };

  const processObject = async (object: S3ObjectInfo): Promise<void> => {
    try {
      await syncObject(object);
    } finally {
      report();
    }
  };

  const syncObject = async (object: S3ObjectInfo): Promise<void> => {
    const settle = marker.start(object.key);
    if (!object.key.startsWith(prefix)) {
      // Only a misbehaving server lists keys outside the requested prefix; never map them to paths.
      result.listed++;
      result.refused.push({ key: object.key, reason: 'key lies outside the requested prefix' });
      return void settle(true);
    }
    const relative = object.key.slice(prefix.length);
    // Zero-byte "folder" markers made by consoles carry no data.
    if (relative === '' || (relative.endsWith('/') && object.size === 0)) return void settle(true);
    if (!keep(relative)) return void settle(true);
    result.listed++;
    const target = safeLocalPath(targetDir, relative);
    if (!target.ok) {
      result.refused.push({ key: object.key, reason: target.reason });
      return void settle(true);
    }
    manifest.markSeen(relative);
    if (await isUpToDate(manifest, relative, target.path, object)) {
      result.skipped++;
      if (plan) {
        plan.skip.count++;
        plan.skip.bytes += object.size;
      }
      return void settle(true);
    }
    if (plan) {
      plan.transfer.count++;
      plan.transfer.bytes += object.size;
      if (plan.sample.length < PLAN_SAMPLE_SIZE) plan.sample.push({ action: 'transfer', key: object.key, size: object.size });
      return void settle(true);
    }
    try {
      const written = await transfer(object, target.path);
      manifest.record(relative, written);
      result.downloaded++;
      result.bytes += object.size;
      settle(true);
    } catch (error) {
      settle(false);
      const kind = classifyS3Error(error);
      if (kind === 'aborted') throw error;
      // An object that failed every retry is that object's problem only if the bucket still answers.
      if (kind === 'transient') await assertBucketReachable(client, bucket, where, retry, error);
      result.failed.push({ key: object.key, reason: failureReason(error) });
    }
  };

  let transfers = 0;
  const transfer = (object: S3ObjectInfo, finalPath: string) => {
    if (!useThreads || ++transfers <= THREADS_AFTER) return downloadObject({ transport, bucket, ...object, finalPath, tempDir, retry, signal: options.signal, knownDirs });
    threads ??= new TransferThreads(threadCount, { settings: options.s3, maxSockets: concurrency * 2 }, options.s3.anonymous ? undefined : client.config.credentials, options.signal);
    return threads.download({
      bucket,
      key: object.key,
      size: object.size,
      etag: object.etag,
      lastModifiedMs: object.lastModified.getTime(),
      finalPath,
      tempDir,
      retry: threadRetry(options.retry),
    });
  };

  try {
    // Four folder listings in flight: enough to hide the store's per-page latency, few enough to stay polite.
    const listing = listS3Objects({ client, bucket, prefix, startAfter: options.startAfter, fanOut: 4, retry, signal: options.signal });
    await runPool(guardListing(listing, 'listing', where, bucket), concurrency, processObject, options.signal);
    if (options.delete) {
      if (options.startAfter) await markSeenUpTo(client, bucket, prefix, options.startAfter, manifest, retry, where);
      await deleteUnlisted(targetDir, manifest, keep, result, plan, dryRun);
    }
  } finally {
    await threads?.close();
    manifestOpen = false;
    manifest.close();
    transport.close();
    client.destroy();
    if (!dryRun) await rm(tempDir, { recursive: true, force: true });
    // Also on failure: the last marker is what a retry resumes from.
    report(true);
  }
  result.seconds = (Date.now() - started) / 1000;
  result.marker = marker.marker;
  if (plan) result.plan = plan;
  return result;
}

/** Rethrows listing faults as the step's named errors (TransientError, access denied, bucket not found). */
async function* guardListing<T>(listing: AsyncIterable<T>, action: string, where: string, bucket: string): AsyncGenerator<T> {
  try {
    yield* listing;
  } catch (error) {
    throw toStepError(error, action, where, bucket);
  }
}

async function isUpToDate(manifest: SyncManifest, relative: string, file: string, object: S3ObjectInfo): Promise<boolean> {
  // Synchronous and non-throwing: a missing file is the common case on a first sync, and a thrown ENOENT per object
  // (error object, stack trace, rejected promise) was the largest CPU cost of the whole download loop.
  const local = statSync(file, { throwIfNoEntry: false });
  if (!local?.isFile() || local.size !== object.size) return false;
  const known = manifest.get(relative);
  if (known) return known.etag === object.etag && known.size === object.size && known.mtimeMs === local.mtimeMs;
  // No record (first sync into a folder filled by another tool): a plain-MD5 ETag can be checked by hashing;
  // a multipart ETag cannot, so fall back to the timestamp the sync itself sets.
  if (/^[0-9a-f]{32}$/i.test(object.etag)) {
    const same = (await md5OfFile(file)) === object.etag.toLowerCase();
    if (same) manifest.record(relative, { size: local.size, etag: object.etag, mtimeMs: local.mtimeMs });
    return same;
  }
  return local.mtimeMs === object.lastModified.getTime();
}


async function assertBucketReachable(client: S3Client, bucket: string, where: string, retry: SyncToLocalOptions['retry'], original: unknown): Promise<void> {
  try {
    await withS3Retry(() => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: retry?.signal }), retry);
  } catch (error) {
    if (classifyS3Error(error) === 'aborted') throw error;
    throw new TransientError(`sync from ${where} stopped: the store stopped answering (${describeS3Error(original)}); retry to resume`, error);
  }
}

function failureReason(error: unknown): string {
  const kind = classifyS3Error(error);
  // Network faults carry E-codes too (ECONNRESET) but are transient; a file-system one (ENOSPC, EACCES) is not.
  if (kind !== 'transient' && error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code) && !('$metadata' in error)) {
    return `local file error: ${error.message}`;
  }
  return kind === 'transient' ? `${describeS3Error(error)} (after all retries)` : describeS3Error(error);
}

/** After a resumed listing, the keys before the marker were not listed this time; list them (names only) for delete. */
async function markSeenUpTo(client: S3Client, bucket: string, prefix: string, marker: string, manifest: SyncManifest, retry: SyncToLocalOptions['retry'], where: string): Promise<void> {
  try {
    for await (const object of listS3Objects({ client, bucket, prefix, retry, signal: retry?.signal })) {
      if (compareKeys(object.key, marker) > 0) break;
      manifest.markSeen(object.key.slice(prefix.length));
    }
  } catch (error) {
    throw toStepError(error, 'listing', where, bucket);
  }
}

async function deleteUnlisted(
  targetDir: string,
  manifest: SyncManifest,
  keep: (key: string) => boolean,
  result: SyncResult,
  plan: SyncResult['plan'],
  dryRun: boolean,
): Promise<void> {
  for await (const relative of walkFiles(targetDir)) {
    // Files the filters exclude are not part of the mirror, so they are left alone (as `aws s3 sync --exclude` does).
    if (!keep(relative) || manifest.wasSeen(relative)) continue;
    if (plan) {
      plan.delete.count++;
      if (plan.sample.length < PLAN_SAMPLE_SIZE) plan.sample.push({ action: 'delete', key: relative });
    }
    if (dryRun) continue;
    await unlink(path.join(targetDir, relative));
    manifest.forget(relative);
    result.deleted++;
  }
}
