import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../../errors';

/**
 * Registers PUT routes whose body is the raw request stream: in a plugin of their own whose catch-all content-type
 * parser hands the payload over, so a multi-GB CSV or an image of any content type goes straight to disk instead of
 * through a body buffer.
 */
export function registerRawBodyRoutes(api: FastifyInstance, routes: (upload: FastifyInstance) => void): void {
  void api.register(async (upload) => {
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    routes(upload);
  });
}

/** The raw body of a route registered by registerRawBodyRoutes; a request without one is refused naming what to PUT. */
export function rawBody(request: FastifyRequest, what: string): Readable {
  const body = request.body as Readable | undefined | null;
  if (body === undefined || body === null) throw new InvalidInputError({ file: 'body' }, `the request has no body: PUT ${what}`);
  return body;
}
