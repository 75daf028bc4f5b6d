import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ActiveLearningScoreCreateRequest, ActiveLearningScoreData, CreateEntityResponse, ErrorBody, TagActiveLearningScoresData } from '../../schemas';
import { exportTagSamples } from '../../service/tag-exports';
import { getTagScores, listTagScores, uploadTagScores } from '../../service/tag-scores';
import type { ServerContext } from '../server-context';
import { TagParams } from './params';

const ExportQuery = Type.Object({
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 25000 })),
  pageOffset: Type.Optional(Type.Integer({ minimum: 0 })),
  expiresIn: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds the read URLs stay valid (default a day, at most 7 days)' })),
  accessControl: Type.Optional(Type.String({ description: 'Accepted for Lightly compatibility; URLs are signed either way' })),
  includeMetaData: Type.Optional(Type.Boolean()),
  previewExample: Type.Optional(Type.Boolean()),
  format: Type.Optional(Type.Union([Type.Literal('JSON'), Type.Literal('PLAIN')])),
  newSinceTagId: Type.Optional(Type.String({ minLength: 1, description: 'Only samples not in this tag, e.g. the previous round (Winnow extension)' })),
});
type ExportQuery = Static<typeof ExportQuery>;
const FileNameFormat = Type.Union([Type.Literal('NAME'), Type.Literal('DATASOURCE_FULL'), Type.Literal('REDIRECTED_READ_URL')]);
const FilenamesQuery = Type.Intersect([ExportQuery, Type.Object({ fileNameFormat: Type.Optional(FileNameFormat) })]);
const ScoreParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), tagId: Type.String({ minLength: 1 }), scoreId: Type.String({ minLength: 1 }) });

const LabelStudioTask = Type.Object(
  {
    id: Type.Integer({ description: 'The sample position in dataset order' }),
    data: Type.Object({ image: Type.String({ description: 'Read URL, no token needed' }), lightlyFileName: Type.String(), lightlyMetaInfo: Type.Optional(Type.Unknown()) }),
  },
  { $id: 'LabelStudioTask' },
);
const LabelBoxDataRow = Type.Object({ externalId: Type.String(), imageUrl: Type.String() }, { $id: 'LabelBoxDataRow' });
const LabelBoxV4DataRow = Type.Object({ row_data: Type.String(), global_key: Type.String(), media_type: Type.Literal('IMAGE') }, { $id: 'LabelBoxV4DataRow' });
const FilenameAndReadUrl = Type.Object({ fileName: Type.String(), readUrl: Type.String() }, { $id: 'FilenameAndReadUrl' });

/**
 * Lightly's tag exports (file names, read URLs, Label Studio tasks, Labelbox data rows — paginated over the tag's
 * samples with `pageSize`/`pageOffset`) and its active-learning scores on tags.
 */
export function registerTagExportRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['tags'];
  const rows = (request: FastifyRequest<{ Params: TagParams; Querystring: ExportQuery }>) =>
    exportTagSamples(ctx.scope(request), request.params.datasetId, request.params.tagId, ctx.baseUrl(request), request.query);

  api.get<{ Params: TagParams; Querystring: Static<typeof FilenamesQuery> }>(
    '/v1/datasets/:datasetId/tags/:tagId/export/basic/filenames',
    {
      schema: {
        tags,
        summary: 'One line per sample of the tag: its file name (NAME), read URL (REDIRECTED_READ_URL) or datasource path (DATASOURCE_FULL)',
        params: TagParams,
        querystring: FilenamesQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const format = request.query.fileNameFormat ?? 'NAME';
      const exported = await exportTagSamples(ctx.scope(request), request.params.datasetId, request.params.tagId, ctx.baseUrl(request), {
        ...request.query,
        readUrls: format === 'REDIRECTED_READ_URL',
      });
      const lines = exported.map((s) => (format === 'NAME' ? s.fileName : format === 'REDIRECTED_READ_URL' ? s.readUrl : s.datasourceUrl));
      return reply.type('text/plain; charset=utf-8').serializer((x: unknown) => String(x)).send(lines.join('\n'));
    },
  );

  api.get<{ Params: TagParams; Querystring: ExportQuery }>(
    '/v1/datasets/:datasetId/tags/:tagId/export/basic/filenamesAndReadUrls',
    { schema: { tags, params: TagParams, querystring: ExportQuery, response: { 200: Type.Array(FilenameAndReadUrl), 404: ErrorBody } } },
    async (request) => (await rows(request)).map((s) => ({ fileName: s.fileName, readUrl: s.readUrl })),
  );

  api.get<{ Params: TagParams; Querystring: ExportQuery }>(
    '/v1/datasets/:datasetId/tags/:tagId/export/LabelStudio/tasks',
    { schema: { tags, summary: 'Label Studio import tasks: one image URL per sample of the tag', params: TagParams, querystring: ExportQuery, response: { 200: Type.Array(LabelStudioTask), 404: ErrorBody } } },
    async (request) =>
      (await rows(request)).map((s) => ({
        id: s.index,
        data: { image: s.readUrl, lightlyFileName: s.fileName, ...(request.query.includeMetaData === true ? { lightlyMetaInfo: s.sample } : {}) },
      })),
  );

  api.get<{ Params: TagParams; Querystring: ExportQuery }>(
    '/v1/datasets/:datasetId/tags/:tagId/export/LabelBox/datarows',
    { schema: { tags, summary: 'Labelbox (v3) data rows', params: TagParams, querystring: ExportQuery, response: { 200: Type.Array(LabelBoxDataRow), 404: ErrorBody } } },
    async (request) => (await rows(request)).map((s) => ({ externalId: s.fileName, imageUrl: s.readUrl })),
  );

  api.get<{ Params: TagParams; Querystring: ExportQuery }>(
    '/v1/datasets/:datasetId/tags/:tagId/export/LabelBoxV4/datarows',
    { schema: { tags, summary: 'Labelbox (v4) data rows', params: TagParams, querystring: ExportQuery, response: { 200: Type.Array(LabelBoxV4DataRow), 404: ErrorBody } } },
    async (request) => (await rows(request)).map((s) => ({ row_data: s.readUrl, global_key: s.fileName, media_type: 'IMAGE' as const })),
  );

  api.post<{ Params: TagParams; Body: ActiveLearningScoreCreateRequest }>(
    '/v1/datasets/:datasetId/tags/:tagId/scores',
    {
      schema: {
        tags,
        summary: "Active-learning scores, one per sample of the tag; a SCORES selection input with key = scoreType reads them",
        params: TagParams,
        body: ActiveLearningScoreCreateRequest,
        response: { 201: CreateEntityResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await uploadTagScores(ctx.scope(request), request.params.datasetId, request.params.tagId, request.body.scoreType, request.body.scores)),
  );

  api.get<{ Params: TagParams }>(
    '/v1/datasets/:datasetId/tags/:tagId/scores',
    { schema: { tags, params: TagParams, response: { 200: Type.Array(TagActiveLearningScoresData), 404: ErrorBody } } },
    async (request) => listTagScores(ctx.scope(request), request.params.datasetId, request.params.tagId),
  );

  api.get<{ Params: Static<typeof ScoreParams> }>(
    '/v1/datasets/:datasetId/tags/:tagId/scores/:scoreId',
    { schema: { tags, params: ScoreParams, response: { 200: ActiveLearningScoreData, 404: ErrorBody } } },
    async (request) => getTagScores(ctx.scope(request), request.params.datasetId, request.params.tagId, request.params.scoreId),
  );
}
