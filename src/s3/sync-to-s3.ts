import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidConfigError } from '../errors';
import { measureProgress } from '../progress';
import { contentTypeOf } from './content-type';
import { createKeyFilter, MAX_KEY_BYTES } from './key-paths';
import { listS3Objects, type S3ObjectInfo } from './list-objects';
import { SINGLE_PUT_LIMIT, uploadMultipart } from './multipart-upload';
import { classifyS3Error, describeS3Error, toStepError, withS3Retry } from './s3-errors';
import { createS3Client, describeEndpoint, folderPrefix, parseS3Uri } from './s3-settings';
import { md5OfFile, walkFiles } from './local-files';
import { ObjectTransport } from './object-transport';
import {
  DEFAULT_CONCURRENCY,
  emptyPlan,
  emptySyncResult,
  PLAN_SAMPLE_SIZE,
  type SyncCommonOptions,
  type SyncResult,
} from './sync-result';
import { runPool } from './transfer-pool';
import { threadRetry, THREADS_AFTER, transferThreadCount, TransferThreads } from './transfer-threads';
import { uploadSmallFile } from './upload-object';

export interface SyncToS3Options extends SyncCommonOptions {
  sourceDir: string;
  /** `s3://bucket/prefix`; files land under `prefix/` with `/`-separated relative paths. */
  target: string;
}

// DeleteObjects takes at most 1000 keys per request.
const DELETE_BATCH = 1000;
const REPORT_INTERVAL_MS = 250;

interface LocalFile {
  relative: string;
  absolute: string;
  size: number;
  mtimeMs: number;
}

/**
 * Mirrors a local folder into `s3://bucket/prefix` like `aws s3 sync`: a file is uploaded when the object is missing,
 * differs in size, or is older than the file and does not hash to its ETag; with `delete`, objects whose file is
 * gone are removed. The local folder is walked first (one entry per file in memory); the bucket listing is streamed.
 * A rerun after an interruption resumes by itself: finished files compare equal and are skipped.
 *
 * @example
 * await syncLocalToS3({ sourceDir: './farm', target: 's3://datalake/projects/farm-animals', s3: {} })
 * // → { listed: 5000, downloaded: 0, uploaded: 5000, skipped: 0, deleted: 0, failed: [], refused: [], bytes: 512000000, seconds: 30.2 }
 */
