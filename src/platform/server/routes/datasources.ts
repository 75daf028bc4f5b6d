import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../errors';
import { DatasourceConfigS3, DatasourcePermissionsData, DatasourcePurpose, DatasourceRawSamplesData, ErrorBody } from '../../schemas';
import * as datasources from '../../service/datasources';
import type { ServerContext } from '../create-server';
import { DatasetParams } from './params';

const PurposeQuery = Type.Object({ purpose: Type.Optional(DatasourcePurpose) });
const ListQuery = Type.Object({
  purpose: Type.Optional(DatasourcePurpose),
  cursor: Type.Optional(Type.String()),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export function registerDatasourceRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['datasources'];
  api.put<{ Params: DatasetParams; Body: DatasourceConfigS3 }>(
    '/v1/datasets/:datasetId/datasource',
    {
      schema: {
        tags,
        summary: 'Set the S3 datasource for its purpose; s3SecretAccessKey is write-only and stored encrypted',
        params: DatasetParams,
        body: DatasourceConfigS3,
        response: { 200: DatasourceConfigS3 },
      },
    },
    async (request) => datasources.setDatasource(ctx.scope(request), request.params.datasetId, request.body),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof PurposeQuery> }>(
    '/v1/datasets/:datasetId/datasource',
    { schema: { tags, params: DatasetParams, querystring: PurposeQuery, response: { 200: DatasourceConfigS3, 404: ErrorBody } } },
    async (request) => datasources.getDatasource(ctx.scope(request), request.params.datasetId, request.query.purpose),
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/datasource/all',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(DatasourceConfigS3) } } },
    async (request) => {
      const out = [];
      for (const purpose of ['INPUT_OUTPUT', 'INPUT', 'LIGHTLY'] as const) {
        try {
          out.push(await datasources.getDatasource(ctx.scope(request), request.params.datasetId, purpose));
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      return out;
    },
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof PurposeQuery> }>(
    '/v1/datasets/:datasetId/datasource/verify',
    { schema: { tags, params: DatasetParams, querystring: PurposeQuery, response: { 200: DatasourcePermissionsData } } },
    async (request) => datasources.verifyDatasource(ctx.scope(request), request.params.datasetId, request.query.purpose),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof ListQuery> }>(
    '/v1/datasets/:datasetId/datasource/list',
    { schema: { tags, params: DatasetParams, querystring: ListQuery, response: { 200: DatasourceRawSamplesData } } },
    async (request) => datasources.listDatasourceFiles(ctx.scope(request), request.params.datasetId, request.query),
  );
}
