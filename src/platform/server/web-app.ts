import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface WebAppOptions {
  /** The folder `npm run build:web` writes: `index.html` plus hashed `assets/`. */
  distDir: string;
}

/** Where the built web app lives in this package: `web/dist`, seen from `dist/src/platform/server` or `src/platform/server`. */
export const DEFAULT_WEB_DIST = [
  path.resolve(__dirname, '..', '..', '..', '..', 'web', 'dist'),
  path.resolve(__dirname, '..', '..', '..', 'web', 'dist'),
].find((dir) => existsSync(path.join(dir, 'index.html'))) ?? path.resolve(__dirname, '..', '..', '..', 'web', 'dist');

// Vite puts a content hash in every asset name, so an asset never changes; index.html must be re-read to find them.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built single-page web app at `/`, next to the API. Screens are hash routes (`/#/datasets/…`), so only
 * `/` and `/assets/*` exist and no path can shadow an API route. These routes are public: the page and its scripts
 * hold no data, and the app asks for the API token itself. When the app is not built, `/` says how to build it
 * instead of failing the whole server.
 *
 * @example
 * await registerWebApp(app, { distDir: DEFAULT_WEB_DIST });
 * // GET /                  → 200 text/html (index.html, Cache-Control: no-cache)
 * // GET /assets/index-….js → 200 application/javascript (Cache-Control: public, max-age=31536000, immutable)
 */
export async function registerWebApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const indexFile = path.join(options.distDir, 'index.html');
  const route = { config: { public: true }, schema: { hide: true } };
  if (!existsSync(indexFile)) {
    app.get('/', route, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The web app is not built (no ${indexFile}). Run \`npm run build:web\`, then restart \`winnow serve\`.\n`),
    );
    return;
  }
  // `serve: false`: only `reply.sendFile` (with its path-traversal checks) is wanted, on routes declared here.
  await app.register(fastifyStatic, { root: options.distDir, serve: false });
  app.get('/', route, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }));
  app.get('/assets/*', route, async (request, reply) => {
    const file = (request.params as Record<string, string>)['*'];
    return reply.header('cache-control', IMMUTABLE).sendFile(path.posix.join('assets', file), { cacheControl: false });
  });
}
