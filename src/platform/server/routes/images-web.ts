import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { safeLocalPath, thumbnailName } from '../../../s3';
import { contentTypeOf } from '../../../s3/content-type';
import { ErrorBody } from '../../schemas';
import { datasetStorageDir } from '../../service/datasets';
import { sampleReadUrl } from '../../service/datasources';
import { getSample } from '../../service/samples';
import type { ServerContext } from '../server-context';
import { SampleParams } from './params';

// Stored images never change under a sample id; a private cache keeps them off shared proxies.
const IMAGE_CACHE = 'private, max-age=3600';

const ImageQuery = Type.Object({ type: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('thumbnail')])) });

/**
 * `GET …/samples/{sampleId}/image?type=thumbnail|full` (Winnow extension, the web app's `<img>` source): images the
 * platform stored itself — `winnow run`/`demo` upload modes `full` and `thumbnails`, under
 * `<home>/storage/<datasetId>/` — are streamed; otherwise it redirects like `readurlRedirect` to a presigned URL of
 * the dataset's S3 datasource. A missing thumbnail falls back to the full image and the other way round.
 */
export function registerImageRoutes(api: FastifyInstance, ctx: ServerContext): void {
  api.get<{ Params: SampleParams; Querystring: Static<typeof ImageQuery> }>(
    '/v1/datasets/:datasetId/samples/:sampleId/image',
    {
      schema: {
        tags: ['samples'],
        summary: 'The sample image or thumbnail: streamed from platform storage, else a redirect to its presigned S3 URL (Winnow extension)',
        params: SampleParams,
        querystring: ImageQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { datasetId, sampleId } = request.params;
      const type = request.query.type ?? 'full';
      const sample = await getSample(ctx.scope(request), datasetId, sampleId);
      const names = [sample.thumbName ?? thumbnailName(sample.fileName), sample.fileName];
      if (type === 'full') names.reverse();
      const root = datasetStorageDir(ctx.store.home, datasetId);
      for (const name of names) {
        const local = safeLocalPath(root, name);
        if (!local.ok) continue;
        const info = await stat(local.path).catch(() => null);
        if (info === null || !info.isFile()) continue;
        return reply
          .header('cache-control', IMAGE_CACHE)
          .header('content-length', info.size)
          .type(contentTypeOf(local.path))
          .send(createReadStream(local.path));
      }
      // Not stored here: the datasource has it (or sampleReadUrl answers 404 naming what is missing).
      const url = await sampleReadUrl(ctx.scope(request), datasetId, sampleId, type);
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );
}
