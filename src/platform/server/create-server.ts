import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors';
import { JobRunner, STALE_RUNNING_MS } from '../service/selection';
import { authenticateToken } from '../service/tokens';
import type { Store } from '../store/store';
import type { ServerContext } from './server-context';
import { toHttpError } from './error-mapping';
import { registerDatasetRoutes } from './routes/datasets';
import { registerDatasourceRoutes } from './routes/datasources';
import { registerEmbeddingRoutes } from './routes/embeddings';
import { registerJobRoutes } from './routes/jobs';
import { registerHealthRoutes } from './routes/health';
import { registerMetadataRoutes } from './routes/metadata';
import { registerPredictionRoutes } from './routes/predictions';
import { registerSampleRoutes } from './routes/samples';
import { registerSampleQueryRoutes } from './routes/sample-query';
import { registerSamplingRunRoutes } from './routes/sampling-runs';
import { registerTagRoutes } from './routes/tags';
import { registerTokenRoutes } from './routes/tokens';
import { registerImageRoutes } from './routes/images-web';
import { registerCollaborationRoutes } from './routes/collaboration';
import { registerDockerRoutes } from './routes/docker';
import { registerSampleFileRoutes } from './routes/sample-files';
import { registerTagExportRoutes } from './routes/tag-exports';
import { registerSessionRoutes, sessionCookie } from './routes/session';
import { authenticateWebSession } from '../service/sessions';
import { typeboxValidatorCompiler } from './validation';
import { FailedAuthLimiter, hideServerPaths, removeInterruptedUploads, SECURITY_HEADERS } from './hardening';
import { assertUtf8 } from '../../utf8';
import { InvalidInputError } from '../../errors';

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
  /**
   * Base URL put into signed URLs (`https://winnow.example.com` behind a TLS proxy); default: the address the server
   * listens on. Never taken from the request's Host header, which any client can set.
   */
  publicUrl?: string;
  /** Failed authentications one client address may make per minute before it gets 429 (default 30). */
  maxFailedAuthPerMinute?: number;
  /** Fastify's trustProxy: set it to the TLS proxy's address so `request.ip` (auth limits, logs) is the client's. */
  trustProxy?: boolean | string | string[];
  /** Largest embeddings CSV accepted (default 8 GiB); streamed to disk, never held in memory. */
  maxCsvBytes?: number;
}

// What every route module gets is in a module of its own: the routes import it, and this file imports the routes.
export type { ServerContext } from './server-context';

/** The header the web app sends with every request it signs by session cookie. */
export const WEB_REQUEST_HEADER = 'x-winnow-request';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Query parameters that carry a credential (Winnow's and Lightly's token, our signatures, S3 presigned URLs' parts).
const CREDENTIAL_PARAMS = new Set(['token', 'signature', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'access_token', 'api_key', 'apikey', 'password', 'secret']);

function decodeQueryKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Credentials must never reach a log line: every parameter whose name, once URL-decoded the way the query parser
 * decodes it (`to%6Ben` is `token`), carries a credential has its value cut; a name that does not decode is cut too.
 * → `/v1/datasets?to%6Ben=[redacted]`
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      if (eq < 0) return param;
      const key = decodeQueryKey(param.slice(0, eq));
      return key === undefined || CREDENTIAL_PARAMS.has(key.trim()) ? `${param.slice(0, eq)}=[redacted]` : param;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
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
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const authLimiter = new FailedAuthLimiter({ limit: options.maxFailedAuthPerMinute, windowMs: 60_000 });
  const home = options.home ?? store.home;
  const runner = new JobRunner(store);
  const context: ServerContext = {
    store,
    runner,
    maxCsvBytes: options.maxCsvBytes ?? 8 * 1024 ** 3,
    scope: (request) => ({ store, userId: request.userId }),
    baseUrl: () => options.publicUrl?.replace(/\/+$/, '') ?? listenUrl(app),
  };

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document the API; replies are plain JSON.stringify so nothing is silently dropped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('userId', '');

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (error instanceof UnauthorizedError) authLimiter.recordFailure(request.ip);
    // Error bodies name files as the client knows them, never by their place on this server.
    body.error = hideServerPaths(body.error, home, status >= 500);
    if (body.location) body.location = { ...body.location, file: hideServerPaths(body.location.file, home, true) };
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', error: `no route ${request.method} ${redactUrl(request.url.split('?')[0])}` });
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) void reply.header(name, value);
    return payload;
  });
  // Guessing tokens or signatures: an address past its failed-authentication budget waits, whatever it presents.
  app.addHook('onRequest', async (request, reply) => {
    // Whatever can carry a credential: protected routes, signed URLs, `?token=`, and public writes (POST /v1/session
    // takes a token in its body); anonymous reads (health, the web app's files) stay open.
    const query = request.query as Record<string, unknown> | undefined;
    const presents =
      !request.routeOptions.config?.public || (request.method !== 'GET' && request.method !== 'HEAD') || query?.signature !== undefined || query?.token !== undefined;
    const wait = presents ? authLimiter.retryAfterSeconds(request.ip) : undefined;
    if (wait !== undefined) {
      return reply
        .status(429)
        .header('retry-after', String(wait))
        .send({ code: 'TOO_MANY_FAILED_AUTHENTICATIONS', error: `too many failed authentications from this address; retry in ${wait} s` });
    }
  });
  // JSON bodies are UTF-8 (RFC 8259): another declared charset, or bytes that are not UTF-8, are a 400 naming the byte.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(new InvalidInputError({ file: 'body' }, `charset ${JSON.stringify(charset)} is not accepted; JSON bodies must be UTF-8`, 'INVALID_ENCODING'), undefined);
      return;
    }
    try {
      assertUtf8(body as Buffer, 'body');
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, (body as Buffer).toString('utf8'), done);
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
    // Uploads a crashed server was streaming (`kill -9`, power loss) would fill the disk over time.
    const removed = await removeInterruptedUploads(home);
    if (removed > 0) app.log.info({ removed }, 'removed interrupted uploads');
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
    registerSampleQueryRoutes(api, context);
    registerSamplingRunRoutes(api, context);
    registerMetadataRoutes(api, context);
    registerPredictionRoutes(api, context);
    registerEmbeddingRoutes(api, context);
    registerTagRoutes(api, context);
    registerJobRoutes(api, context);
    registerHealthRoutes(api, context);
    registerDatasourceRoutes(api, context);
    registerTokenRoutes(api, context);
    registerImageRoutes(api, context);
    registerSampleFileRoutes(api, context);
    registerTagExportRoutes(api, context);
    registerCollaborationRoutes(api, context);
    registerDockerRoutes(api);
    registerSessionRoutes(api, context);
  });
  return app;
}

/** `http://<listen address>:<port>` of a listening server; a wildcard address (0.0.0.0, ::) is reached at loopback. */
function listenUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return 'http://127.0.0.1';
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
