import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import { expect } from 'vitest';
import { createHttpClient } from '../../src/platform/client/http-client';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import type { SampleCreateRequest } from '../../src/platform/schemas';
import { createPlatformServer } from '../../src/platform/server/create-server';
import { createApiToken } from '../../src/platform/service/tokens';
import { openStore, type Store } from '../../src/platform/store/store';

/**
 * The backends every store-level suite runs against. SQLite always; PostgreSQL when WINNOW_TEST_POSTGRES_URL is set
 * (scripts/services.sh exports it) — each PostgreSQL store gets its own schema so suites never see each other's rows.
 */
export interface DialectCase {
  name: 'sqlite' | 'postgres';
  open(home: string): Promise<Store>;
  /** Drops what `open` created outside the home folder (the PostgreSQL schema). */
  dispose(home: string): Promise<void>;
}

/** One schema per home folder, so reopening a home reopens the same PostgreSQL data (restart tests). */
function schemaFor(home: string): string {
  return `winnow_test_${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
}

export function dialects(): DialectCase[] {
  const list: DialectCase[] = [
    { name: 'sqlite', open: (home) => openStore({ home, databaseUrl: '', s3EndpointAllow: testS3EndpointAllow() }), dispose: async () => undefined },
  ];
  const url = process.env.WINNOW_TEST_POSTGRES_URL;
  if (url) {
    list.push({
      name: 'postgres',
      open: (home) => openStore({ home, databaseUrl: url, postgresSchema: schemaFor(home), s3EndpointAllow: testS3EndpointAllow() }),
      async dispose(home) {
        const pool = new Pool({ connectionString: url, max: 1 });
        try {
          await pool.query(`DROP SCHEMA IF EXISTS ${schemaFor(home)} CASCADE`);
        } finally {
          await pool.end();
        }
      },
    });
  }
  // WINNOW_TEST_DIALECTS=sqlite narrows the list (kysely's test-setup does the same with its DIALECTS).
  const only = process.env.WINNOW_TEST_DIALECTS?.split(',');
  return only ? list.filter((d) => only.includes(d.name)) : list;
}

/**
 * The S3 endpoints test platforms may use: the MinIO the services script started (loopback, so refused by the
 * endpoint policy unless listed), and nothing else — listed by its exact host:port, as an operator would.
 */
export function testS3EndpointAllow(): string[] {
  const endpoint = process.env.WINNOW_S3_ENDPOINT;
  return endpoint ? [new URL(endpoint).host] : [];
}

export async function tempHome(): Promise<{ home: string; cleanup(): Promise<void> }> {
  const home = await mkdtemp(path.join(tmpdir(), 'winnow-platform-'));
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  baseUrl: string;
  token: string;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 (port 0) over a store in `home`, with a fresh token for `user`. */
export async function startServer(home: string, options: { open?: (home: string) => Promise<Store>; user?: string; port?: number } = {}): Promise<RunningServer> {
  const store = await (options.open ?? ((h: string) => openStore({ home: h, databaseUrl: '', s3EndpointAllow: testS3EndpointAllow() })))(home);
  const { token } = await createApiToken(store, { user: options.user ?? 'local', name: 'test' });
  const app = createPlatformServer({ store, home });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    app,
    store,
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export interface TempServer extends RunningServer {
  home: string;
  /** Closes the server, drops the dialect's schema and removes the home. */
  close(): Promise<void>;
}

/** A real server over a fresh temp home, on `dialect` (SQLite by default). */
export async function startTempServer(dialect?: DialectCase): Promise<TempServer> {
  const temp = await tempHome();
  const server = await startServer(temp.home, { open: dialect?.open });
  return {
    ...server,
    home: temp.home,
    async close() {
      await server.close();
      await dialect?.dispose(temp.home);
      await temp.cleanup();
    },
  };
}

export interface DatasetServer extends TempServer {
  /** An HTTP client of the server (fast retries). */
  client: PlatformClient;
  datasetId: string;
  /** The embedding "default" of the dataset's samples. */
  embeddingId: string;
}

/**
 * A real server over a fresh temp home (on `dialect`, SQLite by default) with one dataset: `samples` (default: one
 * per name) and their embedding "default", uploaded as a Lightly CSV (`csv`, default embeddingsCsv(names, dim)).
 */
export async function startDatasetServer(options: {
  dataset: string;
  names: string[];
  dim?: number;
  dialect?: DialectCase;
  samples?: SampleCreateRequest[];
  csv?: string;
}): Promise<DatasetServer> {
  const server = await startTempServer(options.dialect);
  const client = createHttpClient({ baseUrl: server.baseUrl, token: server.token, retryBaseDelayMs: 10 });
  const datasetId = (await client.createDataset(options.dataset)).id;
  await client.createSamples(datasetId, options.samples ?? options.names.map((fileName) => ({ fileName })));
  const csvPath = path.join(server.home, 'embeddings.csv');
  await writeFile(csvPath, options.csv ?? embeddingsCsv(options.names, options.dim));
  const embeddingId = (await client.uploadEmbeddings(datasetId, csvPath, 'default')).id;
  return {
    ...server,
    client,
    datasetId,
    embeddingId,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/** fetch with the token as Bearer; returns status and parsed JSON (or text). */
export async function call(
  server: { baseUrl: string; token?: string },
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  const response = await fetch(server.baseUrl + urlPath, {
    method,
    headers: {
      ...(server.token ? { authorization: `Bearer ${server.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // plain text answers (export/basic/filenames)
  }
  return { status: response.status, body: parsed };
}

/** A Lightly-format embeddings CSV for the given names (D = dim), deterministic. */
export function embeddingsCsv(fileNames: string[], dim = 4, seed = 1): string {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
  const header = ['filenames', ...Array.from({ length: dim }, (_, i) => `embedding_${i}`), 'labels'].join(',');
  const rows = fileNames.map((name) => [name.includes(',') ? `"${name}"` : name, ...Array.from({ length: dim }, () => rand().toFixed(6)), '0'].join(','));
  return [header, ...rows].join('\r\n') + '\r\n';
}

/**
 * Asks a sample query twice, over the field columns held in memory and in SQL alone (WINNOW_FIELD_COLUMNS_MB=0), and
 * checks that both paths answer 200 with the same body; returns it.
 */
export async function bothPaths(ask: () => Promise<{ status: number; body: any }>): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  const fromColumns = await ask();
  const before = process.env.WINNOW_FIELD_COLUMNS_MB;
  process.env.WINNOW_FIELD_COLUMNS_MB = '0';
  let fromSql: { status: number; body: unknown };
  try {
    fromSql = await ask();
  } finally {
    if (before === undefined) delete process.env.WINNOW_FIELD_COLUMNS_MB;
    else process.env.WINNOW_FIELD_COLUMNS_MB = before;
  }
  expect(fromColumns.status, JSON.stringify(fromColumns.body)).toBe(200);
  expect(fromSql.body).toEqual(fromColumns.body);
  return fromColumns.body;
}
