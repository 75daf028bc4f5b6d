import { randomFillSync } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { InvalidConfigError } from '../../errors';
import { s3EndpointPolicy, type S3EndpointPolicy } from '../../s3/endpoint-policy';
import { platformMigrations } from './migrations';
import { createPostgresDatabase } from './postgres/postgres-database';
import type { PlatformDatabase } from './schema';
import { openSecretBox, type SecretBox } from './secret-box';
import { createSqliteDatabase } from './sqlite/sqlite-database';

export type StoreDialect = 'sqlite' | 'postgres';

/** The platform's persistence: one Kysely database (SQLite file or PostgreSQL), its home folder and its key. */
export interface Store {
  readonly db: Kysely<PlatformDatabase>;
  readonly dialect: StoreDialect;
  /** Folder holding the SQLite file, uploaded embedding CSVs (`storage/`) and `secret.key`. */
  readonly home: string;
  readonly secrets: SecretBox;
  /** S3 endpoints users' datasources may point at (AWS, plus what the operator lists). */
  readonly s3Endpoints: S3EndpointPolicy;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Home folder; default `WINNOW_HOME`, else `~/.winnow`. */
  home?: string;
  /** `postgres://…` to use PostgreSQL; default `WINNOW_DATABASE_URL`, else SQLite at `<home>/winnow.db`. */
  databaseUrl?: string;
  /** PostgreSQL schema to use instead of `public` (created when missing). */
  postgresSchema?: string;
  /**
   * S3 endpoints besides AWS that datasources may use (`host:port`, URL or CIDR), added to WINNOW_S3_ENDPOINT_ALLOW;
   * loopback, link-local and private addresses are refused unless listed.
   */
  s3EndpointAllow?: string[];
}

/** Default platform home: `WINNOW_HOME`, else `~/.winnow`. */
export function defaultHome(): string {
  const fromEnv = process.env.WINNOW_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.join(homedir(), '.winnow');
}

/**
 * Opens the platform store and brings its schema up to date.
 *
 * @example
 * const store = await openStore({ home: '/tmp/winnow-home' });
 * // → { dialect: 'sqlite', home: '/tmp/winnow-home', db: Kysely, secrets, close() }
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const home = options.home !== undefined ? path.resolve(options.home) : defaultHome();
  const url = options.databaseUrl ?? process.env.WINNOW_DATABASE_URL ?? '';
  // The home holds the database, the secret key and uploaded CSVs: only its owner may list or read it.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  let db: Kysely<PlatformDatabase>;
  let dialect: StoreDialect;
  if (url === '' || url.startsWith('sqlite:')) {
    const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : path.join(home, 'winnow.db');
    db = createSqliteDatabase(file);
    dialect = 'sqlite';
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    db = await createPostgresDatabase({ url, schema: options.postgresSchema });
    dialect = 'postgres';
  } else {
    throw new InvalidConfigError('WINNOW_DATABASE_URL must start with postgres:// (or be empty for SQLite under the home folder)');
  }
  try {
    await migrateToLatest(db, dialect === 'postgres' ? options.postgresSchema : undefined);
    const secrets = openSecretBox(home);
    return { db, dialect, home, secrets, s3Endpoints: s3EndpointPolicy(options.s3EndpointAllow), close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

async function migrateToLatest(db: Kysely<PlatformDatabase>, schema: string | undefined): Promise<void> {
  // The migration bookkeeping tables must live in the store's own schema: Kysely looks them up by name across the
  // search path, and one in `public` would otherwise be mistaken for ours.
  const migrator = new Migrator({ db, provider: platformMigrations, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * 24 hex characters like the MongoDB ObjectIds Lightly uses: 4 bytes of seconds then 8 random bytes, so ids sort
 * by creation time.
 */
export function newId(): string {
  if (poolOffset + 8 > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  const random = randomPool.toString('hex', poolOffset, poolOffset + 8);
  poolOffset += 8;
  return seconds + random;
}

// One randomFillSync per 512 ids: a call per id cost ~1.8 s of CPU for 100,000 samples.
const randomPool = Buffer.alloc(4096);
let poolOffset = randomPool.length;
