import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError, NotFoundError } from '../../../errors';
import { contentTypeOf } from '../../../s3/content-type';
import { assertSafeFileName } from '../../../safe-names';
import { UnauthorizedError } from '../../errors';
import {
  DatasourceConfigLocal,
  DatasourceConfigS3,
  DatasourcePermissionsData,
  DatasourcePurpose,
  DatasourceRawSamplesData,
  ErrorBody,
  UNSUPPORTED_DATASOURCE_TYPES,
} from '../../schemas';
import { getDataset, setProcessedUntil } from '../../service/datasets';
import * as datasources from '../../service/datasources';
import * as local from '../../service/local-datasources';
import { checkRequest } from '../../validate';
import type { ServerContext } from '../server-context';
import { DatasetParams } from './params';

/**
 * What GET returns in place of the S3 secret: Lightly's client requires the field, and the secret itself never
 * leaves the server. PUT with this value keeps the stored secret (a config read, edited and written back).
 */
export const REDACTED_SECRET = '********';

const PurposeQuery = Type.Object({ purpose: Type.Optional(DatasourcePurpose) });
const ListQuery = Type.Object({
  purpose: Type.Optional(DatasourcePurpose),
  cursor: Type.Optional(Type.String()),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  useRedirectedReadUrl: Type.Optional(Type.Boolean({ description: 'Accepted for Lightly compatibility; read URLs are always directly usable' })),
  relevantFilenamesFileName: Type.Optional(Type.String()),
});
const DncQuery = Type.Object({
  purpose: Type.Optional(DatasourcePurpose),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds: only files modified at or after' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds: only files modified at or before' })),
  dncShards: Type.Optional(Type.Integer({ minimum: 1 })),
  relevantFilenamesFileName: Type.Optional(Type.String()),
});
const TaskQuery = Type.Object({ taskName: Type.String({ minLength: 1, maxLength: 255, description: 'The prediction task (its folder under .lightly/predictions/)' }) });

/** A task name as one folder name: never a path of its own. */
function taskFolder(taskName: string | undefined): string {
  if (taskName === undefined) throw new InvalidInputError({ file: 'query', column: 'taskName' }, 'required: the prediction task to list');
  assertSafeFileName(taskName, { file: 'query', column: 'taskName' });
  if (taskName.includes('/')) throw new InvalidInputError({ file: 'query', column: 'taskName' }, `${JSON.stringify(taskName)} must be one folder name`);
  return taskName;
}

const AnyConfig = Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true });
type AnyConfig = Static<typeof AnyConfig>;
const DatasourceConfig = Type.Union([DatasourceConfigS3, DatasourceConfigLocal]);
const ProcessedUntil = Type.Object({ processedUntilTimestamp: Type.Integer({ minimum: 0, description: 'Unix seconds' }) }, { $id: 'DatasourceProcessedUntilTimestamp' });
const LocalFileQuery = Type.Object({ fileName: Type.String({ minLength: 1 }), expires: Type.Integer(), signature: Type.String({ minLength: 1 }) });

type Config = DatasourceConfigS3 | DatasourceConfigLocal;

/** The S3 config as the API shows it: the secret replaced by {@link REDACTED_SECRET}. */
function shown(config: Config): Config {
  return config.type === 'S3' ? { ...config, s3SecretAccessKey: REDACTED_SECRET } : config;
}

