import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../../schemas';
import { listSamplingRuns } from '../../service/sampling-runs';
import type { ServerContext } from '../server-context';
import { DatasetParams } from './params';

const SamplingRun = Type.Object({
  jobId: Type.String(),
  tagName: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  strategy: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.Number(),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  resultTagId: Type.Union([Type.String(), Type.Null()]),
  selected: Type.Union([Type.Integer(), Type.Null()]),
});

export function registerSamplingRunRoutes(api: FastifyInstance, ctx: ServerContext): void {
  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/sampling/runs',
    {
      schema: {
        tags: ['selection'],
        summary: "A dataset's sampling runs, newest first: strategy, parameters, time, status and the size of the result (Winnow extension)",
        params: DatasetParams,
        response: { 200: Type.Array(SamplingRun), 404: ErrorBody },
      },
    },
    async (request) => listSamplingRuns(ctx.scope(request), request.params.datasetId),
  );
}
