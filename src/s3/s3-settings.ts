import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { InvalidConfigError } from '../errors';
import { guardedLookup, type S3EndpointPolicy } from './endpoint-policy';

/**
 * How to reach S3 or an S3-compatible store (MinIO, Ceph, R2, …).
 * Without keys the default AWS credential chain is used (env vars, shared config/SSO, web identity, instance role).
 */
export interface S3Settings {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  /** Custom endpoint such as `http://127.0.0.1:9000`; AWS when absent. */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint` (MinIO and most self-hosted stores need it). */
  forcePathStyle?: boolean;
  /** Send unsigned requests, for public buckets; keys are ignored. */
  anonymous?: boolean;
  /**
   * Endpoints allowed to be reached (the platform sets it for users' datasources): with it, every connection refuses
   * a host that resolves to an internal address unless the policy lists it. Without it, the caller is the operator.
   */
  endpointPolicy?: S3EndpointPolicy;
}

/** A bucket and a key prefix, parsed from `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  /** Key prefix without a leading slash; empty for the whole bucket. */
  prefix: string;
}

// S3 bucket naming rules allow 3–63 lower-case letters, digits, dots and hyphens; underscores and capitals exist
// only on legacy us-east-1 buckets and on some S3-compatible stores, so they are accepted too.
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/**
 * Parses an `s3://bucket/prefix` URI. The prefix keeps what the user wrote (no slash is added here).
 *
 * @example parseS3Uri('s3://datalake/projects/farm-animals') // → { bucket: 'datalake', prefix: 'projects/farm-animals' }
 * @throws InvalidConfigError when the text is not an s3:// URI with a valid bucket name.
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(uri);
  if (!match) throw new InvalidConfigError(`not an S3 URI: ${JSON.stringify(uri)} (expected s3://bucket/prefix)`, 'INVALID_S3_URI');
  const [, bucket, prefix = ''] = match;
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidConfigError(`invalid bucket name ${JSON.stringify(bucket)} in ${JSON.stringify(uri)}`, 'INVALID_S3_URI');
  }
  if (prefix.includes('\0')) throw new InvalidConfigError(`S3 prefix contains a NUL character: ${JSON.stringify(uri)}`, 'INVALID_S3_URI');
  return { bucket, prefix };
}

/** Whether a sync argument names S3 (`s3://…`) rather than a local folder. */
export function isS3Uri(text: string): boolean {
  return text.startsWith('s3://');
}

/**
 * The prefix as a folder: `photos` lists `photos/…`, never `photos-old/…`, the way `aws s3 sync` treats it.
 *
 * @example folderPrefix('photos') // → 'photos/'; folderPrefix('') // → ''
 */
export function folderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** The endpoint as it may appear in messages: any `user:password@` part is dropped. */
export function describeEndpoint(settings: S3Settings): string {
  if (!settings.endpoint) return `AWS S3 (${settings.region ?? 'default region'})`;
  try {
    const url = new URL(settings.endpoint);
    url.username = '';
    url.password = '';
    return url.origin;
  } catch {
    return 'the configured endpoint';
  }
}

/** Options that tune the client for bulk transfer rather than a single call. */
export interface S3ClientTuning {
  /** Most sockets kept open to the endpoint; match the transfer concurrency. */
  maxSockets?: number;
}

/**
 * Builds an S3 client from settings. The SDK's own retries are off: every caller wraps its calls in `withS3Retry`,
 * because only there can a reset in the middle of a response body be retried too, and because two retry layers
 * would multiply the attempts.
 *
 * @example createS3Client({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, accessKeyId: 'k', secretAccessKey: 's' })
 */
export function createS3Client(settings: S3Settings, tuning: S3ClientTuning = {}): S3Client {
  const { accessKeyId, secretAccessKey, sessionToken } = settings;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined) && !settings.anonymous) {
    throw new InvalidConfigError('S3 settings need both accessKeyId and secretAccessKey, or neither (default credential chain)', 'INVALID_S3_SETTINGS');
  }
  if (settings.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(settings.endpoint);
    } catch {
      throw new InvalidConfigError('S3 endpoint is not a URL (expected e.g. http://127.0.0.1:9000)', 'INVALID_S3_SETTINGS');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidConfigError(`S3 endpoint must be http or https, not ${url.protocol}`, 'INVALID_S3_SETTINGS');
    }
  }
  const maxSockets = tuning.maxSockets ?? 16;
  const lookup = settings.endpointPolicy ? guardedLookup(settings.endpointPolicy) : undefined;
  return new S3Client({
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    followRegionRedirects: true,
    maxAttempts: 1,
    // Integrity is checked by ETag/Content-MD5 here; the newer CRC headers are unsupported by several S3-compatible stores.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.anonymous
      ? { credentials: { accessKeyId: '', secretAccessKey: '' }, signer: { sign: async (request) => request } }
      : accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey, sessionToken } }
        : {}),
    requestHandler: new NodeHttpHandler({
      // A dead endpoint must fail fast so the retry loop, not a TCP timeout, decides how long to wait.
      connectionTimeout: 5_000,
      // An idle socket for this long means a stalled transfer; the retry starts it again.
      socketTimeout: 60_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets, lookup }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets, lookup }),
    }),
  });
}
