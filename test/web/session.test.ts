import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformServer } from '../../src/platform/server/create-server';
import { createApiToken, revokeApiToken } from '../../src/platform/service/tokens';
import type { Store } from '../../src/platform/store/store';
import { dialects, tempHome } from '../platform/helpers';

/** Web sessions on both store backends: sign in with a token once, then only the HttpOnly cookie travels. */
describe.each(dialects())('web sessions ($name)', (dialect) => {
  let store: Store;
  let app: FastifyInstance;
  let home: { home: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    home = await tempHome();
    store = await dialect.open(home.home);
    app = createPlatformServer({ store });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await dialect.dispose(home.home);
    await home.cleanup();
  });

  const signIn = async (token: string) => {
    const response = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    const setCookie = String(response.headers['set-cookie'] ?? '');
    return { response, setCookie, cookie: setCookie.split(';')[0] };
  };

  it('signs in with a token and answers with an HttpOnly, SameSite=Strict cookie that carries no token', async () => {
    const { token } = await createApiToken(store, { name: 'web' });
    const { response, setCookie, cookie } = await signIn(token);
    expect(response.statusCode).toBe(201);
    expect(setCookie).toMatch(/^winnow_session=[\w-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(token);
    expect(response.body).not.toContain(token);

    const list = await app.inject({ method: 'GET', url: '/v1/datasets', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode).toBe(200);
  });

  it('rejects a wrong token with 401 naming no secret', async () => {
    const { response, setCookie } = await signIn('wnw_not-a-real-token');
    expect(response.statusCode).toBe(401);
    expect(setCookie).toBe('');
    expect(response.body).not.toContain('not-a-real');
  });

  it('needs the web-request header on cookie-signed writes (no cross-site form can send it)', async () => {
    const { token } = await createApiToken(store, { name: 'csrf' });
    const { cookie } = await signIn(token);
    const bare = await app.inject({ method: 'POST', url: '/v1/datasets', headers: { cookie }, payload: { name: 'csrf-ds' } });
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const marked = await app.inject({ method: 'POST', url: '/v1/datasets', headers: { cookie, 'x-winnow-request': '1' }, payload: { name: 'csrf-ds' } });
    expect(marked.statusCode).toBe(201);
  });

  it('sign-out ends the session server-side: the old cookie stops working', async () => {
    const { token } = await createApiToken(store, { name: 'out' });
    const { cookie } = await signIn(token);
    const out = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await app.inject({ method: 'GET', url: '/v1/datasets', headers: { cookie } })).statusCode).toBe(401);
  });

  it('revoking the token ends the sessions signed in with it; REST keeps Bearer auth', async () => {
    const { token, info } = await createApiToken(store, { name: 'revoked' });
    const { cookie } = await signIn(token);
    expect((await app.inject({ method: 'GET', url: '/v1/datasets', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    await revokeApiToken(store, info.id);
    const after = await app.inject({ method: 'GET', url: '/v1/datasets', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toContain('session has ended');
  });
});
