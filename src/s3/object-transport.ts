import { createHash, type Hash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './endpoint-policy';
import type { S3Settings } from './s3-settings';
import { SigV4Signer, UNSIGNED_PAYLOAD, encodeRfc3986 } from './sigv4';

/** Where the reader gets its keys: the S3 client's credential chain, or (in a transfer thread) the keys it was sent. */
export type CredentialsProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/** The response of a GET: the headers the sync needs and the body in memory. */
export interface ObjectBytes {
  /** The body as it arrived, in socket-sized pieces: joining them would cost a copy that a vectored write does not need. */
  chunks: Buffer[];
  /** Bytes received. */
  length: number;
  /** MD5 hex of the body, when asked for (hashed as the pieces arrive). */
  md5?: string;
  etag: string;
  contentLength: number;
  serverSideEncryption?: string;
  sseCustomerAlgorithm?: string;
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 requires for S3 paths.
function encodeKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

const DNS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * Reads and writes whole objects with signed GETs and PUTs sent straight over node:http(s), bypassing the SDK's
 * per-call middleware stack, which cost ~2 ms of CPU per call: on a busy two-core machine that is the difference
 * between trailing `mc mirror` and beating it. Listing, multipart uploads and everything else stay on the SDK client,
 * whose credential chain this transport shares (`client.config.credentials`; a transfer thread passes the keys it
 * was sent). Errors are shaped like SDK errors (`name` = S3 error code, `$metadata.httpStatusCode`), so the same
 * retry and classification apply.
 */
export class ObjectTransport {
  readonly #settings: S3Settings;
  readonly #credentials: CredentialsProvider;
  readonly #agent: http.Agent;
  #region: string;
  #endpoint: URL;
  readonly #signer = new SigV4Signer({ service: 's3' });

  constructor(credentials: CredentialsProvider, settings: S3Settings, maxSockets: number) {
    this.#credentials = credentials;
    this.#settings = settings;
    this.#region = settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.#endpoint = this.#endpointFor(this.#region);
    const secure = this.#endpoint.protocol === 'https:';
    const lookup = settings.endpointPolicy ? guardedLookup(settings.endpointPolicy) : undefined;
    this.#agent = secure ? new https.Agent({ keepAlive: true, maxSockets, lookup }) : new http.Agent({ keepAlive: true, maxSockets, lookup });
  }

  close(): void {
    this.#agent.destroy();
  }

  #endpointFor(region: string): URL {
    return new URL(this.#settings.endpoint ?? `https://s3.${region}.amazonaws.com`);
  }

  /** GETs an object (or a byte range of it) into memory; `ifMatch` pins the ETag the listing saw. */
  async get(bucket: string, key: string, options: GetOptions = {}): Promise<ObjectBytes> {
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = {};
      if (options.range) headers.range = options.range;
      if (options.ifMatch) headers['if-match'] = `"${options.ifMatch}"`;
      const response = await this.#send('GET', bucket, key, headers, options);
      if (this.#redirected(response, redirects)) continue;
      if (response.status !== 200 && response.status !== 206) throw s3ErrorFrom(response.status, Buffer.concat(response.chunks));
      const header = (name: string) => {
        const value = response.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      return {
        chunks: response.chunks,
        length: response.length,
        md5: response.md5,
        etag: (header('etag') ?? '').replace(/"/g, ''),
        contentLength: Number(header('content-length') ?? response.length),
        serverSideEncryption: header('x-amz-server-side-encryption'),
        sseCustomerAlgorithm: header('x-amz-server-side-encryption-customer-algorithm'),
      };
    }
  }

  /**
   * PUTs a small object in one request with Content-MD5, so the store rejects a body damaged on the way (BadDigest).
   * Returns the new ETag.
   */
  async put(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<string> {
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = { 'content-length': String(body.length), 'content-md5': options.contentMd5 };
      if (options.contentType) headers['content-type'] = options.contentType;
      const response = await this.#send('PUT', bucket, key, headers, options, body);
      if (this.#redirected(response, redirects)) continue;
      if (response.status !== 200) throw s3ErrorFrom(response.status, Buffer.concat(response.chunks));
      const etag = response.headers.etag;
      return typeof etag === 'string' ? etag.replace(/"/g, '') : '';
    }
  }

  /** A bucket in another region answers 301 (or 400) with its region; on AWS, follow it once. */
  #redirected(response: RawResponse, redirects: number): boolean {
    const region = response.headers['x-amz-bucket-region'];
    if ((response.status === 301 || response.status === 400) && typeof region === 'string' && region !== this.#region && redirects === 0 && !this.#settings.endpoint) {
      this.#region = region;
      this.#endpoint = this.#endpointFor(region);
      return true;
    }
    return false;
  }

  async #send(method: 'GET' | 'PUT', bucket: string, key: string, extraHeaders: Record<string, string>, options: GetOptions, body?: Buffer): Promise<RawResponse> {
    const endpoint = this.#endpoint;
    let pathStyle = this.#settings.forcePathStyle ?? this.#settings.endpoint !== undefined;
    // Virtual-host addressing needs a DNS-safe bucket, and with TLS no dots (the wildcard certificate covers one label).
    if (!DNS_BUCKET.test(bucket) || (endpoint.protocol === 'https:' && bucket.includes('.'))) pathStyle = true;
    const host = pathStyle ? endpoint.host : `${bucket}.${endpoint.host}`;
    const base = endpoint.pathname.replace(/\/$/, '');
    const path = `${base}${pathStyle ? `/${bucket}` : ''}/${encodeKey(key)}`;
    // The payload is not hashed into the signature: for a GET there is none, and a PUT carries Content-MD5 instead.
    let headers: Record<string, string> = { ...extraHeaders, host, 'x-amz-content-sha256': UNSIGNED_PAYLOAD };
    if (!this.#settings.anonymous) headers = this.#signer.sign({ method, path, headers }, await this.#credentials(), this.#region);
    const transport = endpoint.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        { method, host: endpoint.hostname, port: endpoint.port || undefined, path, headers, agent: this.#agent, signal: options.signal },
        (response) => {
          const chunks: Buffer[] = [];
          let length = 0;
          // Only a body that is the object is worth hashing, not an error document.
          const hash: Hash | undefined = options.md5 && response.statusCode === 200 ? createHash('md5') : undefined;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            length += chunk.length;
            hash?.update(chunk);
          });
          response.on('end', () => {
            if (!response.complete) return reject(Object.assign(new Error('response ended early'), { code: 'ECONNRESET' }));
            resolve({ status: response.statusCode ?? 0, headers: response.headers, chunks, length, md5: hash?.digest('hex') });
          });
          response.on('error', reject);
          response.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        },
      );
      // An idle socket this long means a stalled transfer; the retry starts it again.
      request.setTimeout(60_000, () => request.destroy(Object.assign(new Error('socket idle for 60 s'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(body);
    });
  }
}

interface GetOptions {
  range?: string;
  ifMatch?: string;
  /** Hash the body with MD5 as it arrives (to check it against a plain-MD5 ETag). */
  md5?: boolean;
  signal?: AbortSignal;
}

interface PutOptions {
  /** Base64 MD5 of the body. */
  contentMd5: string;
  contentType?: string;
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  chunks: Buffer[];
  length: number;
  md5?: string;
}

/** An S3 XML error body as an error the SDK would have thrown (name = Code, `$metadata.httpStatusCode`). */
function s3ErrorFrom(status: number, body: Buffer): Error {
  const text = body.toString('utf8', 0, Math.min(body.length, 4096));
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const code = field('Code') ?? (status === 404 ? 'NotFound' : status === 412 ? 'PreconditionFailed' : status === 403 ? 'Forbidden' : `HTTP${status}`);
  const message = field('Message') ?? `HTTP ${status}`;
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
}
