import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listS3Objects, type S3ObjectInfo } from './list-objects';
import { SINGLE_PUT_LIMIT, uploadMultipart } from './multipart-upload';
import { classifyS3Error, toStepError, TransferIntegrityError, withS3Retry, type RetryOptions } from './s3-errors';
import { createS3Client, describeEndpoint, type S3Settings } from './s3-settings';


/**
 * Whole-object reads and writes in one bucket, for files a step hands to the next through S3 (file lists, CSV
 * parts, merged embeddings, reports) and for fetching named objects. Every call is retried on transient faults;
 * what still fails becomes the engine's named error (TransientError, S3_ACCESS_DENIED, …), never a vendor type.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** `s3://bucket/key`, for messages and results (no endpoint credentials in it). */
  uri(key: string): string;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Streams the object into `file` through a temp file and a rename; false (and nothing written) when missing. */
  getToFile(key: string, file: string, signal?: AbortSignal): Promise<boolean>;
  put(key: string, body: Buffer | string, signal?: AbortSignal): Promise<void>;
  /** Uploads a local file: one PUT with Content-MD5 up to 16 MB, a multipart upload streamed from disk above. */
  putFile(key: string, file: string, signal?: AbortSignal): Promise<void>;
  /** Objects under `prefix`, in key order, streamed. */
  list(prefix: string, signal?: AbortSignal): AsyncGenerator<S3ObjectInfo>;
  close(): void;
}

/**
 * Opens an object store on `bucket`.
 *
 * @example
 * const store = openObjectStore({ endpoint: 'http://127.0.0.1:9000', accessKeyId, secretAccessKey }, 'staging');
 * await store.put('runs/r1/files.txt', 'a.jpg\n'); await store.get('runs/r1/files.txt') // → <Buffer 61 2e 6a …>
 */
export function openObjectStore(settings: S3Settings, bucket: string, retry: RetryOptions = {}): ObjectStore {
  const client: S3Client = createS3Client(settings);
  const where = (key: string) => `s3://${bucket}/${key} at ${describeEndpoint(settings)}`;
  const withRetry = <T>(call: () => Promise<T>, signal?: AbortSignal) => withS3Retry(call, { ...retry, signal });
  const isMissing = (error: unknown) => classifyS3Error(error) === 'missing' && (error as { name?: string }).name !== 'NoSuchBucket';

  return {
    bucket,
    uri: (key) => `s3://${bucket}/${key}`,

    async get(key, signal) {
      try {
        return await withRetry(async () => {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
          return Buffer.from(await response.Body!.transformToByteArray());
        }, signal);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw toStepError(error, 'reading', where(key), bucket);
      }
    },

    async getToFile(key, file, signal) {
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${randomBytes(6).toString('hex')}.part`;
      try {
        await withRetry(async () => {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
          await pipeline(response.Body as Readable, createWriteStream(temp), { signal });
          const written = (await stat(temp)).size;
          // A reset mid-body can end the stream early without an error; a short file must not be renamed into place.
          if (response.ContentLength !== undefined && written !== response.ContentLength) {
            throw new TransferIntegrityError(`body was ${written} bytes, expected ${response.ContentLength}`);
          }
        }, signal);
        await rename(temp, file);
        return true;
      } catch (error) {
        await rm(temp, { force: true });
        if (isMissing(error)) return false;
        throw toStepError(error, 'downloading', where(key), bucket);
      }
    },

    async put(key, body, signal) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const md5 = createHash('md5').update(bytes).digest('base64');
      try {
        await withRetry(
          () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentMD5: md5 }), { abortSignal: signal }),
          signal,
        );
      } catch (error) {
        throw toStepError(error, 'writing', where(key), bucket);
      }
    },

    async putFile(key, file, signal) {
      const { size } = await stat(file);
      if (size <= SINGLE_PUT_LIMIT) return this.put(key, await readFile(file), signal);
      try {
        await uploadMultipart(client, { bucket, key, file }, { ...retry, signal });
      } catch (error) {
        throw toStepError(error, 'uploading', where(key), bucket);
      }
    },

    list(prefix, signal) {
      return listS3Objects({ client, bucket, prefix, retry: { ...retry, signal }, signal });
    },

    close() {
      client.destroy();
    },
  };
}
