import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvalidConfigError } from '../errors';
import type { DownloadedFile } from './download-object';
import type { CredentialsProvider } from './object-transport';
import { TransferIntegrityError, type RetryOptions } from './s3-errors';
import type { S3Settings } from './s3-settings';

/**
 * Transfers in worker threads, so a sync uses every core: on two cores the one JS thread was the limit at ~1 ms of
 * CPU per 100 KB object (signing, HTTP, MD5, file I/O), while `mc mirror` spreads the same work over both.
 * The main thread keeps listing, manifest, outcomes, progress and the marker; each worker runs the same
 * `downloadObject` / `uploadSmallFile` with its own keep-alive sockets. Only the compiled package has the worker file
 * (a worker needs JavaScript to load); under the TypeScript sources (tests of src/) transfers run in the calling
 * thread.
 */

// One per core: the main thread mostly waits on them, and more threads than cores only add switching.
const DEFAULT_THREADS = Math.min(4, os.availableParallelism());

/**
 * A sync does its first transfers in the calling thread and starts the threads only for the ones after these: a
 * thread takes ~60 ms and ~50 ms of CPU to start, more than a handful of small objects take to transfer.
 */
export const THREADS_AFTER = 32;

/**
 * The `threads` option of a sync, checked: an integer from 0 (in the calling thread) to 64.
 *
 * @example transferThreadCount(undefined) // → 2 on a two-core machine; transferThreadCount(-1) throws InvalidConfigError
 */
export function transferThreadCount(threads: number | undefined): number {
  const count = threads ?? DEFAULT_THREADS;
  if (!Number.isInteger(count) || count < 0 || count > 64) throw new InvalidConfigError(`threads must be an integer from 0 to 64, got ${count}`);
  return count;
}

/** Retry options as plain data: the signal stays behind (a thread has its own, fired by `abort`). */
export function threadRetry(retry: RetryOptions | undefined): DownloadJob['retry'] {
  return { attempts: retry?.attempts, baseDelayMs: retry?.baseDelayMs, maxDelayMs: retry?.maxDelayMs };
}

/** One download as plain data (it crosses into a worker thread). */
export interface DownloadJob {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  lastModifiedMs: number;
  finalPath: string;
  tempDir: string;
  /** RetryOptions without the signal (the worker has its own, fired by `abort`). */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** One small-file upload as plain data. */
export interface UploadJob {
  bucket: string;
  key: string;
  file: string;
  contentType?: string;
  retry?: DownloadJob['retry'];
}

/** Keys as resolved by the main thread's credential chain; sent again only when the chain hands out new ones. */
export interface ThreadCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface TransferThreadSetup {
  settings: S3Settings;
  /** Keep-alive sockets per worker. */
  maxSockets: number;
}

export type ToTransferThread =
  | { type: 'download'; id: number; job: DownloadJob; credentials?: ThreadCredentials }
  | { type: 'upload'; id: number; job: UploadJob; credentials?: ThreadCredentials }
  | { type: 'abort' };

export type FromTransferThread = { type: 'done'; id: number; value: unknown } | { type: 'failed'; id: number; error: ThreadError };

/**
 * An error as plain data, keeping what classification and reporting read (`name`, `code`, `$metadata`, `$fault`,
 * the integrity class, the cause), so a fault in a worker is retried, reported and classified as one in-thread.
 */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  httpStatusCode?: number;
  hasMetadata?: boolean;
  fault?: string;
  retryable?: unknown;
  integrity?: boolean;
  cause?: ThreadError;
}

export function toThreadError(error: unknown, depth = 0): ThreadError {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return { name: 'Error', message: String(error) };
  const e = error as Error & { code?: unknown; errno?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: unknown; $retryable?: unknown; cause?: unknown };
  const out: ThreadError = { name: typeof e.name === 'string' ? e.name : 'Error', message: typeof e.message === 'string' ? e.message : String(error) };
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.errno === 'number') out.errno = e.errno;
  if (e.$metadata) {
    out.hasMetadata = true;
    out.httpStatusCode = e.$metadata.httpStatusCode;
  }
  if (typeof e.$fault === 'string') out.fault = e.$fault;
  if (e.$retryable !== undefined) out.retryable = structuredCloneable(e.$retryable);
  if (error instanceof TransferIntegrityError) out.integrity = true;
  if (e.cause !== undefined && e.cause !== error && depth < 3) out.cause = toThreadError(e.cause, depth + 1);
  return out;
}

