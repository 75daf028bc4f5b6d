import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CreateEntityResponse, ErrorBody, SharedAccessConfigCreateRequest, SharedAccessConfigData } from '../../schemas';
import { getSharedAccessConfigs, setSharedUsers } from '../../service/sharing';
import type { ServerContext } from '../server-context';
import { DatasetParams } from './params';

/** Lightly's dataset sharing: `share_dataset_only_with` and `get_shared_users` of its client. */
export function registerCollaborationRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['collaboration'];
  api.post<{ Params: DatasetParams; Body: SharedAccessConfigCreateRequest }>(
    '/v1/datasets/:datasetId/collaboration/access',
    {
      schema: {
        tags,
        summary: 'Share the dataset with exactly these users (by user name); [] revokes every share. Owner only',
        params: DatasetParams,
        body: SharedAccessConfigCreateRequest,
        response: { 201: CreateEntityResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => reply.status(201).send(await setSharedUsers(ctx.scope(request), request.params.datasetId, request.body)),
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/collaboration/access',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(SharedAccessConfigData), 404: ErrorBody } } },
    async (request) => getSharedAccessConfigs(ctx.scope(request), request.params.datasetId),
  );
}
