import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError, NotFoundError } from '../../../errors';
import { UnauthorizedError } from '../../errors';
import { startUmap } from '../../service/umap-job';
import { AsyncTaskData, Embedding2dData, EmbeddingData, EmbeddingUploadResult, ErrorBody, SamplingCreateRequest, WriteCsvUrlData } from '../../schemas';
import * as embeddings from '../../service/embeddings';
import { startSelection } from '../../service/selection';
import { streamToFile } from '../../service/stream-to-file';
import type { ServerContext } from '../server-context';
import { DatasetParams, EmbeddingParams } from './params';
import { rawBody, registerRawBodyRoutes } from './raw-body';

const WriteUrlQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) });
const SignedQuery = Type.Object({ expires: Type.Integer(), signature: Type.String({ minLength: 1 }) });
const EmbeddingModelData = Type.Object({ embeddingId: Type.String(), model: Type.Union([Type.String(), Type.Null()]) });

/** The header Winnow's clients send with an embeddings CSV upload: the model id from the CSV's model record. */
export const MODEL_HEADER = 'x-winnow-model';

/** A model id is a short printable token (`efficientnet-lite0@a491…`, `clip.onnx@…`); anything else is refused. */
function modelHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const model = Array.isArray(value) ? value[0] : value;
  if (!/^[\w.@:+/-]{1,200}$/.test(model)) {
    throw new InvalidInputError({ file: 'headers', column: MODEL_HEADER }, 'must be a model id such as efficientnet-lite0@a491eddbb11182f3');
  }
  return model;
}

export function registerEmbeddingRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['embeddings'];
  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/embeddings',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(EmbeddingData) } } },
    async (request) => embeddings.listEmbeddings(ctx.scope(request), request.params.datasetId),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof WriteUrlQuery> }>(
    '/v1/datasets/:datasetId/embeddings/writeCSVUrl',
    {
      schema: {
        tags,
        summary: 'Reserve an embedding (by name) and get a signed URL to PUT its CSV to; re-using a name replaces it',
        params: DatasetParams,
        querystring: WriteUrlQuery,
        response: { 200: WriteCsvUrlData },
      },
    },
    async (request) => embeddings.createEmbeddingWriteUrl(ctx.scope(request), request.params.datasetId, request.query.name, ctx.baseUrl(request)),
  );

  api.get<{ Params: EmbeddingParams; Querystring: { method?: 'PCA' | 'UMAP' } }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/2d',
    {
      schema: {
        tags,
        summary: '2-D coordinates for the embedding map: PCA (default, computed on upload) or UMAP (after POST …/2d/umap has finished)',
        params: EmbeddingParams,
        querystring: Type.Object({ method: Type.Optional(Type.Union([Type.Literal('PCA'), Type.Literal('UMAP')])) }),
        response: { 200: Embedding2dData, 404: ErrorBody },
      },
    },
    async (request) => embeddings.getEmbedding2d(ctx.scope(request), request.params.datasetId, request.params.embeddingId, request.query.method),
  );

  api.post<{ Params: EmbeddingParams }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/2d/umap',
    {
      schema: {
        tags,
        summary: "Start a job computing the embedding's 2-D UMAP map in the platform's worker (up to 100,000 samples); poll /v1/jobs/{jobId}",
        params: EmbeddingParams,
        response: { 200: AsyncTaskData, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => startUmap(ctx.scope(request), ctx.runner, request.params.datasetId, request.params.embeddingId),
  );

  api.get<{ Params: EmbeddingParams }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/model',
    {
      schema: {
        tags,
        summary: 'Winnow extension: the model that made the embedding (sent as x-winnow-model with the CSV), or null',
        params: EmbeddingParams,
        response: { 200: EmbeddingModelData, 404: ErrorBody },
      },
    },
    async (request) => embeddings.getEmbeddingModel(ctx.scope(request), request.params.datasetId, request.params.embeddingId),
  );

  api.get<{ Params: EmbeddingParams }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/readCSVUrl',
    { schema: { tags, summary: 'A signed URL to GET the uploaded CSV (valid for one hour)', params: EmbeddingParams, response: { 200: Type.String() } } },
    async (request) => embeddings.createEmbeddingReadUrl(ctx.scope(request), request.params.datasetId, request.params.embeddingId, ctx.baseUrl(request)),
  );

  api.get<{ Params: EmbeddingParams; Querystring: Static<typeof SignedQuery> }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/csv',
    { config: { public: true }, schema: { tags, summary: 'The signed read URL from readCSVUrl', params: EmbeddingParams, querystring: SignedQuery } },
    async (request, reply) => {
      const { datasetId, embeddingId } = request.params;
      if (!embeddings.verifyEmbeddingSignature(ctx.store, 'GET', datasetId, embeddingId, request.query.expires, request.query.signature)) {
        throw new UnauthorizedError('the signed download URL is invalid or has expired; ask readCSVUrl for a new one');
      }
      const row = await ctx.store.db.selectFrom('embeddings').select('file_path').where('id', '=', embeddingId).where('dataset_id', '=', datasetId).executeTakeFirst();
      if (!row || row.file_path === null) throw new NotFoundError('CSV of embedding', embeddingId);
      return reply.type('text/csv; charset=utf-8').send(createReadStream(path.join(ctx.store.home, row.file_path)));
    },
  );

  api.post<{ Params: EmbeddingParams }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/trigger2dEmbeddingsJob',
    {
      schema: {
        tags,
        summary: 'Lightly compatibility: PCA coordinates are computed on upload, so this only checks the embedding exists',
        params: EmbeddingParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await embeddings.getEmbedding(ctx.scope(request), request.params.datasetId, request.params.embeddingId);
      return reply.status(204).send();
    },
  );

  api.post<{ Params: EmbeddingParams; Body: SamplingCreateRequest }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/sampling',
    { schema: { tags: ['selection'], params: EmbeddingParams, body: SamplingCreateRequest, response: { 200: AsyncTaskData } } },
    async (request) => startSelection(ctx.scope(request), ctx.runner, request.params.datasetId, request.params.embeddingId, request.body),
  );

  registerRawBodyRoutes(api, (upload) => {
    upload.put<{ Params: EmbeddingParams; Querystring: Static<typeof SignedQuery> }>(
      '/v1/datasets/:datasetId/embeddings/:embeddingId/csv',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'The signed write URL from writeCSVUrl: PUT the CSV bytes; validated against the dataset\'s samples',
          params: EmbeddingParams,
          querystring: SignedQuery,
          response: { 200: EmbeddingUploadResult, 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (request) => {
        const { datasetId, embeddingId } = request.params;
        if (!embeddings.verifyEmbeddingSignature(ctx.store, 'PUT', datasetId, embeddingId, request.query.expires, request.query.signature)) {
          throw new UnauthorizedError('the signed upload URL is invalid or has expired; ask writeCSVUrl for a new one');
        }
        const row = await ctx.store.db.selectFrom('embeddings').select('name').where('id', '=', embeddingId).where('dataset_id', '=', datasetId).executeTakeFirst();
        if (!row) throw new NotFoundError('embedding', embeddingId);
        const body = rawBody(request, 'the CSV file');
        const target = await embeddings.embeddingUploadPath(ctx.store, datasetId);
        await streamToFile(body, target, ctx.maxCsvBytes, 'the CSV');
        return embeddings.ingestEmbeddingsCsv(ctx.store, datasetId, embeddingId, target, { label: `${row.name}.csv`, model: modelHeader(request.headers[MODEL_HEADER]) });
      },
    );
  });
}
