import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreatedSample,
  CreateEntityResponse,
  ErrorBody,
  Pagination,
  SampleBatchCreateRequest,
  SampleCreateRequest,
  SampleData,
  SampleUpdateRequest,
} from '../../schemas';
import { sampleReadUrl } from '../../service/datasources';
import * as samples from '../../service/samples';
import type { ServerContext } from '../server-context';
import { BULK_BODY_LIMIT, DatasetParams, SampleParams } from './params';

const SamplesQuery = Type.Intersect([Pagination, Type.Object({ fileName: Type.Optional(Type.String()) })]);
const PartialQuery = Type.Intersect([
  Pagination,
  Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('ids'), Type.Literal('fileNames'), Type.Literal('full')])) }),
]);
const MappingsQuery = Type.Intersect([Pagination, Type.Object({ field: Type.Union([Type.Literal('fileName'), Type.Literal('_id')]) })]);

export function registerSampleRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['samples'];
  api.post<{ Params: DatasetParams; Body: SampleCreateRequest }>(
    '/v1/datasets/:datasetId/samples',
    { schema: { tags, params: DatasetParams, body: SampleCreateRequest, response: { 201: CreateEntityResponse } } },
    async (request, reply) => {
      const [created] = await samples.createSamples(ctx.scope(request), request.params.datasetId, [request.body]);
      // 201 for a new sample, 200 when this fileName already existed (idempotent create).
      return reply.status(created.created ? 201 : 200).send({ id: created.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: SampleBatchCreateRequest }>(
    '/v1/datasets/:datasetId/samples/batch',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Create many samples at once (Winnow extension); idempotent by fileName',
        params: DatasetParams,
        body: SampleBatchCreateRequest,
        response: { 200: Type.Array(CreatedSample) },
      },
    },
    async (request) => samples.createSamples(ctx.scope(request), request.params.datasetId, request.body.samples),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof SamplesQuery> }>(
    '/v1/datasets/:datasetId/samples',
    { schema: { tags, params: DatasetParams, querystring: SamplesQuery, response: { 200: Type.Array(SampleData) } } },
    async (request) => samples.listSamples(ctx.scope(request), request.params.datasetId, request.query),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof PartialQuery> }>(
    '/v1/datasets/:datasetId/samples/partial',
    { schema: { tags, params: DatasetParams, querystring: PartialQuery } },
    async (request) => {
      const list = await samples.listSamples(ctx.scope(request), request.params.datasetId, request.query);
      const mode = request.query.mode ?? 'full';
      if (mode === 'ids') return list.map((s) => ({ id: s.id }));
      if (mode === 'fileNames') return list.map((s) => ({ id: s.id, fileName: s.fileName }));
      return list;
    },
  );

  api.get<{ Params: SampleParams }>(
    '/v1/datasets/:datasetId/samples/:sampleId',
    { schema: { tags, params: SampleParams, response: { 200: SampleData, 404: ErrorBody } } },
    async (request) => samples.getSample(ctx.scope(request), request.params.datasetId, request.params.sampleId),
  );

  api.put<{ Params: SampleParams; Body: SampleUpdateRequest }>(
    '/v1/datasets/:datasetId/samples/:sampleId',
    { schema: { tags, params: SampleParams, body: SampleUpdateRequest, response: { 200: SampleData } } },
    async (request) => samples.updateSample(ctx.scope(request), request.params.datasetId, request.params.sampleId, request.body),
  );

  api.get<{ Params: SampleParams; Querystring: { type?: 'full' | 'thumbnail' } }>(
    '/v1/datasets/:datasetId/samples/:sampleId/readurlRedirect',
    {
      schema: {
        tags,
        summary: "Redirect (302) to a presigned URL of the sample's image or thumbnail in the dataset's S3 datasource",
        params: SampleParams,
        querystring: Type.Object({ type: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('thumbnail')])) }),
      },
    },
    async (request, reply) => {
      const url = await sampleReadUrl(ctx.scope(request), request.params.datasetId, request.params.sampleId, request.query.type);
      return reply.redirect(url, 302);
    },
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof MappingsQuery> }>(
    '/v1/datasets/:datasetId/mappings',
    {
      schema: {
        tags,
        summary: 'One field of every sample in dataset order: list index = bit index of every tag bitmask',
        params: DatasetParams,
        querystring: MappingsQuery,
        response: { 200: Type.Array(Type.String()) },
      },
    },
    async (request) => samples.getMappings(ctx.scope(request), request.params.datasetId, request.query.field, request.query),
  );
}
