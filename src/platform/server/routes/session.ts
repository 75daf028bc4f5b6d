import { Type, type Static } from '@sinclair/typebox';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody } from '../../schemas';
import { createWebSession, endWebSession, SESSION_COOKIE, SESSION_MAX_AGE_MS } from '../../service/sessions';
import type { ServerContext } from '../server-context';

const SignInRequest = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const SessionInfo = Type.Object({ userId: Type.String(), expiresAt: Type.Integer() });

/** The session id the browser sent in its cookie, if any. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header === undefined ? undefined : parseCookie(header)[SESSION_COOKIE];
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  reply.header(
    'set-cookie',
    stringifySetCookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: maxAgeSeconds,
      // Behind TLS (directly or via a proxy that says so) the cookie never travels in clear.
      secure: request.protocol === 'https',
    }),
  );
}

/**
 * Web-app sign-in (Winnow extension): `POST /v1/session { token }` checks the API token once and answers with an
 * HttpOnly, SameSite=Strict session cookie, so the browser never keeps the token and no URL carries it;
 * `GET /v1/session` says whether the cookie is still good; `DELETE /v1/session` ends the session server-side.
 * REST clients keep using `Authorization: Bearer`.
 */
export function registerSessionRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['session'];
  api.post<{ Body: Static<typeof SignInRequest> }>(
    '/v1/session',
    {
      config: { public: true },
      schema: { tags, summary: 'Sign the web app in with an API token; sets the session cookie', body: SignInRequest, response: { 201: SessionInfo, 401: ErrorBody } },
    },
    async (request, reply) => {
      const session = await createWebSession(ctx.store, request.body.token);
      setSessionCookie(request, reply, session.id, SESSION_MAX_AGE_MS / 1000);
      return reply.status(201).send({ userId: session.userId, expiresAt: session.expiresAt });
    },
  );
  api.get('/v1/session', { schema: { tags, summary: 'The signed-in user (401 when the session has ended)', response: { 200: Type.Object({ userId: Type.String() }) } } }, async (request) => ({
    userId: request.userId,
  }));
  api.delete('/v1/session', { config: { public: true }, schema: { tags, summary: 'Sign out: ends the session server-side and clears the cookie' } }, async (request, reply) => {
    await endWebSession(ctx.store, sessionCookie(request));
    setSessionCookie(request, reply, '', 0);
    return reply.status(204).send();
  });
}
