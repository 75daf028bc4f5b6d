import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AsyncTaskData, ErrorBody } from '../../schemas';
import { getHealthReport, startHealth, type HealthJobRequest } from '../../service/health';
import type { ServerContext } from '../server-context';
import { DatasetParams, EmbeddingParams } from './params';

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
