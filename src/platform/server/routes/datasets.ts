import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateEntityResponse, DatasetCreateRequest, DatasetData, ErrorBody, Pagination } from '../../schemas';
import * as datasets from '../../service/datasets';
import type { ServerContext } from '../server-context';
import { DatasetParams } from './params';

const SharingQuery = Type.Object({
  shared: Type.Optional(Type.Boolean({ description: 'true: only the datasets other users shared with the caller' })),
  getAssetsOfTeam: Type.Optional(Type.Boolean({ description: 'true: datasets of the caller\'s teams (Winnow has no teams: none)' })),
});
type SharingQuery = Static<typeof SharingQuery>;
const NameQuery = Type.Intersect([Type.Object({ exact: Type.Optional(Type.Boolean()) }), SharingQuery]);
const ListQuery = Type.Intersect([Pagination, SharingQuery]);

/** Lightly's client asks own, shared and team datasets in separate calls and merges them; each call gets its own set. */
function listFor(ctx: ServerContext, request: FastifyRequest, query: SharingQuery, page: Pagination = {}) {
  if (query.getAssetsOfTeam === true) return Promise.resolve([]);
  return datasets.listDatasets(ctx.scope(request), page, { shared: query.shared === true });
}

export function registerDatasetRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['datasets'];
  api.post<{ Body: DatasetCreateRequest }>(
    '/v1/datasets',
    { schema: { tags, body: DatasetCreateRequest, response: { 201: CreateEntityResponse, 409: ErrorBody } } },
    async (request, reply) => {
      const dataset = await datasets.createDataset(ctx.scope(request), request.body);
      return reply.status(201).send({ id: dataset.id });
    },
  );

  api.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/datasets',
    { schema: { tags, querystring: ListQuery, response: { 200: Type.Array(DatasetData) } } },
    async (request) => listFor(ctx, request, request.query, request.query),
  );

  api.get<{ Params: { name: string }; Querystring: Static<typeof NameQuery> }>(
    '/v1/datasets/query/name/:name',
    { schema: { tags, params: Type.Object({ name: Type.String() }), querystring: NameQuery, response: { 200: Type.Array(DatasetData) } } },
    async (request) => {
      const all = await listFor(ctx, request, request.query);
      const { name } = request.params;
      // Lightly's exact=false is a prefix search.
      return all.filter((d) => (request.query.exact === false ? d.name.startsWith(name) : d.name === name));
    },
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId',
    { schema: { tags, params: DatasetParams, response: { 200: DatasetData, 404: ErrorBody } } },
    async (request) => datasets.getDataset(ctx.scope(request), request.params.datasetId),
  );

  api.put<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/registerDatasetUpload',
    {
      schema: {
        tags,
        summary: "Lightly compatibility: its upload_dataset announces an upload first; nothing to prepare here",
        params: DatasetParams,
        body: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      await datasets.getDataset(ctx.scope(request), request.params.datasetId);
      return {};
    },
  );

  api.get(
    '/v1/quota',
    { schema: { tags, summary: 'Lightly compatibility: the largest dataset size, as a string', response: { 200: Type.String() } } },
    // Lightly's client compares this with the sample count before an upload; the store has no limit of its own.
    async () => String(Number.MAX_SAFE_INTEGER),
  );

  api.delete<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId',
    { schema: { tags, params: DatasetParams, response: { 204: Type.Null(), 404: ErrorBody } } },
    async (request, reply) => {
      await datasets.deleteDataset(ctx.scope(request), request.params.datasetId);
      return reply.status(204).send();
    },
  );
}