export function registerDatasourceRoutes(api: FastifyInstance, ctx: ServerContext): void {
  const tags = ['datasources'];

  async function getConfig(request: FastifyRequest, datasetId: string, purpose: DatasourcePurpose = 'INPUT_OUTPUT'): Promise<Config> {
    await getDataset(ctx.scope(request), datasetId);
    const localConfig = await local.findLocalDatasource(ctx.store, datasetId, purpose);
    return localConfig ?? (await datasources.getDatasource(ctx.scope(request), datasetId, purpose));
  }

  api.put<{ Params: DatasetParams; Body: AnyConfig }>(
    '/v1/datasets/:datasetId/datasource',
    {
      schema: {
        tags,
        summary:
          'Set the datasource for its purpose: S3 (s3SecretAccessKey write-only, stored encrypted) or LOCAL (a folder under the server\'s --local-datasource-root); GCS, AZURE, OBS and S3DelegatedAccess are refused',
        params: DatasetParams,
        body: AnyConfig,
        response: { 200: DatasourceConfig, 400: ErrorBody },
      },
    },
    async (request) => {
      const { datasetId } = request.params;
      const body = request.body;
      if (body.type === 'S3') {
        const config = { ...body } as DatasourceConfigS3;
        // A config read back (with the redacted placeholder) and written again keeps its secret.
        if (config.s3SecretAccessKey === REDACTED_SECRET) delete config.s3SecretAccessKey;
        checkRequest(DatasourceConfigS3, config, 'body');
        return shown(await datasources.setDatasource(ctx.scope(request), datasetId, config));
      }
      if (body.type === 'LOCAL') {
        checkRequest(DatasourceConfigLocal, body, 'body');
        return local.setLocalDatasource(ctx.scope(request), datasetId, body as DatasourceConfigLocal);
      }
      const known = (UNSUPPORTED_DATASOURCE_TYPES as readonly string[]).includes(body.type);
      throw new InvalidInputError(
        { file: 'body', column: 'type' },
        `${known ? 'datasource type' : 'unknown datasource type'} ${JSON.stringify(body.type)}${known ? ' is not supported by Winnow' : ''}: it reads S3 (and S3-compatible stores such as MinIO) and LOCAL folders`,
        'UNSUPPORTED_DATASOURCE',
      );
    },
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof PurposeQuery> }>(
    '/v1/datasets/:datasetId/datasource',
    { schema: { tags, params: DatasetParams, querystring: PurposeQuery, response: { 200: DatasourceConfig, 404: ErrorBody } } },
    async (request) => shown(await getConfig(request, request.params.datasetId, request.query.purpose)),
  );

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/datasource/all',
    { schema: { tags, params: DatasetParams, response: { 200: Type.Array(DatasourceConfig) } } },
    async (request) => {
      const out = [];
      for (const purpose of ['INPUT_OUTPUT', 'INPUT', 'LIGHTLY'] as const) {
        try {
          out.push(shown(await getConfig(request, request.params.datasetId, purpose)));
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      return out;
    },
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof PurposeQuery> }>(
    '/v1/datasets/:datasetId/datasource/verify',
    { schema: { tags, params: DatasetParams, querystring: PurposeQuery, response: { 200: DatasourcePermissionsData } } },
    async (request) => {
      const config = await getConfig(request, request.params.datasetId, request.query.purpose);
      // A LOCAL datasource was checked when set (a folder inside the root) and is read-only by design.
      if (config.type === 'LOCAL') return { canRead: true, canList: true, canWrite: false, canOverwrite: false, errors: { canWrite: 'LOCAL datasources are read-only' } };
      return datasources.verifyDatasource(ctx.scope(request), request.params.datasetId, request.query.purpose);
    },
  );

  /**
   * Lightly's listings: the samples (`datasource/list`), and its output folders — prediction files of a task
   * (`datasource/predictions/list?taskName=`, `.lightly/predictions/<task>/`) and metadata files
   * (`datasource/metadata/list`, `.lightly/metadata/`) — each with its `…/dnc` cursors.
   */
  const listings: { path: string; folder: (query: { taskName?: string }) => string | undefined; what: string }[] = [
    { path: '', folder: () => undefined, what: 'the samples' },
    { path: '/predictions', folder: (query) => `.lightly/predictions/${taskFolder(query.taskName)}/`, what: 'the prediction files of a task' },
    { path: '/metadata', folder: () => '.lightly/metadata/', what: 'the metadata files' },
  ];
  for (const listing of listings) {
    api.get<{ Params: DatasetParams; Querystring: Static<typeof DncQuery> & { taskName?: string } }>(
      `/v1/datasets/:datasetId/datasource${listing.path}/list/dnc`,
      {
        schema: {
          tags,
          summary: `Cursors to list ${listing.what} with (one here: listing is in key order); from/to filter on modification time`,
          params: DatasetParams,
          querystring: listing.path === '/predictions' ? Type.Intersect([DncQuery, TaskQuery]) : DncQuery,
          response: { 200: Type.Object({ cursors: Type.Array(Type.String()) }) },
        },
      },
      async (request) => {
        const { from, to, purpose } = request.query;
        listing.folder(request.query);
        const config = await getConfig(request, request.params.datasetId, purpose);
        if (config.type === 'LOCAL') return { cursors: [datasources.encodeCursor({ from: from ?? 0, to })] };
        return datasources.datasourceListCursors(ctx.scope(request), request.params.datasetId, { from, to, purpose });
      },
    );

    api.get<{ Params: DatasetParams; Querystring: Static<typeof ListQuery> & { taskName?: string } }>(
      `/v1/datasets/:datasetId/datasource${listing.path}/list`,
      {
        schema: {
          tags,
          summary: `One page of ${listing.what} with read URLs; pass the returned cursor back while hasMore`,
          params: DatasetParams,
          querystring: listing.path === '/predictions' ? Type.Intersect([ListQuery, TaskQuery]) : ListQuery,
          response: { 200: DatasourceRawSamplesData },
        },
      },
      async (request) => {
        const { datasetId } = request.params;
        const folder = listing.folder(request.query);
        const config = await getConfig(request, datasetId, request.query.purpose);
        if (config.type === 'LOCAL') {
          const cursor = datasources.decodeCursor(request.query.cursor);
          const page = await local.listLocalDatasourceFiles(ctx.store, config, datasetId, ctx.baseUrl(request), { ...cursor, folder, pageSize: request.query.pageSize ?? 1000 });
          return { hasMore: page.hasMore, cursor: datasources.encodeCursor({ ...cursor, after: page.after }), data: page.data };
        }
        return datasources.listDatasourceFiles(ctx.scope(request), datasetId, { ...request.query, folder });
      },
    );
  }

  for (const kind of ['predictions', 'metadata', 'embeddings'] as const) {
    api.get<{ Params: DatasetParams; Querystring: { fileName: string } }>(
      `/v1/datasets/:datasetId/datasource/${kind}/file`,
      {
        schema: {
          tags,
          summary: `A read URL of one file in the datasource's .lightly/${kind}/ folder`,
          params: DatasetParams,
          querystring: Type.Object({ fileName: Type.String({ minLength: 1 }) }),
          response: { 200: Type.String(), 404: ErrorBody },
        },
      },
      async (request) => {
        const { datasetId } = request.params;
        const { fileName } = request.query;
        assertSafeFileName(fileName, { file: 'query', column: 'fileName' });
        const config = await getConfig(request, datasetId);
        if (config.type === 'LOCAL') return local.signedLocalFileUrl(ctx.store, ctx.baseUrl(request), datasetId, `.lightly/${kind}/${fileName}`);
        return datasources.datasourceFileReadUrl(ctx.scope(request), datasetId, `.lightly/${kind}/`, fileName);
      },
    );
  }

  api.get<{ Params: DatasetParams }>(
    '/v1/datasets/:datasetId/datasource/processedUntilTimestamp',
    { schema: { tags, summary: "Until when (unix seconds) the dataset's datasource was processed; 0 when never set", params: DatasetParams, response: { 200: ProcessedUntil } } },
    async (request) => {
      const dataset = await getDataset(ctx.scope(request), request.params.datasetId);
      return { processedUntilTimestamp: dataset.datasourceProcessedUntilTimestamp ?? 0 };
    },
  );

  api.put<{ Params: DatasetParams; Body: Static<typeof ProcessedUntil> }>(
    '/v1/datasets/:datasetId/datasource/processedUntilTimestamp',
    { schema: { tags, params: DatasetParams, body: ProcessedUntil, response: { 200: Type.Object({}) } } },
    async (request) => {
      await setProcessedUntil(ctx.scope(request), request.params.datasetId, request.body.processedUntilTimestamp);
      return {};
    },
  );

  api.get<{ Params: DatasetParams; Querystring: Static<typeof LocalFileQuery> }>(
    '/v1/datasets/:datasetId/datasource/local/file',
    {
      config: { public: true },
      schema: { tags, summary: 'The signed read URL of one file of a LOCAL datasource', params: DatasetParams, querystring: LocalFileQuery, response: { 401: ErrorBody, 404: ErrorBody } },
    },
    async (request, reply) => {
      const { datasetId } = request.params;
      const { fileName, expires, signature } = request.query;
      if (!local.verifyLocalFileSignature(ctx.store, datasetId, fileName, expires, signature)) {
        throw new UnauthorizedError('the signed read URL is invalid or has expired; ask for a new one');
      }
      const file = await local.localDatasourceFile(ctx.store, datasetId, fileName);
      const info = await stat(file);
      return reply.header('cache-control', 'private, max-age=3600').header('content-length', info.size).type(contentTypeOf(file)).send(createReadStream(file));
    },
  );
}
