import { NotFoundError, TransientError, WinnowError } from '../errors';
import { withRetry, type RetryOptions } from '../retry';

// The S3 modules take their retry settings from here; the loop itself is the one in src/retry.ts.
export { backoffDelayMs, type RetryOptions } from '../retry';

/** What a failed S3 call means for the caller. */
export type S3FaultKind =
  /** Throttling, 5xx, connection refused/reset, timeouts, truncated bodies: trying again may work. */
  | 'transient'
  /** Credentials missing, refused or not allowed: no retry helps. */
  | 'denied'
  /** Bucket or key does not exist. */
  | 'missing'
  /** Anything else (bad request, invalid argument). */
  | 'permanent'
  /** The caller's AbortSignal fired. */
  | 'aborted';

const THROTTLING = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'ProvisionedThroughputExceededException',
  'RequestTimeout', 'RequestTimeoutException', 'PriorRequestNotComplete', 'InternalError', 'ServiceUnavailable',
  'XMinioServerNotInitialized', 'XMinioReadQuorum', 'XMinioWriteQuorum', 'TimeoutError',
]);
const DENIED = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired',
  'AllAccessDisabled', 'AccountProblem', 'InvalidClientTokenId', 'UnrecognizedClientException', 'CredentialsProviderError',
  'Forbidden', 'XMinioAdminInvalidAccessKey',
]);
const MISSING = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound', 'NoSuchUpload']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  errno?: number;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** A body that ended early or did not match its ETag: the transfer, not the object, is at fault. */
export class TransferIntegrityError extends Error {
  override readonly name = 'TransferIntegrityError';
}

/** Classifies an error thrown by the S3 client, a response stream or the network. */
export function classifyS3Error(error: unknown): S3FaultKind {
  const e = shape(error);
  if (e.name === 'AbortError' && !(e.$metadata?.httpStatusCode)) return 'aborted';
  if (error instanceof TransferIntegrityError) return 'transient';
  if (e.name && THROTTLING.has(e.name)) return 'transient';
  if (e.code && NETWORK_CODES.has(e.code)) return 'transient';
  if (e.name && DENIED.has(e.name)) return 'denied';
  if (e.name && MISSING.has(e.name)) return 'missing';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return 'transient';
  if (status === 401 || status === 403) return 'denied';
  if (status === 404) return 'missing';
  if (e.$retryable) return 'transient';
  // Sockets torn down mid-body surface as plain errors whose only clue is the message.
  if (/socket hang up|aborted|premature close|ECONNRESET|ECONNREFUSED|other side closed|timed? ?out/i.test(e.message ?? '')) return 'transient';
  if (e.cause !== undefined && e.cause !== error) {
    const inner = classifyS3Error(e.cause);
    if (inner !== 'permanent') return inner;
  }
  return 'permanent';
}

/**
 * A one-line reason safe to show anywhere: the S3 error code or network code and the service's message, never
 * request headers, signatures or keys.
 *
 * @example describeS3Error(err) // → 'AccessDenied: Access Denied.' or 'connection refused (ECONNREFUSED)'
 */
export function describeS3Error(error: unknown): string {
  const e = shape(error);
  const code = e.code && NETWORK_CODES.has(e.code) ? e.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code) return `network error (${code})`;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' ? e.name : status !== undefined ? `HTTP ${status}` : 'Error';
  let message = (e.message ?? '').split('\n')[0].trim();
  // Some SDK messages echo the request; anything that looks like a signature or credential scope is cut.
  message = message.replace(/(Signature|Credential|X-Amz-[A-Za-z-]+)=[^\s&,]+/g, '$1=…');
  if (message === '' || message === 'UnknownError' || message === name) return status !== undefined && name !== `HTTP ${status}` ? `${name} (HTTP ${status})` : name;
  return `${name}: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
}

/**
 * Runs `call` until it succeeds, retrying only transient faults (throttling, 5xx, resets, truncated bodies) with
 * exponential backoff and jitter. Other faults and the last transient one are rethrown as they are.
 */
export function withS3Retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return withRetry(call, (error) => classifyS3Error(error) === 'transient', options);
}

/**
 * Turns an error from a call that the whole step depends on (listing, bucket check) into the engine's named errors:
 * transient faults become TransientError (Temporal retries the activity), refused credentials and missing buckets
 * become non-retryable errors. `where` names the target, e.g. `s3://bucket/prefix at http://127.0.0.1:9000`.
 */
export function toStepError(error: unknown, action: string, where: string, bucket?: string): Error {
  if (error instanceof WinnowError) return error;
  const kind = classifyS3Error(error);
  const reason = describeS3Error(error);
  switch (kind) {
    case 'aborted':
      return error instanceof Error ? error : new Error(String(error));
    case 'transient':
      return new TransientError(`${action} ${where} failed after retries: ${reason}`, error);
    case 'denied':
      return new WinnowError(`${action} ${where} was refused: ${reason} (check the access key, secret and permissions)`, {
        code: 'S3_ACCESS_DENIED',
        cause: error,
      });
    case 'missing':
      if (bucket !== undefined && shape(error).name === 'NoSuchBucket') return new NotFoundError('S3 bucket', bucket);
      return new WinnowError(`${action} ${where} failed: ${reason}`, { code: 'S3_NOT_FOUND', cause: error });
    default:
      return new WinnowError(`${action} ${where} failed: ${reason}`, { code: 'S3_REQUEST_FAILED', cause: error });
  }
}
