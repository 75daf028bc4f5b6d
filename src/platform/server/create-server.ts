import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors';
import type { UserScope } from '../service/datasets';
import { JobRunner, STALE_RUNNING_MS } from '../service/selection';
import { authenticateToken } from '../service/tokens';
import type { Store } from '../store/store';
import { toHttpError } from './error-mapping';
import { registerDatasetRoutes } from './routes/datasets';
import { registerDatasourceRoutes } from './routes/datasources';
import { registerEmbeddingRoutes } from './routes/embeddings';
import { registerJobRoutes } from './routes/jobs';
import { registerMetadataRoutes } from './routes/metadata';
import { registerSampleRoutes } from './routes/samples';
import { registerTagRoutes } from './routes/tags';
import { registerTokenRoutes } from './routes/tokens';
import { registerImageRoutes } from './routes/images-web';
import { registerSessionRoutes, sessionCookie } from './routes/session';
import { authenticateWebSession } from '../service/sessions';
import { typeboxValidatorCompiler } from './validation';

// JSON bodies default to 1 MiB; the bulk routes (sample batches, custom metadata, tag from filenames) raise it.
const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface PlatformServerOptions {
  store: Store;
  /** Platform home (defaults to the store's). */
  home?: string;
  /**
   * `true` logs requests with pino to stdout (tokens and signatures cut from logged URLs); a pino-compatible logger
   * instance is used as is (then redact `req.url` yourself).
   */
  logger?: boolean | FastifyBaseLogger;
  /** Base URL put into signed upload URLs; default: from the request's Host header. */
  publicUrl?: string;
  /** Largest embeddings CSV accepted (default 8 GiB); streamed to disk, never held in memory. */
  maxCsvBytes?: number;
}

/** What every route module gets. */
export interface ServerContext {
  store: Store;
  runner: JobRunner;
  maxCsvBytes: number;
  /** The caller as a user scope (set by the auth hook). */
  scope(request: FastifyRequest): UserScope;
  /** Base URL for URLs the server hands out. */
  baseUrl(request: FastifyRequest): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
  interface FastifyContextConfig {
    /** Routes reachable without a token (health, OpenAPI, signed uploads). */
    public?: boolean;
  }
}

/** The header the web app sends with every request it signs by session cookie. */
export const WEB_REQUEST_HEADER = 'x-winnow-request';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `?token=…` and `signature=…` must never reach a log line. → `/v1/datasets?token=[redacted]` */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|signature)=)[^&]*/g, '$1[redacted]');
}

/** Lightly accepts `Authorization: Bearer <token>` and `?token=<token>`; so does Winnow. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+/i.test(header)) return header.replace(/^Bearer\s+/i, '').trim();
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

/**
 * The Lightly-compatible REST server over a store. Call `listen({ port, host })`, and `close()` to stop it (running
 * selection jobs finish first). Jobs a stopped server left behind are resumed on `ready()`.
 *
 * @example
 * const app = createPlatformServer({ store: await openStore({ home }) });
 * await app.listen({ port: 7878, host: '127.0.0.1' }); // GET http://127.0.0.1:7878/openapi.json
 */
export function createPlatformServer(options: PlatformServerOptions): FastifyInstance {
  const { store } = options;
  const logging =
    typeof options.logger === 'object'
      ? { loggerInstance: options.logger }
      : {
          logger: options.logger
            ? { level: 'info', serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }) } }
            : false,
        };
  const app = Fastify({
    bodyLimit: DEFAULT_BODY_LIMIT,
    ...logging,
    // Lightly clients send ids in the path; keep the router's default case sensitivity and allow long tag names.
    routerOptions: { maxParamLength: 1024 },
  });
  const runner = new JobRunner(store);
  const context: ServerContext = {
    store,
    runner,
    maxCsvBytes: options.maxCsvBytes ?? 8 * 1024 ** 3,
    scope: (request) => ({ store, userId: request.userId }),
    baseUrl: (request) => options.publicUrl ?? `${request.protocol}://${request.host}`,
  };

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document the API; replies are plain JSON.stringify so nothing is silently dropped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('userId', '');

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', error: `no route ${request.method} ${redactUrl(request.url.split('?')[0])}` });
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    if (request.routeOptions.url === undefined) return; // unknown route: the not-found handler answers
    const token = presentedToken(request);
    const session = token === undefined ? sessionCookie(request) : undefined;
    // Cookie-authenticated writes must also carry a header no cross-site form can send (SameSite=Strict is the
    // first line; this one holds for browsers that ignore it).
    if (session !== undefined && !SAFE_METHODS.has(request.method) && request.headers[WEB_REQUEST_HEADER] !== '1') {
      throw new UnauthorizedError(`requests signed in by session cookie must send the ${WEB_REQUEST_HEADER}: 1 header`);
    }
    request.userId = await (session !== undefined ? authenticateWebSession(store, session) : authenticateToken(store, token)).catch((error: unknown) => {
      throw error instanceof UnauthorizedError ? error : new UnauthorizedError();
    });
  });
  let watchdog: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await runner.resumePending();
    // Jobs of a process that died while this server runs (a CLI sharing the store) are picked up without a restart.
    watchdog = setInterval(() => {
      runner.resumePending().catch((error: unknown) => app.log.error({ err: error }, 'resuming stale selection jobs failed'));
    }, STALE_RUNNING_MS / 2).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(watchdog);
    await runner.close();
  });

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Winnow platform API',
        version: '1',
        description: "Self-hosted curation platform following Lightly's v1 API paths and JSON fields.",
      },
      components: {
        securitySchemes: {
          ApiKeyAuth: { type: 'apiKey', in: 'query', name: 'token' },
          BearerAuth: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ ApiKeyAuth: [] }, { BearerAuth: [] }],
    },
  });

  void app.register(async (api) => {
    api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
    api.get('/health', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
    // Lightly's client asks these at start-up (failures only warn); answering keeps its log quiet.
    api.get('/v1/versions/pip/minimum', { config: { public: true }, schema: { hide: true } }, async () => '1.0.0');
    api.get('/v1/versions/pip/latest', { config: { public: true }, schema: { hide: true } }, async () => '1.5.0');
    registerDatasetRoutes(api, context);
    registerSampleRoutes(api, context);
    registerMetadataRoutes(api, context);
    registerEmbeddingRoutes(api, context);
    registerTagRoutes(api, context);
    registerJobRoutes(api, context);
    registerDatasourceRoutes(api, context);
    registerTokenRoutes(api, context);
    registerImageRoutes(api, context);
    registerSessionRoutes(api, context);
  });
  return app;
}
