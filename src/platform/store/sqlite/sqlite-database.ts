import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { PlatformDatabase } from '../schema';

/**
 * The part of better-sqlite3 the store uses. Declared here rather than taken from @types/better-sqlite3 so the
 * store depends on this small port, not on the vendor's full typings (kysely does the same in its sqlite dialect).
 */
interface BetterSqliteDatabase extends SqliteDatabase {
  pragma(source: string): unknown;
}
type BetterSqliteConstructor = new (filename: string) => BetterSqliteDatabase;

/** Opens (creating if needed) the SQLite file at `file` and wraps it in Kysely. */
export function createSqliteDatabase(file: string): Kysely<PlatformDatabase> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // The database holds token hashes and encrypted datasource keys: owner-only, and SQLite gives its -wal and -shm
  // files the mode of the database file. Files an older version created 0644 are tightened too.
  closeSync(openSync(file, 'a', 0o600));
  for (const part of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(part)) chmodSync(part, 0o600);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- typed through the port above
  const Database = require('better-sqlite3') as BetterSqliteConstructor;
  const database = new Database(file);
  // WAL lets the CLI read while `winnow serve` writes; NORMAL sync is durable across process crashes in WAL mode.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // A second process (CLI beside the server) may hold the write lock briefly; wait instead of failing with SQLITE_BUSY.
  database.pragma('busy_timeout = 5000');
  return new Kysely<PlatformDatabase>({ dialect: new SqliteDialect({ database }) });
}
