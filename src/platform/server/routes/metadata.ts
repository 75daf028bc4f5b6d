import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CreateEntityResponse, CustomMetadata, CustomMetadataUploadResult, MetadataConfiguration, MetadataConfigurationCreateRequest } from '../../schemas';
import * as metadata from '../../service/metadata';
import type { ServerContext } from '../server-context';
import { BULK_BODY_LIMIT, DatasetParams } from './params';

const ConfigurationParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), configurationId: Type.String({ minLength: 1 }) });

export function registerMetadataRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['metadata'];
  api.post<{ Params: DatasetParams; Body: CustomMetadata }>(
    '/v1/datasets/:datasetId/customMetadata',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Bulk custom metadata upload of the COCO-like file in one request (Winnow extension)',
        params: DatasetParams,
        body: CustomMetadata,
        response: { 200: CustomMetadataUploadResult },
      },
    },
    async (request) => metadata.uploadCustomMetadata(ctx.scope(request), request.params.datasetId, request.body),
  );

  api.post<{ Params: DatasetParams; Body: MetadataConfigurationCreateRequest }>(
    '/v1/datasets/:datasetId/configuration/metadata',
    { schema: { tags, params: DatasetParams, body: MetadataConfigurationCreateRequest, response: { 201: CreateEntityResponse } } },
    async (request, reply) => {
      const created = await metadata.createMetadataConfiguration(ctx.scope(request), request.params.datasetId, request.body);
      return reply.status(201).send({ id: created.id });
    },
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/configuration/metadata',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(MetadataConfiguration) } } },
    async (request) => metadata.listMetadataConfigurations(ctx.scope(request), request.params.datasetId),
  );

  api.get<{ Params: { datasetId: string; configurationId: string } }>(
    '/v1/datasets/:datasetId/configuration/metadata/:configurationId',
    { schema: { tags, params: ConfigurationParams, response: { 200: MetadataConfiguration } } },
    async (request) => metadata.getMetadataConfiguration(ctx.scope(request), request.params.datasetId, request.params.configurationId),
  );
}
