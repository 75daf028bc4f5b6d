import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, JobStatusData, SelectionScore } from '../../schemas';
import { getJob, getSelectionScores } from '../../service/selection';
import type { ServerContext } from '../server-context';
import { JobParams } from './params';

export function registerJobRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['selection'];
  api.get<{ Params: JobParams }>(
    '/v1/jobs/:jobId',
    { schema: { tags, params: JobParams, response: { 200: JobStatusData, 404: ErrorBody } } },
    async (request) => getJob(ctx.scope(request), request.params.jobId),
  );

  api.get<{ Params: JobParams }>(
    '/v1/jobs/:jobId/scores',
    {
      schema: {
        tags,
        summary: 'The full ranking of a finished selection job, best first (Winnow extension)',
        params: JobParams,
        response: { 200: Type.Array(SelectionScore) },
      },
    },
    async (request) => getSelectionScores(ctx.scope(request), request.params.jobId),
  );
}
