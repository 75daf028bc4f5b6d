import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InvalidConfigError } from '../errors';
import { createS3Client, parseS3Uri, type S3Settings } from './s3-settings';

// SigV4 presigned URLs are valid for at most 7 days.
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * A presigned GET URL for one object (`s3://bucket/key`), so a browser can show an image without credentials.
 * Signing is local: no request is sent, so a wrong key only shows when the URL is fetched.
 *
 * @example
 * await presignReadUrl(s3, 's3://datalake/farm/cow-001.jpg', 900)
 * // → 'http://127.0.0.1:9000/datalake/farm/cow-001.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&…&X-Amz-Expires=900&…'
 */
export async function presignReadUrl(s3: S3Settings, uri: string, expiresSeconds: number): Promise<string> {
  const { bucket, prefix: key } = parseS3Uri(uri);
  if (key === '' || key.endsWith('/')) throw new InvalidConfigError(`presignReadUrl needs an object URI, got ${JSON.stringify(uri)}`, 'INVALID_S3_URI');
  // A `..` segment would be resolved by proxies and some stores: `p/../../etc/passwd` must not be signed at all.
  if (key.split('/').some((segment) => segment === '..')) {
    throw new InvalidConfigError(`refusing to presign a key with a ".." segment: ${JSON.stringify(uri)}`, 'UNSAFE_FILE_NAME');
  }
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRY_SECONDS) {
    throw new InvalidConfigError(`expiresSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS} (7 days), got ${expiresSeconds}`);
  }
  const client = createS3Client(s3);
  try {
    return await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresSeconds });
  } finally {
    client.destroy();
  }
}
