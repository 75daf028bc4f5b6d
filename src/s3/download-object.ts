import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { TransferIntegrityError, withS3Retry, type RetryOptions } from './s3-errors';

// Objects up to this size are read into memory and written in one call: for the typical 50 KB–5 MB image that is
// faster than a stream pipeline, and the pool bounds the memory to concurrency × this size.
const IN_MEMORY_LIMIT = 8 * 1024 * 1024;
// Above this, the object is fetched as concurrent byte ranges, like the AWS CLI's 8 MB multipart threshold/chunk.
export const RANGED_THRESHOLD = 16 * 1024 * 1024;
const RANGE_SIZE = 8 * 1024 * 1024;
const RANGES_IN_FLIGHT = 4;

export interface DownloadRequest {
  client: S3Client;
  bucket: string;
  key: string;
  /** Size and ETag from the listing; the download must match them. */
  size: number;
  etag: string;
  lastModified: Date;
  finalPath: string;
  /** Where partial files live until complete (same file system as finalPath, so rename is atomic). */
  tempDir: string;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

/** What was written, for the manifest. */
export interface DownloadedFile {
  size: number;
  etag: string;
  mtimeMs: number;
}

const isPlainMd5 = (etag: string) => /^[0-9a-f]{32}$/i.test(etag);

/**
 * Downloads one object into a temp file and renames it over `finalPath`, so an interrupted sync never leaves a half
 * file under the final name. The body is checked against the listed size, and against the ETag when that is a plain
 * MD5 (single-part upload, no KMS); a mismatch counts as a transient fault and is retried like a reset. Large objects
 * come as concurrent ranges pinned to the listed ETag (If-Match), so all parts belong to one version.
 * The file gets the object's LastModified as mtime, as `aws s3 sync` does.
 */
export async function downloadObject(request: DownloadRequest): Promise<DownloadedFile> {
  const temp = path.join(request.tempDir, `${randomBytes(8).toString('hex')}.part`);
  try {
    await withS3Retry(
      () => (request.size > RANGED_THRESHOLD ? downloadRanges(request, temp) : downloadWhole(request, temp)),
      { ...request.retry, signal: request.signal },
    );
    await utimes(temp, request.lastModified, request.lastModified);
    await mkdir(path.dirname(request.finalPath), { recursive: true });
    await rename(temp, request.finalPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { size: request.size, etag: request.etag, mtimeMs: request.lastModified.getTime() };
}

async function downloadWhole(request: DownloadRequest, temp: string): Promise<void> {
  const response = await request.client.send(
    new GetObjectCommand({ Bucket: request.bucket, Key: request.key, IfMatch: quoted(request.etag) }),
    { abortSignal: request.signal },
  );
  const verify = isPlainMd5(request.etag) && !encryptedWithKms(response) ? createHash('md5') : undefined;
  let received: number;
  if (request.size <= IN_MEMORY_LIMIT) {
    const body = Buffer.from(await bodyOf(response).transformToByteArray());
    received = body.length;
    verify?.update(body);
    checkBody(request, received, verify);
    await writeFile(temp, body);
  } else {
    received = 0;
    const stream = bodyOf(response) as unknown as Readable;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      verify?.update(chunk);
    });
    await pipeline(stream, createWriteStream(temp));
    checkBody(request, received, verify);
  }
}

async function downloadRanges(request: DownloadRequest, temp: string): Promise<void> {
  const file = await open(temp, 'w');
  try {
    const starts: number[] = [];
    for (let start = 0; start < request.size; start += RANGE_SIZE) starts.push(start);
    let next = 0;
    const worker = async () => {
      while (next < starts.length) {
        const start = starts[next++];
        const end = Math.min(start + RANGE_SIZE, request.size) - 1;
        const response = await request.client.send(
          new GetObjectCommand({ Bucket: request.bucket, Key: request.key, Range: `bytes=${start}-${end}`, IfMatch: quoted(request.etag) }),
          { abortSignal: request.signal },
        );
        const part = Buffer.from(await bodyOf(response).transformToByteArray());
        if (part.length !== end - start + 1) {
          throw new TransferIntegrityError(`range ${start}-${end} returned ${part.length} bytes`);
        }
        await file.write(part, 0, part.length, start);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RANGES_IN_FLIGHT, starts.length) }, worker));
  } finally {
    await file.close();
  }
}

function bodyOf(response: GetObjectCommandOutput): NonNullable<GetObjectCommandOutput['Body']> {
  if (!response.Body) throw new TransferIntegrityError('response has no body');
  return response.Body;
}

function checkBody(request: DownloadRequest, received: number, verify: ReturnType<typeof createHash> | undefined): void {
  if (received !== request.size) {
    throw new TransferIntegrityError(`body was ${received} bytes, listing said ${request.size}`);
  }
  if (verify && verify.digest('hex') !== request.etag.toLowerCase()) {
    throw new TransferIntegrityError('body MD5 does not match the ETag');
  }
}

// With SSE-KMS or SSE-C the ETag is not the MD5 of the plaintext, so it cannot verify the body.
function encryptedWithKms(response: GetObjectCommandOutput): boolean {
  return response.ServerSideEncryption === 'aws:kms' || response.ServerSideEncryption === 'aws:kms:dsse' || response.SSECustomerAlgorithm !== undefined;
}

function quoted(etag: string): string | undefined {
  return etag ? `"${etag}"` : undefined;
}
