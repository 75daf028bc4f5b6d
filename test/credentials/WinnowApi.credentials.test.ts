import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinnowApi } from '../../credentials/WinnowApi.credentials';
import { startServer, tempHome, type RunningServer } from '../platform/helpers';

const credential = new WinnowApi();

describe('Winnow API credential', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: RunningServer;

  beforeAll(async () => {
    home = await tempHome();
    server = await startServer(home.home);
  });
  afterAll(async () => {
    await server.close();
    await home.cleanup();
  });

  /** The credential test request as n8n resolves it: base URL without trailing slash, the bearer header from `authenticate`. */
  async function testRequest(baseUrl: string, token: string): Promise<Response> {
    const request = credential.test.request;
    const url = new URL(`${baseUrl.replace(/\/+$/, '')}${request.url}`);
    for (const [key, value] of Object.entries(request.qs ?? {})) url.searchParams.set(key, String(value));
    const template = String(credential.authenticate.properties.headers?.Authorization);
    return fetch(url, { headers: { Authorization: template.replace(/^=/, '').replace('{{$credentials.apiToken}}', token) } });
  }

  it('passes against the platform with its token, also with a trailing slash in the URL', async () => {
    expect((await testRequest(server.baseUrl, server.token)).status).toBe(200);
    expect((await testRequest(`${server.baseUrl}/`, server.token)).status).toBe(200);
  });

  it('fails with 401 on a wrong token, which the credential turns into an actionable message', async () => {
    expect((await testRequest(server.baseUrl, 'wrong')).status).toBe(401);
    const rule = credential.test.rules?.find((r) => r.type === 'responseCode' && r.properties.value === 401);
    expect(rule?.properties.message).toMatch(/token/);
  });

  it('sends the token as a bearer header and stores it as a password', () => {
    expect(credential.authenticate.properties.headers).toEqual({ Authorization: '=Bearer {{$credentials.apiToken}}' });
    expect(credential.properties.find((p) => p.name === 'apiToken')?.typeOptions?.password).toBe(true);
    expect(credential.test.request.baseURL).toContain('$credentials.baseUrl');
  });
});
