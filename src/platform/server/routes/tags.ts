import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreateEntityResponse,
  ErrorBody,
  ImgType as ImgTypeSchema,
  TagArithmeticsRequest,
  TagArithmeticsResponse,
  TagCreateRequest,
  TagCreator,
  TagData,
  TagFromFilenamesRequest,
  TagFromScoresRequest,
} from '../../schemas';
import { getDataset, setDatasetImgType } from '../../service/datasets';
import { createTagFromScores } from '../../service/selection';
import * as tagService from '../../service/tags';
import type { ServerContext } from '../server-context';
import { BULK_BODY_LIMIT, DatasetParams, TagParams } from './params';

const TagUpdateRequest = Type.Object({
  name: TagCreateRequest.properties.name,
  bitMaskData: Type.Optional(TagCreateRequest.properties.bitMaskData),
  updateCreator: Type.Optional(TagCreator),
});

export function registerTagRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['tags'];
  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/tags',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(TagData) } } },
    async (request) => tagService.listTags(ctx.scope(request), request.params.datasetId),
  );

  api.post<{ Params: DatasetParams; Body: TagCreateRequest }>(
    '/v1/datasets/:datasetId/tags',
    { bodyLimit: BULK_BODY_LIMIT, schema: { tags, params: DatasetParams, body: TagCreateRequest, response: { 201: CreateEntityResponse, 409: ErrorBody } } },
    async (request, reply) => {
      const tag = await tagService.createTag(ctx.scope(request), request.params.datasetId, request.body);
      return reply.status(201).send({ id: tag.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: { imgType?: ImgTypeSchema } | undefined }>(
    '/v1/datasets/:datasetId/tags/initial',
    {
      schema: {
        tags,
        summary: "Lightly compatibility: initial-tag is kept up to date with the samples, so this returns it (and records the upload's imgType on the dataset)",
        params: DatasetParams,
        body: Type.Optional(Type.Object({ imgType: Type.Optional(ImgTypeSchema) }, { additionalProperties: true })),
        response: { 201: CreateEntityResponse },
      },
    },
    async (request, reply) => {
      const scope = ctx.scope(request);
      await getDataset(scope, request.params.datasetId);
      // Lightly's upload_dataset says here what it uploaded: full images, thumbnails only, or metadata only.
      if (request.body?.imgType !== undefined) await setDatasetImgType(scope, request.params.datasetId, request.body.imgType);
      const tag = await tagService.getTagByName(scope, request.params.datasetId, tagService.INITIAL_TAG);
      return reply.status(201).send({ id: tag.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: { upsizeTagName: string; upsizeTagCreator?: TagCreator; runId?: string } }>(
    '/v1/datasets/:datasetId/tags/upsize',
    {
      schema: {
        tags,
        summary: 'Lightly compatibility: a tag holding every sample after an upload grew the dataset (initial-tag grows by itself)',
        params: DatasetParams,
        body: Type.Object({ upsizeTagName: Type.String({ minLength: 3 }), upsizeTagCreator: Type.Optional(TagCreator), runId: Type.Optional(Type.String()) }),
        response: { 201: CreateEntityResponse },
      },
    },
    async (request, reply) => {
      const scope = ctx.scope(request);
      const dataset = await getDataset(scope, request.params.datasetId);
      const initial = await tagService.getTagByName(scope, dataset.id, tagService.INITIAL_TAG);
      const tag = await tagService.createTag(scope, dataset.id, {
        name: request.body.upsizeTagName,
        prevTagId: initial.id,
        bitMaskData: initial.bitMaskData,
        creator: request.body.upsizeTagCreator,
        runId: request.body.runId,
        changes: { upsize: { runId: request.body.runId ?? null, from: initial.totSize, to: dataset.nSamples } },
      });
      return reply.status(201).send({ id: tag.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: TagFromFilenamesRequest }>(
    '/v1/datasets/:datasetId/tags/fromFilenames',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: { tags, summary: 'Create a tag from file names (Winnow extension)', params: DatasetParams, body: TagFromFilenamesRequest, response: { 201: CreateEntityResponse } },
    },
    async (request, reply) => {
      const tag = await tagService.createTagFromFilenames(ctx.scope(request), request.params.datasetId, request.body);
      return reply.status(201).send({ id: tag.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: TagFromScoresRequest }>(
    '/v1/datasets/:datasetId/tags/fromScores',
    {
      schema: {
        tags,
        summary: 'Create a tag of the n best-ranked samples of a finished selection job (Winnow extension)',
        params: DatasetParams,
        body: TagFromScoresRequest,
        response: { 201: CreateEntityResponse },
      },
    },
    async (request, reply) => {
      const tag = await createTagFromScores(ctx.scope(request), request.params.datasetId, request.body);
      return reply.status(201).send({ id: tag.id });
    },
  );

  api.post<{ Params: DatasetParams; Body: TagArithmeticsRequest }>(
    '/v1/datasets/:datasetId/tags/arithmetics',
    { schema: { tags, params: DatasetParams, body: TagArithmeticsRequest, response: { 200: TagArithmeticsResponse } } },
    async (request) => tagService.tagArithmetics(ctx.scope(request), request.params.datasetId, request.body),
  );

  api.post<{ Params: DatasetParams; Body: TagArithmeticsRequest }>(
    '/v1/datasets/:datasetId/tags/arithmetics/bitmask',
    { schema: { tags, params: DatasetParams, body: TagArithmeticsRequest, response: { 200: Type.Object({ bitMaskData: Type.String() }) } } },
    async (request) => {
      const { bitMaskData } = await tagService.tagArithmetics(ctx.scope(request), request.params.datasetId, { ...request.body, newTagName: undefined });
      return { bitMaskData };
    },
  );

  api.get<{ Params: TagParams }>(
    '/v1/datasets/:datasetId/tags/:tagId',
    { schema: { tags, params: TagParams, response: { 200: TagData, 404: ErrorBody } } },
    async (request) => tagService.getTag(ctx.scope(request), request.params.datasetId, request.params.tagId),
  );

  api.put<{ Params: TagParams; Body: Static<typeof TagUpdateRequest> }>(
    '/v1/datasets/:datasetId/tags/:tagId',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: { tags, summary: "Rename a tag or replace its samples (Lightly's update_tag_by_tag_id)", params: TagParams, body: TagUpdateRequest, response: { 200: TagData, 409: ErrorBody } },
    },
    async (request) => tagService.updateTag(ctx.scope(request), request.params.datasetId, request.params.tagId, request.body),
  );

  api.delete<{ Params: TagParams }>(
    '/v1/datasets/:datasetId/tags/:tagId',
    { schema: { tags, params: TagParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await tagService.deleteTag(ctx.scope(request), request.params.datasetId, request.params.tagId);
      return reply.status(204).send();
    },
  );

  api.get<{ Params: TagParams }>(
    '/v1/datasets/:datasetId/tags/:tagId/filenames',
    { schema: { tags, params: TagParams, response: { 200: Type.Array(Type.String()) } } },
    async (request) => tagService.exportFilenames(ctx.scope(request), request.params.datasetId, request.params.tagId),
  );
}
