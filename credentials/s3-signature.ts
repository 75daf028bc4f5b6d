import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';
import { SigV4Signer } from '../src/s3/sigv4';

const signer = new SigV4Signer({ service: 's3' });

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
  const query: Record<string, string[]> = {};
  url.searchParams.forEach((value, key) => {
    (query[key] ??= []).push(value);
  });
  const body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : undefined;
  const headers = signer.sign(
    {
      method: options.method ?? 'GET',
      path: url.pathname,
      query,
      // S3 wants the payload's hash as a header too, not only inside the signature.
      headers: { ...(options.headers as Record<string, string> | undefined), host: url.host, 'x-amz-content-sha256': createHash('sha256').update(body ?? '').digest('hex') },
    },
    {
      accessKeyId: String(credentials.accessKeyId ?? '').trim(),
      secretAccessKey: String(credentials.secretAccessKey ?? '').trim(),
      ...(sessionToken === '' ? {} : { sessionToken }),
    },
    String(credentials.region || 'us-east-1'),
  );
  return {
    ...options,
    baseURL: undefined,
    url: url.toString(),
    qs: undefined,
    headers,
  };
}
