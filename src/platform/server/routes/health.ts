import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AsyncTaskData, ErrorBody } from '../../schemas';
import { getHealthMeasureColumns, getHealthReport, getLatestHealth, startHealth, type HealthJobRequest } from '../../service/health';
import { findSimilarSamples } from '../../service/similar';
import type { ServerContext } from '../server-context';
import { DatasetParams, EmbeddingParams, SampleParams } from './params';

const HealthCreateRequest = Type.Object(
  {
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'nearDuplicateThreshold, layoutThreshold, keeper, outlierK, outlierThreshold, thresholds, neighbours' })),
    tagPrefix: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const HealthParams = Type.Intersect([DatasetParams, Type.Object({ jobId: Type.String() })]);

/** Winnow extension: dataset health (duplicates, outliers, quality issues) as a job, and its report. */
export function registerHealthRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['health'];
  api.post<{ Params: EmbeddingParams; Body: HealthJobRequest }>(
    '/v1/datasets/:datasetId/embeddings/:embeddingId/health',
    {
      schema: {
        tags,
        summary: 'Start a health job: exact and near duplicates with keepers, outliers, quality issues; makes tags (duplicates-removed, outliers, blurry, …)',
        params: EmbeddingParams,
        body: HealthCreateRequest,
        response: { 200: AsyncTaskData, 400: ErrorBody },
      },
    },
    async (request) => startHealth(ctx.scope(request), ctx.runner, request.params.datasetId, request.params.embeddingId, request.body),
  );

  // Static paths: fastify matches them before `/health/:jobId`.
  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/health/latest',
    {
      schema: {
        tags,
        summary: "The dataset's newest health job ({ jobId, embeddingId, status, error, createdAt, report }; report is null until it has FINISHED), or null",
        params: DatasetParams,
        response: { 200: Type.Unknown(), 404: ErrorBody },
      },
    },
    async (request) => getLatestHealth(ctx.scope(request), request.params.datasetId),
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/health/measures',
    {
      schema: {
        tags,
        summary: "Every sample's quality measures as columns in dataset order ({ sampleIds, fileNames, columns: { sharpness: [..], brightness: [..], … } }; null = not measured)",
        params: DatasetParams,
        response: { 200: Type.Unknown(), 404: ErrorBody },
      },
    },
    async (request) => getHealthMeasureColumns(ctx.scope(request), request.params.datasetId),
  );

  api.get<{ Params: SampleParams; Querystring: { k?: number; embeddingId?: string } }>(
    '/v1/datasets/:datasetId/samples/:sampleId/similar',
    {
      schema: {
        tags,
        summary: "The k samples nearest to this one in embedding space (cosine), from the dataset's persistent ANN index",
        params: SampleParams,
        querystring: Type.Object({ k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), embeddingId: Type.Optional(Type.String({ minLength: 1 })) }),
        response: {
          200: Type.Object({
            embeddingId: Type.String(),
            fileName: Type.String(),
            neighbours: Type.Array(Type.Object({ sampleId: Type.String(), fileName: Type.String(), similarity: Type.Number() })),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => findSimilarSamples(ctx.scope(request), request.params.datasetId, request.params.sampleId, request.query),
  );

  api.get<{ Params: { datasetId: string; jobId: string } }>(
    '/v1/datasets/:datasetId/health/:jobId',
    {
      schema: {
        tags,
        summary: 'The report of a finished health job (JSON as `winnow health --json` prints it)',
        params: HealthParams,
        response: { 200: Type.Unknown(), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getHealthReport(ctx.scope(request), request.params.datasetId, request.params.jobId),
  );
}