export async function syncLocalToS3(options: SyncToS3Options): Promise<SyncResult> {
  const started = Date.now();
  const { bucket, prefix: rawPrefix } = parseS3Uri(options.target);
  const prefix = folderPrefix(rawPrefix);
  if (!options.sourceDir) throw new InvalidConfigError('syncLocalToS3 needs a sourceDir');
  const sourceDir = path.resolve(options.sourceDir);
  const sourceStat = await stat(sourceDir).catch(() => undefined);
  if (!sourceStat?.isDirectory()) throw new InvalidConfigError(`source folder ${sourceDir} does not exist`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const dryRun = options.dryRun ?? false;
  const where = `s3://${bucket}/${prefix} at ${describeEndpoint(options.s3)}`;
  const threadCount = transferThreadCount(options.threads);
  const client = createS3Client(options.s3, { maxSockets: concurrency * 2 });
  const transport = new ObjectTransport(client.config.credentials, options.s3, concurrency * 2);
  // Started after the first THREADS_AFTER uploads, so a no-op resync, a dry run or a small sync never pays for them.
  let threads: TransferThreads | undefined;
  let smallUploads = 0;
  const useThreads = !dryRun && threadCount > 0 && TransferThreads.available();
  const retry = { ...options.retry, signal: options.signal };
  const keep = createKeyFilter(options);
  const result = emptySyncResult();
  const plan = dryRun ? emptyPlan() : undefined;

  const local = new Map<string, LocalFile>();
  for await (const relative of walkFiles(sourceDir)) {
    if (!keep(relative)) continue;
    result.listed++;
    if (Buffer.byteLength(prefix + relative) > MAX_KEY_BYTES) {
      result.refused.push({ key: prefix + relative, reason: `key would be longer than ${MAX_KEY_BYTES} bytes` });
      continue;
    }
    const absolute = path.join(sourceDir, relative);
    const info = await stat(absolute);
    local.set(relative, { relative, absolute, size: info.size, mtimeMs: info.mtimeMs });
  }

  let lastReport = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < REPORT_INTERVAL_MS) return;
    lastReport = now;
    options.onProgress?.(measureProgress(result.uploaded + result.skipped + result.failed.length, local.size, started, now));
  };
  const toDelete: string[] = [];

  // Pairs every remote object with its file (or marks it for deletion), then yields the files left to upload.
  async function* work(): AsyncGenerator<{ file: LocalFile; remote?: S3ObjectInfo }> {
    try {
      for await (const remote of listS3Objects({ client, bucket, prefix, retry, signal: options.signal })) {
        const relative = remote.key.slice(prefix.length);
        const file = local.get(relative);
        if (file) {
          local.delete(relative);
          yield { file, remote };
        } else if (options.delete && relative !== '' && keep(relative)) {
          toDelete.push(remote.key);
        }
      }
    } catch (error) {
      throw toStepError(error, 'listing', where, bucket);
    }
    for (const file of local.values()) yield { file };
  }

  const syncFile = async ({ file, remote }: { file: LocalFile; remote?: S3ObjectInfo }) => {
    try {
      if (remote && (await isSame(file, remote))) {
        result.skipped++;
        if (plan) {
          plan.skip.count++;
          plan.skip.bytes += file.size;
        }
        return;
      }
      const key = prefix + file.relative;
      if (plan) {
        plan.transfer.count++;
        plan.transfer.bytes += file.size;
        if (plan.sample.length < PLAN_SAMPLE_SIZE) plan.sample.push({ action: 'transfer', key, size: file.size });
        return;
      }
      try {
        if (file.size > SINGLE_PUT_LIMIT) await uploadMultipart(client, { bucket, key, file: file.absolute, contentType: contentTypeOf(file.relative) }, retry);
        else if (useThreads && ++smallUploads > THREADS_AFTER) {
          threads ??= new TransferThreads(threadCount, { settings: options.s3, maxSockets: concurrency * 2 }, options.s3.anonymous ? undefined : client.config.credentials, options.signal);
          await threads.upload({ bucket, key, file: file.absolute, contentType: contentTypeOf(file.relative), retry: threadRetry(options.retry) });
        } else {
          await uploadSmallFile({ transport, bucket, key, file: file.absolute, contentType: contentTypeOf(file.relative), retry: options.retry, signal: options.signal });
        }
        result.uploaded++;
        result.bytes += file.size;
      } catch (error) {
        const kind = classifyS3Error(error);
        if (kind === 'aborted') throw error;
        if (kind === 'denied') throw toStepError(error, 'upload to', where, bucket);
        result.failed.push({ key, reason: kind === 'transient' ? `${describeS3Error(error)} (after all retries)` : describeS3Error(error) });
      }
    } finally {
      report();
    }
  };

  try {
    await runPool(work(), concurrency, syncFile, options.signal);
    if (toDelete.length > 0) {
      if (plan) {
        plan.delete.count += toDelete.length;
        for (const key of toDelete.slice(0, Math.max(0, PLAN_SAMPLE_SIZE - plan.sample.length))) plan.sample.push({ action: 'delete', key });
      } else {
        await deleteObjects(client, bucket, toDelete, result, retry, where);
      }
    }
  } finally {
    await threads?.close();
    transport.close();
    client.destroy();
  }
  result.seconds = (Date.now() - started) / 1000;
  if (plan) result.plan = plan;
  report(true);
  return result;
}

async function isSame(file: LocalFile, remote: S3ObjectInfo): Promise<boolean> {
  if (file.size !== remote.size) return false;
  // Uploaded after the file last changed: the object is this file (the rule `aws s3 sync` uses).
  if (file.mtimeMs <= remote.lastModified.getTime()) return true;
  return /^[0-9a-f]{32}$/i.test(remote.etag) && (await md5OfFile(file.absolute)) === remote.etag.toLowerCase();
}

async function deleteObjects(client: S3Client, bucket: string, keys: string[], result: SyncResult, retry: SyncToS3Options['retry'], where: string): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    try {
      const response = await withS3Retry(
        () => client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: retry?.signal }),
        retry,
      );
      const errors = response.Errors ?? [];
      for (const e of errors) result.failed.push({ key: e.Key ?? '?', reason: `delete failed: ${e.Code ?? 'error'}${e.Message ? `: ${e.Message}` : ''}` });
      result.deleted += batch.length - errors.length;
    } catch (error) {
      throw toStepError(error, 'deleting from', where, bucket);
    }
  }
}
