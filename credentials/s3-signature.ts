import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 (or HMAC-SHA-256 when given a secret) on node:crypto, in the shape SignatureV4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }
}

/** The endpoint S3 requests go to: the custom one (MinIO, R2, …) or AWS's regional endpoint. */
export function s3EndpointUrl(credentials: ICredentialDataDecryptedObject): string {
  const endpoint = String(credentials.endpoint ?? '').trim();
  if (endpoint !== '') return endpoint.replace(/\/+$/, '');
  return `https://s3.${String(credentials.region || 'us-east-1')}.amazonaws.com`;
}

function absoluteUrl(options: IHttpRequestOptions): URL {
  const base = String(options.baseURL ?? '').replace(/\/+$/, '');
  const url = /^https?:\/\//.test(options.url) ? new URL(options.url) : new URL(`${base}/${options.url.replace(/^\/+/, '')}`);
  for (const [key, value] of Object.entries(options.qs ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.append(key, String(value));
  }
  return url;
}

/**
 * Signs an n8n HTTP request with AWS Signature V4 for S3. The query is folded into the URL before signing, so n8n
 * cannot re-encode it differently from what was signed.
 */
export async function signS3Request(
  credentials: ICredentialDataDecryptedObject,
  options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
  const url = absoluteUrl(options);
  const sessionToken = String(credentials.sessionToken ?? '').trim();
  const signer = new SignatureV4({
    service: 's3',
    region: String(credentials.region || 'us-east-1'),
    credentials: {
      accessKeyId: String(credentials.accessKeyId ?? '').trim(),
      secretAccessKey: String(credentials.secretAccessKey ?? '').trim(),
      ...(sessionToken === '' ? {} : { sessionToken }),
    },
    sha256: NodeSha256,
    // S3 signs the path exactly as sent (AWS's rule for S3 only).
    uriEscapePath: false,
  });
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
  });
  const body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : undefined;
  const signed = await signer.sign({
    method: options.method ?? 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers: { ...(options.headers as Record<string, string> | undefined), host: url.host },
    body,
  });
  return {
    ...options,
    baseURL: undefined,
    url: url.toString(),
    qs: undefined,
    headers: signed.headers,
  };
}
