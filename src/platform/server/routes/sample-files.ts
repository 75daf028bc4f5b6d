import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { contentTypeOf } from '../../../s3/content-type';
import { UnauthorizedError } from '../../errors';
import { ErrorBody } from '../../schemas';
import {
  sampleReadUrlFor,
  sampleWriteUrls,
  storedSampleFileForRead,
  storeSampleFile,
  verifySampleFileSignature,
  type SampleFileKind,
} from '../../service/sample-files';
import type { ServerContext } from '../server-context';
import { SampleParams } from './params';
import { rawBody, registerRawBodyRoutes } from './raw-body';

const Kind = Type.Union([Type.Literal('full'), Type.Literal('thumbnail')]);
const FileParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), sampleId: Type.String({ minLength: 1 }), kind: Kind });
type FileParams = Static<typeof FileParams>;
const SignedQuery = Type.Object({ expires: Type.Integer(), signature: Type.String({ minLength: 1 }) });
type SignedQuery = Static<typeof SignedQuery>;
const ReadUrlQuery = Type.Object({ type: Type.Optional(Kind) });
const WriteUrlQuery = Type.Object({ isThumbnail: Type.Optional(Type.Boolean()) });
const SampleWriteUrls = Type.Object({ full: Type.String(), thumb: Type.String() }, { $id: 'SampleWriteUrls' });

/**
 * Lightly's per-sample image URLs — `readurl`, `writeurl`, `writeurls` — and the signed platform route they point at,
 * `…/samples/{sampleId}/file/{full|thumbnail}?expires=&signature=` (GET streams the stored file, PUT stores one).
 */
export function registerSampleFileRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['samples'];
  api.get<{ Params: SampleParams; Querystring: Static<typeof ReadUrlQuery> }>(
    '/v1/datasets/:datasetId/samples/:sampleId/readurl',
    {
      schema: {
        tags,
        summary: "A URL to GET the sample's image or thumbnail without a token, valid for a day",
        params: SampleParams,
        querystring: ReadUrlQuery,
        response: { 200: Type.String(), 404: ErrorBody },
      },
    },
    async (request) => sampleReadUrlFor(ctx.scope(request), request.params.datasetId, request.params.sampleId, request.query.type ?? 'full', ctx.baseUrl(request)),
  );

  api.get<{ Params: SampleParams; Querystring: Static<typeof WriteUrlQuery> }>(
    '/v1/datasets/:datasetId/samples/:sampleId/writeurl',
    {
      schema: {
        tags,
        summary: 'A signed URL to PUT the sample image (or with isThumbnail=true its thumbnail) to, valid for a day',
        params: SampleParams,
        querystring: WriteUrlQuery,
        response: { 200: Type.String(), 404: ErrorBody },
      },
    },
    async (request) => {
      const urls = await sampleWriteUrls(ctx.scope(request), request.params.datasetId, request.params.sampleId, ctx.baseUrl(request));
      return request.query.isThumbnail === true ? urls.thumb : urls.full;
    },
  );

  api.get<{ Params: SampleParams }>(
    '/v1/datasets/:datasetId/samples/:sampleId/writeurls',
    {
      schema: { tags, summary: 'Signed URLs to PUT the sample image and its thumbnail to', params: SampleParams, response: { 200: SampleWriteUrls, 404: ErrorBody } },
    },
    async (request) => sampleWriteUrls(ctx.scope(request), request.params.datasetId, request.params.sampleId, ctx.baseUrl(request)),
  );

  const checkSignature = (verb: 'GET' | 'PUT', params: FileParams, query: SignedQuery) => {
    if (!verifySampleFileSignature(ctx.store, verb, params, params.kind as SampleFileKind, query.expires, query.signature)) {
      throw new UnauthorizedError(`the signed ${verb === 'GET' ? 'read' : 'write'} URL is invalid or has expired; ask for a new one`);
    }
  };

  api.get<{ Params: FileParams; Querystring: SignedQuery }>(
    '/v1/datasets/:datasetId/samples/:sampleId/file/:kind',
    {
      config: { public: true },
      schema: { tags, summary: 'The signed read URL from readurl and the exports', params: FileParams, querystring: SignedQuery, response: { 401: ErrorBody, 404: ErrorBody } },
    },
    async (request, reply) => {
      checkSignature('GET', request.params, request.query);
      const file = await storedSampleFileForRead(ctx.store, request.params, request.params.kind);
      const info = await stat(file);
      return reply
        .header('cache-control', 'private, max-age=3600')
        .header('content-length', info.size)
        .type(contentTypeOf(file))
        .send(createReadStream(file));
    },
  );

  registerRawBodyRoutes(api, (upload) => {
    upload.put<{ Params: FileParams; Querystring: SignedQuery }>(
      '/v1/datasets/:datasetId/samples/:sampleId/file/:kind',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'The signed write URL from writeurl(s): PUT the image bytes; a full image without a thumbnail gets one',
          params: FileParams,
          querystring: SignedQuery,
          response: { 200: Type.Object({ sizeInBytes: Type.Integer() }), 400: ErrorBody, 401: ErrorBody, 413: ErrorBody },
        },
      },
      async (request) => {
        checkSignature('PUT', request.params, request.query);
        const sizeInBytes = await storeSampleFile(ctx.store, request.params, request.params.kind, rawBody(request, 'the image bytes'));
        return { sizeInBytes };
      },
    );
  });
}
