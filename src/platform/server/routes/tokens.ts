import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiTokenInfo } from '../../schemas';
import { createApiToken, listApiTokens, revokeApiToken } from '../../service/tokens';
import type { ServerContext } from '../server-context';

const TokenCreateRequest = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

/** The caller's own API tokens (Winnow extension, used by the web app's token screen). */
export function registerTokenRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['tokens'];
  api.get('/v1/tokens', { schema: { tags, response: { 200: Type.Array(ApiTokenInfo) } } }, async (request) =>
    listApiTokens(ctx.store, { userId: request.userId }),
  );

  api.post<{ Body: Static<typeof TokenCreateRequest> }>(
    '/v1/tokens',
    {
      schema: {
        tags,
        summary: 'Issue another token for the caller; the token is in this response only',
        body: TokenCreateRequest,
        response: { 201: Type.Object({ token: Type.String(), info: ApiTokenInfo }) },
      },
    },
    async (request, reply) => reply.status(201).send(await createApiToken(ctx.store, { userId: request.userId, name: request.body.name })),
  );

  api.delete<{ Params: { tokenId: string } }>(
    '/v1/tokens/:tokenId',
    { schema: { tags, params: Type.Object({ tokenId: Type.String({ minLength: 1 }) }), response: { 200: ApiTokenInfo } } },
    async (request) => revokeApiToken(ctx.store, request.params.tokenId, { userId: request.userId }),
  );
}
