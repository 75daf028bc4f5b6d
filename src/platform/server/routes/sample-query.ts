import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../../schemas';
import { querySamples } from '../../service/sample-query';
import type { ServerContext } from '../server-context';
import { DatasetParams } from './params';

const Field = Type.String({ minLength: 3, maxLength: 500, description: '`<source>:<key>`, e.g. `metadata:weather.temperature`' });
const Bound = Type.Union([Type.Number(), Type.Null()]);

export const SampleQueryRequest = Type.Object(
  {
    tagId: Type.Optional(Type.String()),
    within: Type.Optional(Type.String({ pattern: '^(0[xX])?[0-9a-fA-F]+$', maxLength: 1_000_000, description: 'Only these samples: a bitmask, bit k = sample k' })),
    search: Type.Optional(Type.String({ maxLength: 500, description: 'File name contains (case-insensitive for ASCII)' })),
    filters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Field,
            values: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 1000 })),
            range: Type.Optional(Type.Tuple([Bound, Bound])),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    defaults: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    facets: Type.Optional(Type.Array(Field, { maxItems: 100 })),
    histograms: Type.Optional(
      Type.Array(
        Type.Object(
          { field: Field, bins: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), extent: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])) },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    page: Type.Optional(
      Type.Object(
        { offset: Type.Optional(Type.Integer({ minimum: 0 })), size: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })) },
        { additionalProperties: false },
      ),
    ),
    members: Type.Optional(Type.Boolean({ description: 'Also answer the matching samples as a bitmask (bit k = sample k)' })),
  },
  { additionalProperties: false },
);
export type SampleQueryRequest = Static<typeof SampleQueryRequest>;

export const SampleQueryResponse = Type.Object({
  total: Type.Integer(),
  items: Type.Array(Type.Object({ index: Type.Integer(), id: Type.String(), fileName: Type.String() })),
  facets: Type.Record(Type.String(), Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }))),
  histograms: Type.Record(Type.String(), Type.Object({ extent: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]), counts: Type.Array(Type.Integer()) })),
  members: Type.Optional(Type.String()),
});

export function registerSampleQueryRoutes(api: FastifyInstance, ctx: ServerContext): void {
  api.post<{ Params: DatasetParams; Body: SampleQueryRequest }>(
    '/v1/datasets/:datasetId/samples/query',
    {
      schema: {
        tags: ['samples'],
        summary: 'Filter, count and page samples in the store (Winnow extension): tag, file name search, field filters, facet counts, histograms',
        params: DatasetParams,
        body: SampleQueryRequest,
        response: { 200: SampleQueryResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => querySamples(ctx.scope(request), request.params.datasetId, request.body),
  );
}