export function fromThreadError(data: ThreadError): Error {
  if (data.integrity) return new TransferIntegrityError(data.message);
  const error = Object.assign(new Error(data.message), { name: data.name }) as Error & Record<string, unknown>;
  if (data.code !== undefined) error.code = data.code;
  if (data.errno !== undefined) error.errno = data.errno;
  if (data.hasMetadata) error.$metadata = { httpStatusCode: data.httpStatusCode };
  if (data.fault !== undefined) error.$fault = data.fault;
  if (data.retryable !== undefined) error.$retryable = data.retryable;
  if (data.cause) error.cause = fromThreadError(data.cause);
  return error;
}

function structuredCloneable(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? { ...value } : value;
}

const YOUNG_GENERATION_MB = 48;

// The compiled worker entry beside this file.
const WORKER_FILE = path.join(__dirname, 'transfer-worker.js');

interface ThreadState {
  worker: Worker;
  inFlight: Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
  sentCredentials?: object;
  stopped?: Error;
}

/**
 * A small pool of transfer threads with one `download` call. Jobs go to the thread with the fewest in flight; the
 * caller bounds the total (runPool), so a thread never holds more than the sync's concurrency.
 */
export class TransferThreads {
  readonly #threads: ThreadState[];
  readonly #credentials: CredentialsProvider | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: () => void;
  #nextId = 1;

  /** Whether worker threads can run here (the compiled package), so callers can fall back to in-thread transfers. */
  static available(): boolean {
    return __filename.endsWith('.js') && existsSync(WORKER_FILE);
  }

  /**
   * Starts `count` threads. `credentials` is the S3 client's chain (undefined for anonymous access); it is asked
   * before each job, which costs nothing while the SDK's cached keys are valid.
   */
  constructor(count: number, setup: TransferThreadSetup, credentials: CredentialsProvider | undefined, signal?: AbortSignal) {
    this.#credentials = credentials;
    this.#signal = signal;
    this.#threads = Array.from({ length: count }, () => this.#spawn(setup));
    this.#onAbort = () => {
      for (const thread of this.#threads) if (!thread.stopped) thread.worker.postMessage({ type: 'abort' } satisfies ToTransferThread);
    };
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (signal?.aborted) this.#onAbort();
  }

  #spawn(setup: TransferThreadSetup): ThreadState {
    // A larger young generation: each transfer leaves ~100 KB of short-lived buffers and request objects, and fewer,
    // larger scavenges cost less CPU than many small ones.
    const worker = new Worker(WORKER_FILE, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const thread: ThreadState = { worker, inFlight: new Map() };
    thread.worker.on('message', (message: FromTransferThread) => {
      const pending = thread.inFlight.get(message.id);
      if (!pending) return;
      thread.inFlight.delete(message.id);
      if (message.type === 'done') pending.resolve(message.value);
      else pending.reject(this.#signal?.aborted && message.error.name === 'AbortError' ? this.#signal.reason : fromThreadError(message.error));
    });
    const stop = (error: Error) => {
      if (thread.stopped) return;
      thread.stopped = error;
      for (const pending of thread.inFlight.values()) pending.reject(error);
      thread.inFlight.clear();
    };
    thread.worker.on('error', (error) => stop(new Error(`a transfer thread failed: ${error.message}`)));
    thread.worker.on('exit', (code) => stop(new Error(`a transfer thread stopped (exit code ${code})`)));
    return thread;
  }

  /** Downloads one object in a thread; resolves or rejects exactly as `downloadObject` would in this one. */
  download(job: DownloadJob): Promise<DownloadedFile> {
    return this.#run({ type: 'download', id: this.#nextId++, job }) as Promise<DownloadedFile>;
  }

  /** Uploads one small file in a thread; resolves or rejects exactly as `uploadSmallFile` would in this one. */
  upload(job: UploadJob): Promise<{ size: number; etag: string }> {
    return this.#run({ type: 'upload', id: this.#nextId++, job }) as Promise<{ size: number; etag: string }>;
  }

  async #run(message: Extract<ToTransferThread, { id: number }>): Promise<unknown> {
    const identity = this.#credentials ? await this.#credentials() : undefined;
    let thread: ThreadState | undefined;
    for (const candidate of this.#threads) {
      if (!candidate.stopped && (!thread || candidate.inFlight.size < thread.inFlight.size)) thread = candidate;
    }
    if (!thread) throw this.#threads[0].stopped ?? new Error('no transfer thread is running');
    if (identity && identity !== thread.sentCredentials) {
      // Only the fields the signer needs: the identity object may carry functions (it is the SDK's).
      message.credentials = { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey, sessionToken: identity.sessionToken, expiration: identity.expiration };
      thread.sentCredentials = identity;
    }
    const target = thread;
    return new Promise<unknown>((resolve, reject) => {
      target.inFlight.set(message.id, { resolve, reject });
      target.worker.postMessage(message);
    });
  }

  /** Stops the threads; call once no download is in flight. */
  async close(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }
}
