import { describe, expect, it } from 'vitest';
import { s3EndpointUrl } from '../../credentials/s3-signature';
import { WinnowS3 } from '../../credentials/WinnowS3.credentials';
import { minioCredentials } from '../nodes/s3-fixtures';

const credential = new WinnowS3();

/** Sends the credential's own test request (ListBuckets) after its `authenticate`, as n8n's "Test credential" does. */
async function testRequest(data: ReturnType<typeof minioCredentials>): Promise<Response> {
  const signed = await credential.authenticate(data, { baseURL: s3EndpointUrl(data), url: credential.test.request.url ?? '/', method: 'GET' });
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return fetch(signed.url, { method: signed.method, headers });
}

describe('Winnow S3 credential', () => {
  it('signs a ListBuckets request that MinIO accepts', async () => {
    const response = await testRequest(minioCredentials());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('ListAllMyBucketsResult');
  });

  it('fails the test with 403 on a wrong secret, which the credential explains', async () => {
    const response = await testRequest({ ...minioCredentials(), secretAccessKey: 'not-the-secret' });
    expect(response.status).toBe(403);
    expect(credential.test.rules?.[0]).toMatchObject({ type: 'responseCode', properties: { value: 403 } });
  });

  it('signs query parameters and session tokens, and never leaves the secret in the request', async () => {
    const signed = await credential.authenticate(
      { ...minioCredentials(), sessionToken: 'session-token' },
      { baseURL: 'http://127.0.0.1:9000/', url: 'bucket', qs: { 'list-type': 2, prefix: 'a b' }, method: 'GET' },
    );
    expect(signed.url).toBe('http://127.0.0.1:9000/bucket?list-type=2&prefix=a+b');
    const headers = signed.headers as Record<string, string>;
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
    expect(JSON.stringify(signed)).not.toContain(String(minioCredentials().secretAccessKey));
  });

  it("defaults to AWS's regional endpoint and marks secrets as passwords", () => {
    expect(s3EndpointUrl({ region: 'eu-central-1', endpoint: '' })).toBe('https://s3.eu-central-1.amazonaws.com');
    const passwords = credential.properties.filter((p) => p.typeOptions?.password).map((p) => p.name);
    expect(passwords).toEqual(['secretAccessKey', 'sessionToken']);
  });
});
