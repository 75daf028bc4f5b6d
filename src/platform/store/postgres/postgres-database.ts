import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { PlatformDatabase } from '../schema';

// int8 (BIGINT millis, COUNT(*)) arrives as strings; the row mappers convert with Number() rather than changing pg's
// process-wide type parsers — millisecond timestamps and counts stay far below 2^53.

/** Options for the PostgreSQL backend. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:pass@host:port/db` */
  url: string;
  /** Schema to create and use instead of `public` (tests give every run its own). */
  schema?: string;
  /** Pool size; the server's handlers are short, so a small pool serves many clients. */
  maxConnections?: number;
}

/** Connects a pg pool and wraps it in Kysely; creates `schema` first when one is given. */
export async function createPostgresDatabase(options: PostgresDatabaseOptions): Promise<Kysely<PlatformDatabase>> {
  if (options.schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(options.schema)}`);
    const setup = new Pool({ connectionString: options.url, max: 1 });
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  return new Kysely<PlatformDatabase>({ dialect: new PostgresDialect({ pool }) });
}
