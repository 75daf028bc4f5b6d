import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { objectEmbeddingsUploadPath, saveObjectEmbeddings } from '../../service/object-embeddings';
import { PredictionsUploadRequest, PredictionsUploadResult, RoundSamplesData, SampleScoreData, ScoresQuery } from '../../prediction-schemas';
import { Pagination } from '../../schemas';
import { getPredictJobResult, startPredict } from '../../service/predict-job';
import * as predictions from '../../service/predictions';
import { roundSamplesWithNames } from '../../service/rounds';
import { streamToFile } from '../../service/stream-to-file';
import type { ServerContext } from '../server-context';
import { BULK_BODY_LIMIT, DatasetParams, SampleParams, TagParams } from './params';
import { rawBody, registerRawBodyRoutes } from './raw-body';

const TaskQuery = Type.Intersect([
  Pagination,
  Type.Object({ category: Type.Optional(Type.String({ minLength: 1 })), minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) }),
]);
const ScoresPageQuery = Type.Intersect([Pagination, ScoresQuery]);
const PredictJobBody = Type.Object(
  { task: Type.String({ minLength: 1, maxLength: 200 }), model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
const JobParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), jobId: Type.String({ minLength: 1 }) });
const TaskParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), task: Type.String({ minLength: 1 }) });

/** Predictions and active-learning scores per sample (Winnow extension, in Lightly's prediction format). */
export function registerPredictionRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['predictions'];
  api.post<{ Params: DatasetParams; Body: PredictionsUploadRequest }>(
    '/v1/datasets/:datasetId/predictions',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: {
        tags,
        summary: "Store predictions (Lightly's datasource format, one entry per image) and compute the tasks' scores; bad images are reported, the rest stored",
        params: DatasetParams,
        body: PredictionsUploadRequest,
        response: { 200: PredictionsUploadResult },
      },
    },
    async (request) => predictions.savePredictionsFromBody(ctx.scope(request), request.params.datasetId, request.body),
  );

  api.post<{ Params: DatasetParams; Body: Static<typeof PredictJobBody> }>(
    '/v1/datasets/:datasetId/predictions/predict',
    {
      schema: {
        tags,
        summary: "Queue a job that runs a built-in classifier (default: the default model's ImageNet head) over the images the platform stores and stores the predictions and scores; poll GET /v1/jobs/{jobId}",
        params: DatasetParams,
        body: PredictJobBody,
        response: { 200: Type.Object({ jobId: Type.String() }) },
      },
    },
    async (request) => startPredict(ctx.scope(request), ctx.runner, request.params.datasetId, request.body),
  );

  api.get<{ Params: Static<typeof JobParams> }>(
    '/v1/datasets/:datasetId/predictions/jobs/:jobId',
    { schema: { tags, summary: 'What a finished predict job stored, and the images and predictions it could not (named)', params: JobParams } },
    async (request) => getPredictJobResult(ctx.scope(request), request.params.datasetId, request.params.jobId),
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/predictions/tasks',
    { schema: { tags, summary: "The dataset's prediction tasks, with sample counts and score names", params: DatasetParams } },
    async (request) => predictions.listPredictionTasks(ctx.scope(request), request.params.datasetId),
  );

  api.get<{ Params: Static<typeof TaskParams>; Querystring: Static<typeof TaskQuery> }>(
    '/v1/datasets/:datasetId/predictions/tasks/:task',
    {
      schema: {
        tags,
        summary: "A task's predictions per sample, in dataset order; filter by predicted category name and minimum confidence",
        params: TaskParams,
        querystring: TaskQuery,
      },
    },
    async (request) => predictions.listPredictions(ctx.scope(request), request.params.datasetId, request.params.task, request.query),
  );

  api.get<{ Params: SampleParams }>(
    '/v1/datasets/:datasetId/samples/:sampleId/predictions',
    { schema: { tags, summary: "Every task's predictions of one sample, with the task's categories", params: SampleParams } },
    async (request) => predictions.getSamplePredictions(ctx.scope(request), request.params.datasetId, request.params.sampleId),
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof ScoresPageQuery> }>(
    '/v1/datasets/:datasetId/scores',
    {
      schema: {
        tags,
        summary: 'Active-learning scores per sample (computed from predictions, or uploaded on a tag), in dataset order',
        params: DatasetParams,
        querystring: ScoresPageQuery,
        response: { 200: Type.Array(SampleScoreData) },
      },
    },
    async (request) => predictions.listScores(ctx.scope(request), request.params.datasetId, request.query),
  );

  registerRawBodyRoutes(api, (upload) => {
    upload.put<{ Params: Static<typeof TaskParams> }>(
      '/v1/datasets/:datasetId/predictions/tasks/:task/objectEmbeddings',
      {
        schema: {
          tags,
          summary:
            "PUT an object-detection task's object-crop embeddings (Lightly CSV, rows `<file name>#<prediction index>`, as winnow predictions embed-objects writes), for selection configs with {input: {type: EMBEDDINGS, task}, strategy: {type: DIVERSITY}}",
          params: TaskParams,
          response: { 200: Type.Object({ task: Type.String(), objects: Type.Integer(), images: Type.Integer(), dim: Type.Integer() }) },
        },
      },
      async (request) => {
        const { datasetId, task } = request.params;
        const body = rawBody(request, 'the CSV file');
        const target = await objectEmbeddingsUploadPath(ctx.scope(request), datasetId, task);
        await streamToFile(body, target, ctx.maxCsvBytes, 'the CSV');
        return saveObjectEmbeddings(ctx.scope(request), datasetId, task, target);
      },
    );
  });

  api.get<{ Params: TagParams; Querystring: { sinceTagId?: string } }>(
    '/v1/datasets/:datasetId/tags/:tagId/round',
    {
      schema: {
        tags: ['tags'],
        summary: "A selection tag's round (length of its preselection chain) and the samples new in it: not in sinceTagId, by default the previous round's tag",
        params: TagParams,
        querystring: Type.Object({ sinceTagId: Type.Optional(Type.String({ minLength: 1 })) }),
        response: { 200: RoundSamplesData },
      },
    },
    async (request) => roundSamplesWithNames(ctx.scope(request), request.params.datasetId, request.params.tagId, request.query.sinceTagId),
  );
}
